"""C2's machine code as assembly, without hsdis: the JVM prints a compiled method's bytes as hex when it has no
disassembler plugin (-XX:CompileCommand=print,...), and objdump decodes them.

    java ... -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,gpt2j.engine.kernels.MatVecQ8_0::applyEach ... > out.txt
    python3 tools/perf/disasm.py out.txt              # lists the compiled methods in out.txt
    python3 tools/perf/disasm.py out.txt N            # objdump of the N-th (0-based), loops' backward jumps marked

Needs objdump (binutils). Only the [MachCode] bytes are decoded; the JVM's own comments are dropped.
"""
import re
import subprocess
import sys
import tempfile


def methods(lines):
    """(title, first line, end line) of each 'Compiled method' section."""
    starts = [i for i, l in enumerate(lines) if l.startswith("Compiled method")]
    return [(lines[s].strip(), s, starts[k + 1] if k + 1 < len(starts) else len(lines)) for k, s in enumerate(starts)]


def code(lines):
    """The section's bytes from its '0xADDR: hhhh hhhh | ...' rows, placed at their addresses."""
    base, buf = None, bytearray()
    for l in lines:
        m = re.match(r"\s*0x([0-9a-f]+): ((?:[0-9a-f]{2,8} ?\|? ?)+)$", l)
        if not m:
            continue
        addr, data = int(m.group(1), 16), bytes.fromhex("".join(m.group(2).replace("|", "").split()))
        base = addr if base is None else base
        off = addr - base
        buf += b"\x90" * max(0, off - len(buf))
        buf[off:off + len(data)] = data
    return base, bytes(buf)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    found = methods(lines)
    if len(sys.argv) < 3:
        for k, (title, _, _) in enumerate(found):
            print(k, title)
        return
    title, s, e = found[int(sys.argv[2])]
    base, data = code(lines[s:e])
    if base is None:
        sys.exit("disasm.py: no machine code bytes in that section")
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "--adjust-vma=%#x" % base, f.name],
                             capture_output=True, text=True, check=True).stdout
    print(title)
    for l in out.split("\n"):
        m = re.match(r"\s*([0-9a-f]+):\t[^\t]*\t(j\w+)\s+0x([0-9a-f]+)", l)
        back = m and m.group(2) != "jmp" and int(m.group(3), 16) < int(m.group(1), 16)
        print(l + ("    <- loop" if back else ""))


if __name__ == "__main__":
    main()
