#!/usr/bin/env python3
"""Ingest endpoint for edgeflow's uplink tests: binds 127.0.0.1 on a free port and prints
"PORT <n>" once it listens.

usage: uplink_sink.py ACCEPTED_LOG [SCRIPT]

POST /ingest answers, request by request, with the statuses listed in SCRIPT (one per line:
"500", "429 2" for a Retry-After of 2 s, "400"), then 200 for every later request. Every
request is logged to ACCEPTED_LOG as one JSON line {"status", "batch", "headers", "body", "arrived"}
(arrived: the wall time in seconds when the whole request was read; the body
parsed as JSON, after gunzip when the request says Content-Encoding: gzip), written before the answer is sent, so a test that sees an acknowledged batch
in the log knows the agent may have seen it too.
"""
import gzip, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
SCRIPT = []
if len(sys.argv) > 2:
    with open(sys.argv[2]) as f:
        SCRIPT = [line.split() for line in f if line.strip()]
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        arrived = time.time()
        with LOCK:
            step = SCRIPT.pop(0) if SCRIPT else ["200"]
            status = int(step[0])
            try:
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                parsed = json.loads(body)
            except (ValueError, OSError, EOFError):
                parsed = None
            with open(LOG, "a") as f:
                f.write(json.dumps({"status": status, "batch": self.headers.get("X-Edgeflow-Batch"),
                                    "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": parsed, "arrived": arrived}) + "\n")
        self.send_response(status)
        if len(step) > 1:
            self.send_header("Retry-After", step[1])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        try:
            self.wfile.write(b"{}")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, fmt, *args):
        pass


# A fixed port (the demo's) when SINK_PORT is set, else a free one.
import os
server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("SINK_PORT", "0"))), Handler)
server.daemon_threads = True
# HTTPS when SINK_CERT and SINK_KEY name a certificate and its key (PEM).
if os.environ.get("SINK_CERT"):
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ["SINK_CERT"], os.environ["SINK_KEY"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
