#!/usr/bin/env python3
"""HTTP ingest endpoint for the whole-agent benchmark's `--uplink http:...` variants; counts
the bytes on the wire at the HTTP layer.

usage: uplink_wire_sink.py --log FILE [--port-file F]

Binds 127.0.0.1 on a free port (or $SINK_PORT), writes the port to --port-file (and prints
"PORT <n>"), and answers every request with 200 and a 2-byte JSON body, keeping connections
alive (HTTP/1.1). It reads the request line, the headers and the body itself from the socket
(Content-Length or chunked; "Expect: 100-continue" is answered), so the byte count is exactly
what the client sent at the HTTP layer: request line + headers + blank line + body (chunk
framing included). Each request is logged as one JSON line, written before the answer:
  {"t": CLOCK_MONOTONIC s at the end of the body, "t_start": ... at its first byte,
   "wire": bytes, "head": bytes of request line + headers, "body": body bytes (as sent),
   "batch": X-Edgeflow-Batch, "enc": Content-Encoding, "records": n, "points": n}
points = the readings the batch carries, counted from the body: harvest (a JSON array of
entries): every member of an entry except timestamp/source/quality/category; json
({"records": [...]}): the members of each record's "points"; columnar-gzip: the length of
every point's "v".
"""
import argparse
import gzip
import json
import os
import socketserver
import sys
import threading
import time

LOCK = threading.Lock()
LOG = None
META = {"timestamp", "source", "quality", "category"}


def count(body: bytes, encoding: str):
    """(records, points) carried by a batch body; (None, None) when it cannot be parsed."""
    try:
        if encoding == "gzip":
            body = gzip.decompress(body)
        doc = json.loads(body)
    except (ValueError, OSError, EOFError):
        return None, None
    if isinstance(doc, list):                                    # harvest
        pts = sum(len([k for k in e if k not in META]) for e in doc if isinstance(e, dict))
        return len(doc), pts
    if isinstance(doc, dict) and "records" in doc:               # json
        recs = doc["records"]
        return len(recs), sum(len(r.get("points") or {}) for r in recs if isinstance(r, dict))
    if isinstance(doc, dict) and "sources" in doc:               # columnar
        pts = sum(len(p.get("v", [])) for s in doc["sources"] for p in s.get("points", []))
        frames = sum(len(s.get("dt", [])) for s in doc["sources"])
        return frames + len(doc.get("quality", [])) + len(doc.get("messages", [])), pts
    return None, None


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        rf, wf = self.rfile, self.wfile
        while True:
            line = rf.readline(65537)
            if not line:
                return
            t_start = time.monotonic()
            head = len(line)
            headers = {}
            while True:
                h = rf.readline(65537)
                if not h:
                    return
                head += len(h)
                if h in (b"\r\n", b"\n"):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            if headers.get("expect", "").lower() == "100-continue":
                wf.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                wf.flush()
            wire_body = 0
            if "chunked" in headers.get("transfer-encoding", "").lower():
                parts = []
                while True:
                    size_line = rf.readline(65537)
                    wire_body += len(size_line)
                    n = int(size_line.split(b";")[0].strip() or b"0", 16)
                    if n == 0:
                        while True:                      # trailers, up to the blank line
                            t = rf.readline(65537)
                            wire_body += len(t)
                            if t in (b"\r\n", b"\n", b""):
                                break
                        break
                    chunk = rf.read(n)
                    parts.append(chunk)
                    wire_body += len(chunk) + len(rf.readline(65537))
                body = b"".join(parts)
            else:
                n = int(headers.get("content-length", "0") or 0)
                body = rf.read(n) if n else b""
                wire_body = len(body)
            t_end = time.monotonic()
            records, points = count(body, headers.get("content-encoding", ""))
            rec = {"t": t_end, "t_start": t_start, "wire": head + wire_body, "head": head,
                   "body": wire_body, "batch": headers.get("x-edgeflow-batch"),
                   "enc": headers.get("content-encoding"), "records": records, "points": points}
            with LOCK:
                LOG.write(json.dumps(rec) + "\n")
                LOG.flush()
            try:
                wf.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 2\r\n\r\n{}")
                wf.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            if headers.get("connection", "").lower() == "close":
                return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main() -> None:
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file")
    a = ap.parse_args()
    LOG = open(a.log, "a")
    srv = Server(("127.0.0.1", int(os.environ.get("SINK_PORT", "0"))), Handler)
    port = srv.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.replace(a.port_file + ".tmp", a.port_file)
    print("PORT", port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main()
