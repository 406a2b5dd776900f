"""Writes the campaign table of docs/RELIABILITY.md from target/fuzz-campaign.txt (tools/fuzz_campaign.sh's lines).

    python3 tools/fuzz_report.py [CAMPAIGN_TXT] [RELIABILITY_MD]
The table between the `<!-- campaign table -->` and `<!-- end campaign table -->` lines is replaced by one row per
target: the last line the campaign wrote for it. The prose around it (machine, load, findings) stays by hand.
"""
import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
txt = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "target" / "fuzz-campaign.txt"
md = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "RELIABILITY.md"
START, END = "<!-- campaign table -->", "<!-- end campaign table -->"

line_re = re.compile(r"^\S+ (?P<target>\S+): Done (?P<runs>\d+) runs in (?P<secs>\d+) second; "
                     r"(?:cov: (?P<cov>\d+) ft: (?P<ft>\d+) corp: (?P<n>\d+)/(?P<size>\d+)(?P<unit>[a-zA-Z]*) "
                     r"exec/s: (?P<rate>\d+)|no stats); exit (?P<rc>\d+)")
rows = {}
for line in txt.read_text().splitlines():
    m = line_re.match(line)
    if m:
        rows[m["target"]] = m  # the last run of a target wins
if not rows:
    sys.exit(f"fuzz_report: no campaign lines in {txt}")


def size(m):
    unit = {"b": "B", "Kb": "KB", "Mb": "MB"}.get(m["unit"], m["unit"])
    return f"{m['n']} inputs, {m['size']} {unit}"


table = ["| Target | Executions | Time | exec/s | cov / ft | Corpus | Findings |",
         "|---|---:|---:|---:|---|---|---|"]
for target, m in rows.items():
    stats = m["cov"] is not None
    finding = "0" if m["rc"] == "0" else "stopped (exit " + m["rc"] + "): see target/fuzz-" + target.replace("#", "-") + ".log"
    table.append(f"| `{target}` | {int(m['runs']):,} | {m['secs']} s | {int(m['rate']):,} | "
                 f"{m['cov']} / {m['ft']} | {size(m)} | {finding} |" if stats else
                 f"| `{target}` | {int(m['runs']):,} | {m['secs']} s | | | | {finding} |")
text = md.read_text()
if START not in text or END not in text:
    sys.exit(f"fuzz_report: {md} has no {START} ... {END} block")
head, rest = text.split(START, 1)
_, tail = rest.split(END, 1)
md.write_text(head + START + "\n" + "\n".join(table) + "\n" + END + tail)
print(f"fuzz_report: {len(rows)} targets written to {md}")
