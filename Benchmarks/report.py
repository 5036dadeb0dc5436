#!/usr/bin/env python3
"""The table `make bench` ends with: every target of docs/performance.md (P1-P13) beside the
figure this run measured for it, its reference, the ratio and whether the target was met.

usage: Benchmarks/report.py [--docs docs/performance.md] LOG [LOG ...]   (LOG may be -, stdin)

The targets' "what" and "target" texts are read from the table in docs/performance.md, so they
live in one place. The figures come from the benchmarks' output (LOG), from lines of the form

    BENCH|<id>|<value>|<unit>|<reference>|<ratio>|<name>=<value>;<name>=<value>...
    BENCH|<id>|not measured|<why>
    BENCH-RUN|<piece>|<exit status>|<ids the piece measures, space separated>

The first two are printed by each benchmark beside its human summary line (Swift benchmarks via
BenchFigures.ReportLine, the scripts with print/printf): value is a number in unit, reference is
text (the reference figure with its unit, or "none ..."), ratio is value / reference or "-", and
the optional extras are further named figures, some of which targets are checked on. The third
is written by `make bench` after each piece it runs, so an id a failed piece should have
measured says why it has no figure. An id may have several rows (e.g. P7 at two batch sizes).

Benchmarks are not tests: a missed target is reported, not an error. Exit status 1 only when a
piece of the run failed (non-zero BENCH-RUN status) or no table could be made.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DOCS = os.path.join(HERE, "..", "docs", "performance.md")

# The machine-checkable criteria of each target: (extra name or "" for the main figure, op, bound,
# the words of the target text the criterion stands for, applies). The words must appear in the
# target text of docs/performance.md, so a changed target shows as "check out of date" instead of
# being judged against an old bound. applies: None, or (extra name, low, high) within which the
# criterion holds (P4 and P9 are set at 10k points/s; P7's bound depends on the batch interval).
AT_10K = ("points/s", 9000, 11000)
CHECKS = {
    "P1": [("", "<=", 50, "≤ 50 ns", None), ("allocs/sample", "<=", 0, "no allocation", None)],
    "P2": [("", ">=", 2, "≥ 2 M samples/s", None), ("drops", "<=", 0, "no drops", None),
           ("offered drops", "<=", 0, "no drops", None)],
    "P3": [("", "<=", 25, "≤ 25 ns", None), ("x faster than tree walk", ">=", 5, "≥ 5×", None)],
    "P4": [("", "<=", 24, "≤ 24 MiB at 10k points/s", AT_10K)],
    "P5": [("", "<=", 16, "≤ 16 MB", None)],
    "P6": [("", "<=", 20, "≤ 20 ms", None)],
    "P7": [("", "<=", 4, "≤ 4 bytes per point at 60 s", ("batch interval s", 60, 60)),
           ("", "<=", 10, "≤ 10 at 10 s", ("batch interval s", 10, 10))],
    "P8": [("", ">=", 20000, "TCP ≥ 20k polls/s", None)],
    "P9": [("", "<=", 2, "≤ 2 µs CPU per point", AT_10K), ("% of one core", "<=", 2, "2 % of a core", AT_10K)],
    "P10": [("", ">=", 50, "≥ 50k records/s", None)],
    "P11": [("", "<=", 20, "p50 ≤ 20 µs", None)],
    "P12": [("", "<=", 20, "p99 ≤ 20 ms", None)],
    "P13": [("", "<=", 1100, "p99 ≤ 1.1 s at 1 s batches", ("batch interval s", 1, 1)),
            ("", "<=", 50, "≤ 50 ms with batch_interval 0", ("batch interval s", 0, 0))],
}
# Parts of a target no benchmark of `make bench` measures; said in the verdict, never judged.
NOT_CHECKED = {
    "P2": "for 60 s (runs are 10M samples)",
    "P4": "idle RSS ≤ 8 MiB",
    "P5": "no Foundation/ICU",
    "P8": "RTU",
    "P9": "idle ≤ 0.1 %",
}
# Why an id that no piece of the run claims has no figure, and how to measure it.
NOT_RUN = {
    "P13": "make bench-agent runs without an uplink; Benchmarks/agent/run.sh --uplink mqtt:json:1s "
           "--uplink mqtt:json:0 measures it",
    "P7": "make bench-agent runs without an uplink; Benchmarks/agent/run.sh --uplink "
          "http:columnar-gzip:60s --warmup 15 --window 130 measures it",
}
# Human summary lines of benchmarks that print no BENCH line (yet), read as if they did.
P11_LINE = re.compile(r"P11 gpio edge -> local action: p50 ([\d.]+) µs, p99 ([\d.]+) µs; "
                      r"reference eventfd wake p50 ([\d.]+) µs.*?ratio p50 ([\d.]+)")
NOT_MEASURED_LINE = re.compile(r"^(P\d+)\b[^:]*: not measured: (.*)$")
ID = re.compile(r"^P\d+$")


def read_targets(path):
    """{id: (what, target)} in the order of the docs' table."""
    targets = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 3 and ID.match(cells[0]):
                targets[cells[0]] = (cells[1], cells[2])
    return targets


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def parse_extras(text):
    extras = {}
    for part in filter(None, text.split(";")):
        name, _, value = part.partition("=")
        if number(value) is not None:
            extras[name.strip()] = number(value)
    return extras


def read_log(lines):
    """(measured rows, {id: why not measured}, [(piece, status, ids)])."""
    rows, missing, pieces = [], {}, []
    for raw in lines:
        line = raw.rstrip("\n")
        at = line.find("BENCH|")
        if at >= 0:
            fields = line[at:].split("|")
            if len(fields) >= 4 and fields[2] == "not measured":
                missing[fields[1]] = "|".join(fields[3:]).strip()
            elif len(fields) >= 6 and number(fields[2]) is not None:
                row = {"id": fields[1], "value": fields[2], "unit": fields[3], "reference": fields[4],
                       "ratio": fields[5], "extras": parse_extras(fields[6] if len(fields) > 6 else "")}
                if row not in rows:
                    rows.append(row)
            continue
        at = line.find("BENCH-RUN|")
        if at >= 0:
            fields = line[at:].split("|")
            if len(fields) >= 4:
                pieces.append((fields[1], fields[2].strip(), fields[3].split()))
            continue
        match = P11_LINE.search(line)
        if match:
            p50, p99, wake, ratio = match.groups()
            row = {"id": "P11", "value": p50, "unit": "µs p50", "reference": f"eventfd wake p50 {wake} µs",
                   "ratio": ratio, "extras": {"p99 µs": float(p99)}}
            if row not in rows:
                rows.append(row)
            continue
        match = NOT_MEASURED_LINE.match(line.strip())
        if match:
            missing.setdefault(match.group(1), match.group(2).strip())
    return rows, missing, pieces


def compare(value, op, bound):
    return value <= bound if op == "<=" else value >= bound


def verdict(row, target_text):
    """met / missed / not checked, with what was not judged and why."""
    checks = CHECKS.get(row["id"], [])
    value = float(row["value"])
    missed, stale, judged = [], [], 0
    for name, op, bound, words, applies in checks:
        if applies is not None:
            key, low, high = applies
            v = row["extras"].get(key)
            if v is None or not low <= v <= high:
                continue
        if words not in target_text:
            stale.append(words)
            continue
        figure = value if name == "" else row["extras"].get(name)
        if figure is None:
            continue
        judged += 1
        if not compare(figure, op, bound):
            missed.append(words)
    notes = []
    if stale:
        notes.append("check out of date with docs: " + ", ".join(stale))
    if row["id"] in NOT_CHECKED:
        notes.append("not checked: " + NOT_CHECKED[row["id"]])
    if missed:
        head = "MISSED " + ", ".join(missed)
    elif judged:
        head = "met"
    else:
        head = "not judged (figure not taken at the target's conditions)"
    return head + (" (" + "; ".join(notes) + ")" if notes else "")


def figure_text(row):
    """The main figure, the extras its target is judged on, and (in brackets) the conditions."""
    judged, conditions = [], []
    for name, _op, _bound, _words, applies in CHECKS.get(row["id"], []):
        if name and name not in judged:
            judged.append(name)
        if applies and applies[0] not in conditions:
            conditions.append(applies[0])
    shown = [f"{row['value']} {row['unit']}"]
    shown += [f"{row['extras'][n]:g} {n}" for n in judged if n in row["extras"]]
    at = [f"{n} {row['extras'][n]:g}" for n in conditions if n in row["extras"]]
    return ", ".join(shown) + (" (at " + ", ".join(at) + ")" if at else "")


def why_missing(pid, missing, pieces):
    if pid in missing:
        return missing[pid]
    for piece, status, ids in pieces:
        if pid in ids:
            if status != "0":
                return f"{piece} exited with status {status} before printing it"
            return f"{piece} ran but printed no figure for it"
    return NOT_RUN.get(pid, "no figure for it in the output")


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths]] + rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")


def main(argv):
    docs = DEFAULT_DOCS
    if argv[:1] == ["--docs"] and len(argv) >= 2:
        docs, argv = argv[1], argv[2:]
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        targets = read_targets(docs)
    except OSError as error:
        print(f"report.py: cannot read the targets: {error}", file=sys.stderr)
        return 1
    if not targets:
        print(f"report.py: no P-table (| P1 | what | target | ... |) in {docs}", file=sys.stderr)
        return 1
    lines = []
    for path in argv:
        if path == "-":
            lines += sys.stdin.readlines()
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines += f.readlines()
        except OSError as error:
            print(f"report.py: cannot read the benchmark output: {error}", file=sys.stderr)
            return 1
    rows, missing, pieces = read_log(lines)

    table, notes = [], []
    ids = list(targets) + sorted({r["id"] for r in rows} - set(targets))
    for pid in ids:
        what, target = targets.get(pid, ("(not in docs/performance.md)", "-"))
        mine = [r for r in rows if r["id"] == pid]
        for r in mine:
            table.append([pid, what, figure_text(r), target, r["reference"], r["ratio"], verdict(r, target)])
        if not mine:
            notes.append(f"[{len(notes) + 1}] {pid}: {why_missing(pid, missing, pieces)}")
            table.append([pid, what, f"not measured [{len(notes)}]", target, "-", "-", "-"])
    print()
    print(f"make bench: targets from {os.path.relpath(docs)}, figures from this run (medians; "
          "the lines above have ranges and details)")
    print_table(["id", "what", "figure", "target", "reference", "ratio", "met/missed"], table)
    for note in notes:
        print(note)
    failed = [(piece, status) for piece, status, _ids in pieces if status != "0"]
    for piece, status in failed:
        print(f"{piece} failed (exit status {status}); its output is above")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
