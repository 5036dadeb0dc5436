#!/usr/bin/env python3
"""Exec-to-ready time of edgeflow (docs/performance.md P6): the time from spawning
`edgeflow run` to the READY=1 datagram on a notification socket, as systemd would see it.

usage: exec_to_ready.py BINARY CONFIG [RUNS]

Each run binds a fresh abstract AF_UNIX datagram socket, starts the agent with NOTIFY_SOCKET
pointing at it, takes the monotonic time just before the spawn and when READY=1 arrives, then
stops the agent with SIGTERM and waits for it. Prints one JSON object: runs, p50, p90, min, max
in milliseconds. A run that sends no READY=1 within 10 s fails the whole measurement.
"""
import json, os, signal, socket, statistics, subprocess, sys, time

binary, config = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
samples = []
for i in range(runs):
    name = "edgeflow-bench-%d-%d" % (os.getpid(), i)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET="@" + name)
    start = time.monotonic()
    agent = subprocess.Popen([binary, "run", "--config", config], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            message = sock.recv(4096).decode("utf-8", "replace").split("\n")
            if "READY=1" in message:
                samples.append((time.monotonic() - start) * 1000)
                break
    except socket.timeout:
        agent.kill()
        agent.wait()
        sys.exit("run %d: no READY=1 within 10 s" % i)
    finally:
        if agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=30)
        sock.close()

samples.sort()
print(json.dumps({
    "runs": runs,
    "p50_ms": round(statistics.median(samples), 2),
    "p90_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.9))], 2),
    "min_ms": round(samples[0], 2),
    "max_ms": round(samples[-1], 2),
}))
