#!/usr/bin/env python3
"""docs/performance.md P12: reading -> local action lag while the disk is slow.

usage: Benchmarks/lag/run.py --binary PATH [--seconds 20] [--delays 0,100,500]

For each fsync delay, runs the agent on the simulated board with one 20 ms source, a webhook
action on every reading (to a local HTTP peer that stamps each arrival), and an HTTP uplink
whose spool is fsync'd every 100 ms; every fsync and fdatasync of the agent sleeps the delay
first (Tests/EdgeIntegrationTests/peers/slow_fsync.c, preloaded). The lag of a run is the
peer's arrival time minus the reading's timestamp. Prints one human line per delay and one
BENCH|P12 line: the p99 at the largest delay, beside the p99 with fsync not slowed.
Benchmarks are not tests: nothing here fails because a figure is high.
"""
import argparse, json, os, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PEERS = os.path.join(ROOT, "Tests", "EdgeIntegrationTests", "peers")


def start_peer(args, log):
    proc = subprocess.Popen([sys.executable] + args, stdout=subprocess.PIPE, stderr=open(log, "w"), text=True)
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit("peer %s did not start: %r" % (args[0], line))
    return proc, int(line.split()[1])


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def run_once(binary, shim, delay_ms, seconds, work):
    stamps = os.path.join(work, "stamps-%d.jsonl" % delay_ms)
    hook, hook_port = start_peer([os.path.join(PEERS, "http_sink.py"), stamps], os.path.join(work, "hook.log"))
    sink, sink_port = start_peer([os.path.join(PEERS, "uplink_sink.py"), os.path.join(work, "ingest.jsonl")],
                                 os.path.join(work, "sink.log"))
    data = os.path.join(work, "data-%d" % delay_ms)
    with open(os.path.join(work, "app.json"), "w") as f:
        json.dump({"appId": "lag", "channels": [{"channelId": "in"}],
                   "eventSources": [{"id": "fast", "type": "device", "source": "fast", "channelId": "in"}],
                   "actions": [{"actionId": "stamp", "channelId": "in", "type": "webhook",
                                "config": {"url": "http://127.0.0.1:%d/stamp" % hook_port,
                                           "body": {"contentType": "text/plain", "content": "${context.timestamp}"}}}]},
                  f)
    config = os.path.join(work, "config-%d.yaml" % delay_ms)
    with open(config, "w") as f:
        f.write("""agent: {name: lag-bench, data_dir: %s, view: log, log_level: warning}
boards_dir: %s/boards
board: sim
sources:
  - id: fast
    type: simulated
    interval: 20ms
    points: [{name: level, waveform: ramp, min: 0, max: 1000, period: 1h}]
apps: [app.json]
uplink: {transport: http, url: "http://127.0.0.1:%d/ingest", batch_interval: 1s, batch_records: 100, sync_interval: 100ms}
""" % (data, ROOT, sink_port))
    env = dict(os.environ, LD_PRELOAD=shim, EDGEFLOW_TEST_FSYNC_DELAY_MS=str(delay_ms))
    agent = subprocess.Popen([binary, "run", "--config", config], env=env, stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(work, "agent-%d.log" % delay_ms), "w"))
    try:
        time.sleep(seconds)
    finally:
        agent.send_signal(signal.SIGTERM)
        try:
            agent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            agent.kill()
        hook.kill()
        sink.kill()
    lags = []
    with open(stamps) as f:
        for line in f:
            entry = json.loads(line)
            lags.append(entry["receivedNs"] / 1e6 - float(entry["body"]))
    # The first second includes start-up (the first connection to the peer).
    return lags[50:] if len(lags) > 100 else lags


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--delays", default="0,100,500")
    options = parser.parse_args()
    delays = [int(d) for d in options.delays.split(",")]
    with tempfile.TemporaryDirectory(prefix="edgeflow-lag-") as work:
        shim = os.path.join(work, "slow_fsync.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim, os.path.join(PEERS, "slow_fsync.c"), "-ldl"],
                       check=True)
        results = {}
        for delay in delays:
            lags = run_once(options.binary, shim, delay, options.seconds, work)
            p50, p99 = percentile(lags, 0.5), percentile(lags, 0.99)
            results[delay] = (p50, p99)
            print("P12 reading -> webhook lag, fsync +%d ms: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d actions in %.0f s)"
                  % (delay, p50, p99, max(lags) if lags else float("nan"), len(lags), options.seconds), flush=True)
    worst = max(delays)
    base = min(delays)
    p50, p99 = results[worst]
    ref = results[base][1]
    extras = ";".join("p99 ms at fsync %d=%.2f" % (d, results[d][1]) for d in delays)
    print("BENCH|P12|%.2f|ms p99|fsync +%d ms p99 %.2f ms|%s|p50 ms=%.2f;%s"
          % (p99, base, ref, "%.2f" % (p99 / ref) if ref > 0 else "-", p50, extras))


if __name__ == "__main__":
    main()
