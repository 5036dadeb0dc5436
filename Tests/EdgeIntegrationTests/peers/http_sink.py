#!/usr/bin/env python3
"""HTTP peer for edgeflow's integration tests: binds 127.0.0.1 on a free port, prints
"PORT <n>" once ready, and serves:
  POST/PUT/... /echo   -> 200, JSON {"method", "path", "headers", "body"} of the request
  any /slow            -> waits 5 s, then 200 (for client timeouts)
  any /fail            -> 500 {"error": "boom"}
  any /huge            -> 200 with 1 MiB of 'x'
  any /status/<code>   -> that status, with Retry-After: 7 for 429
  POST /stamp          -> 200; the file gets {"receivedNs": <wall ns at arrival>, "body": "..."}
Each request body is also appended to the file named by argv[1] (if given), one line each.
"""
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUT = sys.argv[1] if len(sys.argv) > 1 else None

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        if OUT:
            line = body
            if self.path.startswith("/stamp"):
                line = json.dumps({"receivedNs": time.time_ns(), "body": body.decode("utf-8", "replace")}).encode()
            with open(OUT, "ab") as f:
                f.write(line + b"\n")
        status, headers, payload = 200, {"Content-Type": "application/json"}, b""
        if self.path.startswith("/echo"):
            payload = json.dumps({"method": self.command, "path": self.path,
                                  "headers": {k.lower(): v for k, v in self.headers.items()},
                                  "body": body.decode("utf-8", "replace")}).encode()
        elif self.path.startswith("/slow"):
            time.sleep(5)
            payload = b'{"slow": true}'
        elif self.path.startswith("/fail"):
            status, payload = 500, b'{"error": "boom"}'
        elif self.path.startswith("/huge"):
            headers["Content-Type"] = "text/plain"
            payload = b"x" * (1 << 20)
        elif self.path.startswith("/status/"):
            status = int(self.path.split("/")[2])
            if status == 429:
                headers["Retry-After"] = "7"
            payload = b"{}"
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, fmt, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
