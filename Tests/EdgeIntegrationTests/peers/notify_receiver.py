#!/usr/bin/env python3
"""Stands in for systemd's notification socket (sd_notify(3) protocol) in edgeflow's tests.

usage: notify_receiver.py ADDRESS [SNAPSHOT_FILE]

ADDRESS is a filesystem path or @name (abstract namespace), as in $NOTIFY_SOCKET. Binds an
AF_UNIX datagram socket there, prints "LISTENING", then one line per datagram:
"MESSAGE <seconds since start> <assignments joined by ' | '>". When a datagram carries READY=1
and SNAPSHOT_FILE is given, the file's content at that instant is printed right after it, each
line as "SNAPSHOT <line>", so a test can see what the world looked like when readiness came.
"""
import os, socket, sys, time

address = sys.argv[1]
snapshot = sys.argv[2] if len(sys.argv) > 2 else None
bind_to = "\0" + address[1:] if address.startswith("@") else address
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(bind_to)
start = time.monotonic()
print("LISTENING", flush=True)
while True:
    data = sock.recv(65536)
    text = data.decode("utf-8", "replace")
    fields = [f for f in text.split("\n") if f]
    print("MESSAGE %.6f %s" % (time.monotonic() - start, " | ".join(fields)), flush=True)
    if "READY=1" in fields and snapshot:
        content = open(snapshot).read() if os.path.exists(snapshot) else ""
        for line in content.splitlines():
            print("SNAPSHOT " + line, flush=True)
        print("SNAPSHOT END", flush=True)
