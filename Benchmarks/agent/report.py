#!/usr/bin/env python3
"""Summarises the whole-agent benchmark's rounds (results.jsonl written by sample.py).

usage: report.py results.jsonl LABEL=BINARY [LABEL=BINARY ...]

Prints one human-readable table (median and range over rounds, per binary) and then one line
per figure in the P-line style of docs/performance.md: id, figure, unit, reference figure, ratio.
The reference is the first binary; with one binary the lines carry no ratio. Last, the same
medians as BENCH| lines (P4, P9 and, with an uplink, P7) for the table of Benchmarks/report.py.
"""
import json
import sys


def median(xs):
    s = sorted(xs)
    if not s:
        return float("nan")
    m = len(s) // 2
    return float(s[m]) if len(s) % 2 else (s[m - 1] + s[m]) / 2.0


MIB = 1024.0
# (key, title, unit, digits, extractor, P-line id or None)
FIGURES = [
    ("points_per_s", "points read/s (at the server)", "points/s", 0,
     lambda r: r["points_per_s"], "P9"),
    ("requests_per_s", "requests/s (at the server)", "req/s", 1,
     lambda r: r["requests_per_s"], None),
    ("cpu_us_per_point", "agent CPU per point", "us/point", 3,
     lambda r: r["cpu_us_per_point"], "P9"),
    ("cpu_us_per_point_schedstat", "agent CPU per point, task schedstat (ns clock)", "us/point", 3,
     lambda r: r.get("cpu_us_per_point_schedstat"), None),
    ("cpu_pct_core", "agent CPU", "% of one core", 2,
     lambda r: r["cpu_pct_core"], "P9"),
    ("rss_median", "RSS (median of per-second VmRSS)", "MiB", 2,
     lambda r: r["rss_median_kib"] / MIB, "P4"),
    ("rss_max", "RSS max in window", "MiB", 2,
     lambda r: r["rss_max_kib"] / MIB, None),
    ("rss_file", "RSS file-backed (RssFile: code, mapped files)", "MiB", 2,
     lambda r: r["rss_file_median_kib"] / MIB, "P4"),
    ("rss_anon", "RSS anonymous (RssAnon: heap, stacks)", "MiB", 2,
     lambda r: r["rss_anon_median_kib"] / MIB, "P4"),
    ("pss_file", "smaps_rollup Pss_File", "MiB", 2,
     lambda r: r["smaps_rollup_kib"]["Pss_File"] / MIB, None),
    ("pss_anon", "smaps_rollup Pss_Anon", "MiB", 2,
     lambda r: r["smaps_rollup_kib"]["Pss_Anon"] / MIB, None),
    ("private_clean", "smaps_rollup Private_Clean (file pages only we map)", "MiB", 2,
     lambda r: r["smaps_rollup_kib"]["Private_Clean"] / MIB, None),
    ("shared_clean", "smaps_rollup Shared_Clean (shared libs)", "MiB", 2,
     lambda r: r["smaps_rollup_kib"]["Shared_Clean"] / MIB, None),
    ("private_dirty", "smaps_rollup Private_Dirty (private anon)", "MiB", 2,
     lambda r: r["smaps_rollup_kib"]["Private_Dirty"] / MIB, None),
    ("threads", "threads (/proc/PID/status)", "threads", 0,
     lambda r: r["threads_median"], "P4"),
    ("ctx_switches", "context switches/s (all threads)", "switches/s", 0,
     lambda r: r["ctx_switches_per_s"], None),
    ("data_bytes", "bytes recorded into data_dir", "KiB/s", 1,
     lambda r: r["data_bytes_per_s"] / 1024.0, None),
    ("server_cpu", "field server CPU (keeps up?)", "% of one core", 1,
     lambda r: r["server_cpu_pct_core"], None),
    ("edge_gap", "quiet gap around the window edges (no request)", "s", 2,
     lambda r: r.get("edge_gap_s"), None),
    ("exceptions", "Modbus exception responses in window", "count", 0,
     lambda r: r["exceptions"], None),
    ("uplink_bpp", "uplink bytes on the wire per point, whole batches in window", "B/point", 3,
     lambda r: r.get("uplink_bytes_per_point"), "P7"),
    ("uplink_bpp_window", "uplink bytes on the wire in window / points read in window",
     "B/point", 3, lambda r: r.get("uplink_bytes_per_point_window"), None),
    ("uplink_age_p99", "uplink data age p99, reading to MQTT subscriber (json, harvest)", "ms", 1,
     lambda r: r.get("uplink_age_p99_ms"), "P13"),
    ("uplink_age_p50", "uplink data age p50, reading to MQTT subscriber (json, harvest)", "ms", 1,
     lambda r: r.get("uplink_age_p50_ms"), None),
    ("uplink_batches", "uplink batches counted (whole-batch figure)", "batches", 0,
     lambda r: r.get("uplink_batches"), None),
    ("uplink_records", "uplink records per batch", "records", 0,
     lambda r: r.get("uplink_records_per_batch"), None),
]


def fmt(v, digits):
    if v is None or v != v:
        return "-"
    return f"{v:.{digits}f}"


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    rows = []
    with open(sys.argv[1]) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    binaries = []
    for spec in sys.argv[2:]:
        label, _, path = spec.partition("=")
        binaries.append((label, path))
    by = {label: [r for r in rows if r["label"] == label] for label, _ in binaries}
    if not rows:
        print("no rounds measured", file=sys.stderr)
        return 1

    def stats(label, ex):
        vals = [ex(r) for r in by[label]]
        vals = [v for v in vals if v is not None]
        if not vals:
            return (float("nan"), float("nan"), float("nan"))
        return (median(vals), min(vals), max(vals))

    any_rows = rows[0]
    print()
    print(f"whole-agent benchmark: warm-up {any_rows['warmup_s']:g} s, window "
          f"{round(any_rows['window_s'])} s per round; medians [min - max] over rounds")
    for label, path in binaries:
        print(f"  {label} = {path}  ({len(by[label])} rounds)")
    title_w = max(len(t) + len(u) + 3 for _, t, u, *_ in FIGURES)
    col_w = max(28, max(len(label) for label, _ in binaries) + 2)
    print()
    print(f"{'figure':<{title_w}}" + "".join(f"{label:>{col_w}}" for label, _ in binaries))
    print("-" * (title_w + col_w * len(binaries)))
    for key, title, unit, digits, ex, _pid in FIGURES:
        cells = []
        for label, _ in binaries:
            m, lo, hi = stats(label, ex)
            cells.append(f"{fmt(m, digits)} [{fmt(lo, digits)}-{fmt(hi, digits)}]")
        print(f"{title + ' (' + unit + ')':<{title_w}}" + "".join(f"{c:>{col_w}}" for c in cells))
    print()
    for label, _ in binaries:
        if not by[label] or not by[label][0].get("rss_by_mapping_kib"):
            continue
        r0 = by[label][0]
        parts = [f"{name.rsplit('/', 1)[-1]} {kib / MIB:.1f}" for name, kib in r0["rss_by_mapping_kib"]]
        print(f"{label} RSS by mapping, MiB (round {r0['round']}, end of window): " + ", ".join(parts))
    print()

    ref_label = binaries[0][0]
    n_rounds = {label: len(by[label]) for label, _ in binaries}
    for key, title, unit, digits, ex, pid in FIGURES:
        if pid is None:
            continue
        title = "agent " + title[len("agent "):] if title.startswith("agent ") else "agent " + title
        rm, rlo, rhi = stats(ref_label, ex)
        if len(binaries) == 1:
            print(f"{pid} {title}: {fmt(rm, digits)} {unit} ({ref_label}, median of "
                  f"{n_rounds[ref_label]} rounds, range {fmt(rlo, digits)}-{fmt(rhi, digits)}); "
                  f"reference: none (one binary); ratio: -")
            continue
        for label, _ in binaries[1:]:
            m, lo, hi = stats(label, ex)
            ratio = m / rm if rm and rm == rm and m == m else float("nan")
            print(f"{pid} {title}: {fmt(m, digits)} {unit} ({label}, median of "
                  f"{n_rounds[label]} rounds, range {fmt(lo, digits)}-{fmt(hi, digits)}); "
                  f"reference {ref_label}: {fmt(rm, digits)} {unit} "
                  f"(range {fmt(rlo, digits)}-{fmt(rhi, digits)}); ratio {fmt(ratio, 2)}")
    print_bench_lines(binaries, stats)
    return 0


# The BENCH| lines (format: Benchmarks/report.py): (id, main figure key, unit, extras), where
# extras are (name, figure key) and the figure keys are those of FIGURES.
BENCH_FIGURES = [
    ("P4", "rss_median", "MiB RSS median",
     [("MiB RssFile", "rss_file"), ("MiB RssAnon", "rss_anon"), ("threads", "threads"),
      ("points/s", "points_per_s")]),
    ("P9", "cpu_us_per_point", "us CPU/point",
     [("% of one core", "cpu_pct_core"), ("points/s", "points_per_s")]),
    ("P7", "uplink_bpp", "B/point on the wire", []),
    ("P13", "uplink_age_p99", "ms p99 data age", [("ms p50", "uplink_age_p50")]),
]


def interval_seconds(label):
    """The batch interval of an uplink variant label such as A:http:columnar-gzip:60s, or None."""
    spec = label.split(":", 1)[1] if ":" in label else "none"
    if spec == "none":
        return None
    interval = spec.rsplit(":", 1)[-1]
    try:
        return float(interval)  # a bare number: batch_interval 0
    except ValueError:
        pass
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if interval.endswith(suffix):
            try:
                return float(interval[: -len(suffix)]) * scale
            except ValueError:
                return None
    return None


def print_bench_lines(binaries, stats):
    """One BENCH| line per id and measured label. Labels are grouped by uplink variant; within
    a variant the first binary is the reference of the others (one binary: no reference)."""
    extractors = {key: (digits, ex) for key, _title, _unit, digits, ex, _pid in FIGURES}
    variants = {}
    for label, _ in binaries:
        variants.setdefault(label.partition(":")[2] or "none", []).append(label)
    for labels in variants.values():
        ref_label = labels[0]
        for label in labels if len(labels) == 1 else labels[1:]:
            for pid, key, unit, extras in BENCH_FIGURES:
                digits, ex = extractors[key]
                m = stats(label, ex)[0]
                if m != m:
                    continue  # not measured in this variant (P7 without an uplink)
                if len(labels) == 1:
                    reference, ratio = f"none (one binary, {label})", "-"
                else:
                    rm = stats(ref_label, ex)[0]
                    reference = f"{ref_label}: {fmt(rm, digits)} {unit} (this row: {label})"
                    ratio = fmt(m / rm, 2) if rm and rm == rm else "-"
                parts = []
                for name, extra_key in extras:
                    extra_digits, extra_ex = extractors[extra_key]
                    v = stats(label, extra_ex)[0]
                    if v == v:
                        parts.append(f"{name}={fmt(v, extra_digits)}")
                seconds = interval_seconds(label)
                if pid in ("P7", "P13") and seconds is not None:
                    parts.append(f"batch interval s={seconds:g}")
                print(f"BENCH|{pid}|{fmt(m, digits)}|{unit}|{reference}|{ratio}|{';'.join(parts)}")


if __name__ == "__main__":
    sys.exit(main())
