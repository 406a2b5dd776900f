"""How much of a file maps as huge pages right now: maps it, touches every 4 KB page, and reads the mapping's Rss and
FilePmdMapped from /proc/self/smaps (Linux). Prints one JSON object {file, bytes, rss_kb, huge_kb}.

    python3 tools/perf/pagecache.py [--reread] FILE

--reread first drops the file from the page cache (posix_fadvise DONTNEED; pages another process maps stay) and reads
it back through a mapping advised MADV_HUGEPAGE, so that it sits in 2 MiB folios whichever tool wrote it: the
benchmarks then read every file in the same state, both engines alike.

Linux keeps a file's page cache in folios sized by how it was written or read ahead; 2 MiB folios map as huge pages,
smaller ones as 4 KB pages, and weights read in place (F32) stream at a speed that depends on it (docs/PERFORMANCE.md,
"Model files in huge pages"). The touch reads an uncached file in, as a benchmark would; it writes nothing.
"""
import json
import mmap
import os
import sys


def main():
    args = sys.argv[1:]
    reread = args[:1] == ["--reread"]
    path = os.path.realpath(args[-1])
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if reread:
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        m = mmap.mmap(f.fileno(), size, prot=mmap.PROT_READ)
        if reread:
            m.madvise(mmap.MADV_HUGEPAGE)
        for i in range(0, size, 4096):
            m[i]
        rss = huge = None
        with open("/proc/self/smaps") as smaps:
            inside = False
            for line in smaps:
                head = line.split()
                if len(head) >= 6 and "-" in head[0] and head[-1] == path:
                    inside = True
                elif inside and head and head[0] in ("Rss:", "FilePmdMapped:"):
                    if head[0] == "Rss:":
                        rss = int(head[1])
                    else:
                        huge = int(head[1])
                        break
        m.close()
    print(json.dumps({"file": os.path.basename(path), "bytes": size, "rss_kb": rss, "huge_kb": huge}))


if __name__ == "__main__":
    main()
