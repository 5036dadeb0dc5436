#!/usr/bin/env python3
"""Measures one agent run of the whole-agent benchmark (docs/performance.md, "How to measure the
whole agent"); called by run.sh right after it started the agent.

usage: sample.py --pid P --server-pid S --counts-file C --data-dir D --warmup W --window N
                 --label L --round R --out results.jsonl

Waits W seconds (warm-up) and then until the quietest phase of the 1 s poll period (the
middle of the largest gap between the requests the server answered in the last 2 s), then
over a window of N seconds takes:
- points read, counted AT THE SERVER: the field server (mb_field.py) is asked for an exact
  snapshot of its counters (SIGUSR1, waits for its "seq" to move) at both window edges;
- the agent's CPU: utime + stime from /proc/P/stat at both edges (clock ticks);
- once a second: VmRSS and Threads from /proc/P/status;
- every 10 s (and at the end): /proc/P/smaps_rollup (file-backed vs anonymous memory);
- context switches summed over /proc/P/task/*/status at both edges;
- bytes in the agent's data dir at both edges (what the recorder wrote);
- the server's own CPU, so a slow server would show;
- with --uplink-kind http|mqtt and --uplink-log (written by uplink_wire_sink.py or
  mqtt_monitor.py): the uplink's bytes on the wire per point, see uplink_bytes().
Appends one JSON object to --out; exits 1 (with a reason on stderr) when the agent died, the
server stopped answering, or a snapshot missed its deadline.
"""
import argparse
import json
import os
import signal
import sys
import time

# SIGTERM (run.sh stopping us) ends the run quietly, like Ctrl-C
signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

CLK_TCK = os.sysconf("SC_CLK_TCK")


class Failed(Exception):
    pass


def cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError as e:
        raise Failed(f"process {pid} is gone ({e.strerror})")
    if fields[0] == "Z":
        raise Failed(f"process {pid} exited (zombie)")
    return int(fields[11]) + int(fields[12])   # utime, stime (fields 14 and 15 of stat)


def status(pid: int) -> dict:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads"):
                    out[k] = int(v.split()[0])
    except OSError as e:
        raise Failed(f"process {pid} is gone ({e.strerror})")
    if "VmRSS" not in out:
        raise Failed(f"process {pid} exited")
    return out


def smaps_rollup(pid: int) -> dict:
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    out[parts[0].rstrip(":")] = int(parts[1])
    except OSError as e:
        raise Failed(f"process {pid} is gone ({e.strerror})")
    return out


def thread_ids(pid: int) -> list:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError as e:
        raise Failed(f"process {pid} is gone ({e.strerror})")


def ctx_switches(pid: int) -> int:
    total = 0
    for tid in thread_ids(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            pass   # a thread that just ended
    return total


def schedstat_ns(pid: int) -> dict:
    """CPU time (ns) per live thread, from /proc/P/task/*/schedstat: a finer-grained
    cross-check of utime + stime (which count in clock ticks of 10 ms). Threads that end
    inside the window take their time with them, so this can only undercount."""
    out = {}
    for tid in thread_ids(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                out[tid] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return out


def schedstat_delta(before: dict, after: dict) -> int:
    return sum(ns - before.get(tid, 0) for tid, ns in after.items())


def quiet_phase(times: list, period: float):
    """The middle of the largest gap between the agent's requests, as a phase of the poll
    period (CLOCK_MONOTONIC modulo period), and the gap's length; None without data."""
    phases = sorted(t % period for t in times)
    if len(phases) < 2:
        return None
    best_gap, best_mid = -1.0, 0.0
    for i, p in enumerate(phases):
        nxt = phases[i + 1] if i + 1 < len(phases) else phases[0] + period
        if nxt - p > best_gap:
            best_gap, best_mid = nxt - p, (p + (nxt - p) / 2) % period
    return best_mid, best_gap


def smaps_by_mapping(pid: int, top: int = 10) -> list:
    """RSS (KiB) per mapped file, plus [heap], [stack] and anonymous, largest first."""
    sizes = {}
    current = None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                first = line.split(None, 1)[0]
                if not first.endswith(":"):           # a mapping header line
                    parts = line.split(None, 5)
                    name = parts[5].strip() if len(parts) > 5 else ""
                    current = name or "[anon]"
                    if current.startswith("[stack"):
                        current = "[stack]"
                elif first == "Rss:" and current is not None:
                    sizes[current] = sizes.get(current, 0) + int(line.split()[1])
    except OSError:
        return []
    rows = sorted(sizes.items(), key=lambda kv: -kv[1])
    return [[name, kib] for name, kib in rows[:top] if kib > 0]


def dir_bytes(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def read_counts(path: str):
    try:
        with open(path) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None


def server_snapshot(server_pid: int, path: str, deadline_s: float = 3.0) -> dict:
    """Asks the server for a fresh snapshot and waits (bounded) until it is written."""
    before = read_counts(path)
    seq = before["seq"] if before else -1
    try:
        os.kill(server_pid, signal.SIGUSR1)
    except OSError as e:
        raise Failed(f"field server {server_pid} is gone ({e.strerror})")
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        now = read_counts(path)
        if now and now["seq"] > seq:
            return now
        time.sleep(0.002)
    raise Failed(f"field server did not write a snapshot within {deadline_s} s")


def median(xs):
    s = sorted(xs)
    if not s:
        return 0.0
    m = len(s) // 2
    return float(s[m]) if len(s) % 2 else (s[m - 1] + s[m]) / 2.0


def sleep_until(t: float) -> None:
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)


def read_jsonl(path: str) -> list:
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass   # a line being written
    except OSError:
        pass
    return out


def uplink_bytes(a, t0: float, t1: float, points_window: int) -> dict:
    """Bytes on the wire per point, two ways.

    whole batches (the headline figure): the batches that arrived at the endpoint inside the
    window [t0, t1] (CLOCK_MONOTONIC), their bytes / the points they carry (counted from the
    bodies). http: bytes = request line + headers + body of those requests, as read from the
    socket by uplink_wire_sink.py. mqtt: bytes = the broker's $SYS/broker/bytes/received
    (everything all clients sent, MQTT framing, topic and keep-alives included) from its first
    update after the first batch in the window to its first update after the last one, so it
    covers batches 2..k (with one batch only: from the last update before it).
    window: bytes that arrived inside the window / points read at the Modbus server inside it
    (a batch edge inside the window skews it by up to one batch)."""
    if a.uplink_kind == "mqtt":
        time.sleep(2.5)    # the broker's next $SYS update after the last batch (sys_interval 1)
    rows = read_jsonl(a.uplink_log)
    out = {"uplink": a.uplink_spec}
    if a.uplink_kind == "http":
        batches = [r for r in rows if t0 <= r["t"] <= t1]
        wire = sum(r["wire"] for r in batches)
        pts = sum(r["points"] or 0 for r in batches)
        out.update({
            "uplink_batches": len(batches), "uplink_bytes": wire, "uplink_points": pts,
            "uplink_records_per_batch": (sum(r["records"] or 0 for r in batches) / len(batches))
            if batches else None,
            "uplink_head_bytes_per_batch": (sum(r["head"] for r in batches) / len(batches))
            if batches else None,
            "uplink_bytes_per_point": wire / pts if pts else None,
            "uplink_bytes_window": wire,
            "uplink_bytes_per_point_window": wire / points_window if points_window else None,
        })
        return out
    sysr = [r for r in rows if "sys_bytes" in r]
    batches = [r for r in rows if "payload" in r and t0 <= r["t"] <= t1]

    def after(t):
        return next((r["sys_bytes"] for r in sysr if r["t"] > t), None)

    def before(t):
        v = [r["sys_bytes"] for r in sysr if r["t"] <= t]
        return v[-1] if v else None

    wire = pts = None
    used = batches[1:] if len(batches) >= 2 else batches
    if batches:
        s_a = after(batches[0]["t"]) if len(batches) >= 2 else before(batches[0]["t"])
        s_b = after(batches[-1]["t"])
        if s_a is not None and s_b is not None:
            wire = s_b - s_a
            pts = sum(r["points"] or 0 for r in used)
    w0, w1 = before(t0), before(t1)
    win = w1 - w0 if w0 is not None and w1 is not None else None
    ages = sorted(a for r in batches for a in r.get("ages_ms", []))
    out.update({
        "uplink_age_p50_ms": ages[len(ages) // 2] if ages else None,
        "uplink_age_p99_ms": ages[min(len(ages) - 1, len(ages) * 99 // 100)] if ages else None,
        "uplink_batches": len(used), "uplink_bytes": wire, "uplink_points": pts,
        "uplink_records_per_batch": (sum(r["records"] or 0 for r in used) / len(used)) if used else None,
        "uplink_payload_bytes_per_batch": (sum(r["payload"] for r in used) / len(used)) if used else None,
        "uplink_bytes_per_point": wire / pts if wire is not None and pts else None,
        "uplink_bytes_window": win,
        "uplink_bytes_per_point_window": win / points_window if win is not None and points_window else None,
    })
    return out


def measure(a) -> dict:
    started = time.monotonic()
    # warm-up: keep checking that the agent is alive
    while time.monotonic() < started + a.warmup:
        status(a.pid)
        time.sleep(min(0.5, max(0.0, started + a.warmup - time.monotonic())))

    # Put the window edges in the quietest phase of the poll period: when the agent polls all
    # devices in one burst a second, an edge in the burst would count a burst more or less.
    snap = server_snapshot(a.server_pid, a.counts_file)
    quiet = quiet_phase([t for t in snap.get("recent", []) if t > snap["t"] - 2 * a.period],
                        a.period)
    if quiet is not None:
        mid, gap = quiet
        now = time.monotonic()
        start = now - (now % a.period) + mid
        while start < now + 0.05:
            start += a.period
        sleep_until(start)
        status(a.pid)
    s0 = server_snapshot(a.server_pid, a.counts_file)
    c0 = cpu_ticks(a.pid)
    n0 = schedstat_ns(a.pid)
    t0 = time.monotonic()
    x0 = ctx_switches(a.pid)
    b0 = dir_bytes(a.data_dir)

    rss, threads, rollups, anon, filek = [], [], [], [], []
    k = 0
    while True:
        k += 1
        tick = t0 + k
        if tick > t0 + a.window:
            break
        sleep_until(tick)
        st = status(a.pid)
        rss.append(st["VmRSS"])
        threads.append(st.get("Threads", 0))
        anon.append(st.get("RssAnon", 0))
        filek.append(st.get("RssFile", 0))
        if k % 10 == 0:
            rollups.append(smaps_rollup(a.pid))
    sleep_until(t0 + a.window)

    c1 = cpu_ticks(a.pid)
    n1 = schedstat_ns(a.pid)
    t1 = time.monotonic()
    s1 = server_snapshot(a.server_pid, a.counts_file)
    x1 = ctx_switches(a.pid)
    b1 = dir_bytes(a.data_dir)
    rollups.append(smaps_rollup(a.pid))
    mappings = smaps_by_mapping(a.pid)

    wall = t1 - t0
    points = s1["registers"] - s0["registers"]
    up = uplink_bytes(a, t0, t1, points) if a.uplink_kind != "none" else {"uplink": "none"}
    cpu_s = (c1 - c0) / CLK_TCK
    requests = s1["requests"] - s0["requests"]
    server_cpu_s = (s1["cpu_ticks"] - s0["cpu_ticks"]) / s1.get("clk_tck", CLK_TCK)
    server_wall = s1["t"] - s0["t"]
    keys = ("Rss", "Pss", "Pss_File", "Pss_Anon", "Shared_Clean", "Shared_Dirty",
            "Private_Clean", "Private_Dirty", "Anonymous")
    roll = {key: median([r.get(key, 0) for r in rollups]) for key in keys}
    return {
        "label": a.label, "binary": a.binary, "round": a.round,
        "warmup_s": a.warmup, "window_s": round(wall, 3),
        "points": points, "requests": requests,
        "exceptions": s1["exceptions"] - s0["exceptions"],
        "open_connections": s1["open"],
        "points_per_s": points / wall if wall > 0 else 0.0,
        "requests_per_s": requests / wall if wall > 0 else 0.0,
        "cpu_s": cpu_s, "cpu_ticks": c1 - c0, "clk_tck": CLK_TCK,
        "cpu_us_per_point": cpu_s * 1e6 / points if points else None,
        "cpu_pct_core": 100.0 * cpu_s / wall if wall > 0 else 0.0,
        "cpu_us_per_point_schedstat": schedstat_delta(n0, n1) / 1e3 / points if points else None,
        "edge_gap_s": round(quiet[1], 3) if quiet else None,
        "rss_median_kib": median(rss), "rss_max_kib": max(rss) if rss else 0,
        "rss_anon_median_kib": median(anon), "rss_file_median_kib": median(filek),
        "rss_samples": len(rss),
        "threads_median": median(threads), "threads_max": max(threads) if threads else 0,
        "smaps_rollup_kib": roll,
        "rss_by_mapping_kib": mappings,
        "ctx_switches_per_s": (x1 - x0) / wall if wall > 0 else 0.0,
        "data_bytes_per_s": (b1 - b0) / wall if wall > 0 else 0.0,
        "server_cpu_pct_core": 100.0 * server_cpu_s / server_wall if server_wall > 0 else 0.0,
        "t0_monotonic": t0, "t1_monotonic": t1,
        **up,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--counts-file", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--warmup", type=float, default=10)
    ap.add_argument("--window", type=float, default=60)
    ap.add_argument("--period", type=float, default=1.0, help="the agent's poll period, s")
    ap.add_argument("--label", default="A")
    ap.add_argument("--binary", default="")
    ap.add_argument("--round", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--uplink-kind", choices=["none", "http", "mqtt"], default="none")
    ap.add_argument("--uplink-spec", default="none")
    ap.add_argument("--uplink-log", default="")
    a = ap.parse_args()
    # whole poll periods, so that both window edges fall in the same quiet phase
    a.window = max(a.period, round(a.window / a.period) * a.period)
    try:
        r = measure(a)
    except Failed as e:
        print(f"sample.py: {a.label} round {a.round}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    with open(a.out, "a") as f:
        f.write(json.dumps(r) + "\n")
    print(f"  {a.label} round {a.round}: {r['points_per_s']:.0f} points/s at the server, "
          f"CPU {r['cpu_us_per_point'] or 0:.2f} us/point ({r['cpu_pct_core']:.2f}% of a core), "
          f"RSS {r['rss_median_kib'] / 1024:.1f} MiB, {r['threads_median']:.0f} threads, "
          f"server {r['server_cpu_pct_core']:.1f}% of a core", flush=True)
    if a.uplink_kind != "none":
        bp, bw = r.get("uplink_bytes_per_point"), r.get("uplink_bytes_per_point_window")
        print(f"    uplink {a.uplink_spec}: {r.get('uplink_batches')} whole batches, "
              f"{r.get('uplink_bytes')} B / {r.get('uplink_points')} points = "
              f"{bp if bp is None else round(bp, 3)} B/point; window: "
              f"{bw if bw is None else round(bw, 3)} B/point", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
