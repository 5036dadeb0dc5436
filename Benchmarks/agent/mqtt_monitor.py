#!/usr/bin/env python3
"""MQTT side of the whole-agent benchmark's `--uplink mqtt:...` variants.

usage: mqtt_monitor.py --port P --log FILE [--topic 'edgeflow/+/data']

Runs `mosquitto_sub` on the (loopback) broker for `$SYS/broker/bytes/received` (the broker's
total of bytes received from all clients, published every sys_interval = 1 s) and the
agent's data topic, and logs one JSON line per message, stamped with CLOCK_MONOTONIC on
arrival:
  {"t": s, "sys_bytes": n}                                  the broker's counter
  {"t": s, "payload": bytes, "records": n, "points": n,     one uplink batch (points counted
   "ages_ms": [...]}                                         from the payload as in
                                                             uplink_wire_sink.py); ages_ms: per
                                                             frame of a json or harvest batch,
                                                             wall-clock arrival minus the frame's
                                                             timestamp (both on this machine)
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from uplink_wire_sink import count  # noqa: E402


def ages(payload: bytes, now_ms: float) -> list:
    """How old each frame of a json ({"records": [{"kind": "frame", "ts": ms}]}) or harvest
    ([{"timestamp": ms, "source": ...}]) batch is on arrival, in ms."""
    try:
        body = json.loads(payload)
    except ValueError:
        return []
    entries = body.get("records", []) if isinstance(body, dict) else body
    out = []
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, dict):
            continue
        ts = e.get("ts") if e.get("kind") == "frame" else e.get("timestamp") if "kind" not in e else None
        if isinstance(ts, (int, float)):
            out.append(round(now_ms - ts, 1))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--topic", default="edgeflow/+/data")
    a = ap.parse_args()
    p = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(a.port),
                          "-t", "$SYS/broker/bytes/received", "-t", a.topic, "-F", "%t %l %x"],
                         stdout=subprocess.PIPE)
    signal.signal(signal.SIGTERM, lambda *_: (p.terminate(), sys.exit(0)))
    with open(a.log, "a") as log:
        for line in p.stdout:
            t = time.monotonic()
            parts = line.rstrip(b"\n").split(b" ", 2)
            if len(parts) < 3:
                continue
            topic, length, hexed = parts[0].decode(), int(parts[1]), parts[2]
            if topic.startswith("$SYS/"):
                rec = {"t": t, "sys_bytes": int(bytes.fromhex(hexed.decode()).decode())}
            else:
                payload = bytes.fromhex(hexed.decode())
                enc = "gzip" if payload[:2] == b"\x1f\x8b" else ""
                records, points = count(payload, enc)
                rec = {"t": t, "topic": topic, "payload": length, "records": records, "points": points}
                if not enc:
                    rec["ages_ms"] = ages(payload, time.time_ns() / 1e6)
            log.write(json.dumps(rec) + "\n")
            log.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
