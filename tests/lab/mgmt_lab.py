#!/usr/bin/python3
"""Helpers of the lab tests (tests/lab/mgmt_api.sh, tests/web/lab.sh, tests/lab/export.sh,
tests/lab/leds_console.sh, tools/bench_https.sh).
Each subcommand is one bounded tool; none of them runs longer than its arguments say.

  mgmt_lab.py sink PORT
      HTTP upload server for the internet namespace: answers every POST with one JSON
      line {"bytes": body length, "sha256": SHA-256 of the multipart file part (or the
      whole body)}, so the client checks what arrived without a log file.
  mgmt_lab.py raw HOST PORT KIND [--tls]
      Send one malformed request (KIND: garbage, bighead, bigbody, bigchunked, nohost,
      badversion, smuggle) and print the status line the server answered, or
      "closed", "reset", "timeout". The server never needs to see a session for these.
  mgmt_lab.py flood HOST PORT --hold N --slow K --seconds S [--tls-hold M]
      N connections opened and held silent (M of them after a completed TLS
      handshake; one closed by the server is reopened a second later), plus K
      slowloris clients that complete TLS and send a request head one byte per
      second, never finishing it. After S seconds everything is closed; prints one
      JSON object of counts.
  mgmt_lab.py load HOST PORT --clients C --seconds S --cookie V [--paths P,P,...]
      C concurrent HTTPS keep-alive clients, each requesting the paths in turn as
      fast as answers come, for S seconds; prints one JSON object (requests, status
      counts, errors, reconnects, latency percentiles).
"""
import argparse
import hashlib
import http.server
import json
import socket
import ssl
import sys
import threading
import time

from sink import file_part  # tests/lab/sink.py: the same multipart parser


def tls_ctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE  # the appliance's certificate is self-signed
    return c


# ---------------------------------------------------------------- sink
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # answers Expect: 100-continue

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = bytearray()
        while len(body) < n:
            d = self.rfile.read(min(262144, n - len(body)))
            if not d:
                break
            body += d
        part = file_part(bytes(body), self.headers.get("Content-Type", ""))
        msg = (json.dumps({"bytes": len(body), "sha256": hashlib.sha256(part).hexdigest()}) +
               "\n").encode()
        self.send_response(200 if len(body) == n else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(msg)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(msg)

    def do_GET(self):
        msg = b"sink\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(msg)))
        self.end_headers()
        self.wfile.write(msg)


def cmd_sink(a):
    srv = http.server.ThreadingHTTPServer(("0.0.0.0", a.port), Sink)
    srv.daemon_threads = True
    print("sink listening", flush=True)
    srv.serve_forever()


# ---------------------------------------------------------------- raw requests
def raw_payloads(kind, host):
    h = host.encode()
    if kind == "garbage":
        return [bytes(range(256)) * 4 + b"\r\n\r\n"]
    if kind == "bighead":  # one 12 KB header: over HTTP_HEAD_MAX (8192)
        return [b"GET /api/status HTTP/1.1\r\nHost: " + h + b"\r\nX-Pad: " + b"a" * 12000 +
                b"\r\n\r\n"]
    if kind == "manyheaders":  # 400 short headers, 8.8 KB in all
        return [b"GET / HTTP/1.1\r\nHost: " + h + b"\r\n" +
                b"".join(b"X-H%03d: v\r\n" % i for i in range(800)) + b"\r\n"]
    if kind == "bigbody":  # announced 100000 bytes: over HTTP_BODY_MAX (65536)
        return [b"POST /api/login HTTP/1.1\r\nHost: " + h + b"\r\nContent-Type: application/json"
                b"\r\nContent-Length: 100000\r\n\r\n", b"{" + b" " * 30000]
    if kind == "bigchunked":  # 80 KB in 1 KB chunks
        chunk = b"400\r\n" + b" " * 1024 + b"\r\n"
        return [b"POST /api/login HTTP/1.1\r\nHost: " + h + b"\r\nContent-Type: application/json"
                b"\r\nTransfer-Encoding: chunked\r\n\r\n"] + [chunk] * 80 + [b"0\r\n\r\n"]
    if kind == "nohost":
        return [b"GET / HTTP/1.1\r\n\r\n"]
    if kind == "badversion":
        return [b"GET / HTTP/3.7\r\nHost: " + h + b"\r\n\r\n"]
    if kind == "smuggle":
        return [b"POST /api/login HTTP/1.1\r\nHost: " + h + b"\r\nContent-Length: 4\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"]
    raise SystemExit(f"raw: unknown kind {kind}")


def cmd_raw(a):
    try:
        s = socket.create_connection((a.host, a.port), timeout=5)
        if a.tls:
            s = tls_ctx().wrap_socket(s)
        s.settimeout(5)
        for p in raw_payloads(a.kind, a.host):
            try:
                s.sendall(p)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                break  # the server may answer and close before reading it all
        got = b""
        while b"\r\n" not in got and len(got) < 4096:
            d = s.recv(4096)
            if not d:
                break
            got += d
        line = got.split(b"\r\n")[0].decode("latin-1")
        print(line if line else ("data " + repr(got[:60])) if got else "closed")
    except ConnectionResetError:
        print("reset")
    except ConnectionRefusedError:
        print("refused")
    except (socket.timeout, TimeoutError):
        print("timeout")
    except ssl.SSLError as e:
        print(f"tls-error {e.reason}")
    except OSError as e:
        print(f"error {e}")


# ---------------------------------------------------------------- flood
class Holder:
    """One held connection slot: reopened a second after the server ends it."""

    def __init__(self, host, port, tls):
        self.host, self.port, self.tls = host, port, tls
        self.sock = None
        self.next_try = 0.0


def flood_open(h, st):
    st["attempts"] += 1
    try:
        s = socket.create_connection((h.host, h.port), timeout=3)
        if h.tls:
            s = tls_ctx().wrap_socket(s)
        s.setblocking(False)
        h.sock = s
        st["opened"] += 1
    except ConnectionRefusedError:
        st["refused"] += 1
    except (socket.timeout, TimeoutError):
        st["timeout"] += 1
    except (OSError, ssl.SSLError):
        st["failed"] += 1


def flood_holders(a, st, stop):
    hs = [Holder(a.host, a.port, i < a.tls_hold) for i in range(a.hold)]
    while not stop.is_set():
        now = time.time()
        for h in hs:
            if stop.is_set():
                break
            if h.sock is None and now >= h.next_try:
                flood_open(h, st)
                if h.sock is None:
                    h.next_try = time.time() + 1.0
            elif h.sock is not None:
                try:
                    d = h.sock.recv(4096)
                    if not d:
                        raise ConnectionResetError
                except (BlockingIOError, ssl.SSLWantReadError):
                    continue
                except (OSError, ssl.SSLError):
                    pass
                st["ended_by_server"] += 1
                h.sock.close()
                h.sock = None
                h.next_try = time.time() + 1.0
        st["held_now"] = sum(1 for h in hs if h.sock is not None)
        st["held_max"] = max(st["held_max"], st["held_now"])
        time.sleep(0.05)
    for h in hs:
        if h.sock:
            h.sock.close()


def slow_client(a, st, stop, lock):
    head = b"GET /api/status HTTP/1.1\r\nHost: " + a.host.encode() + b"\r\nX-Slow: " + b"z" * 200
    while not stop.is_set():
        with lock:
            st["slow_started"] += 1
        try:
            s = socket.create_connection((a.host, a.port), timeout=3)
            s = tls_ctx().wrap_socket(s)
            s.settimeout(1.0)
            for b in head:
                if stop.is_set():
                    break
                s.send(bytes([b]))
                try:
                    d = s.recv(4096)
                    with lock:
                        key = "slow_answered_" + (d.split(b" ")[1].decode() if d.startswith(b"HTTP/")
                                                  else "closed")
                        st[key] = st.get(key, 0) + 1
                    break
                except (socket.timeout, TimeoutError, ssl.SSLWantReadError):
                    pass
            s.close()
        except (OSError, ssl.SSLError) as e:
            with lock:
                k = "slow_" + type(e).__name__
                st[k] = st.get(k, 0) + 1
            stop.wait(1.0)


def cmd_flood(a):
    st = {"attempts": 0, "opened": 0, "refused": 0, "timeout": 0, "failed": 0,
          "ended_by_server": 0, "held_now": 0, "held_max": 0, "slow_started": 0}
    stop = threading.Event()
    lock = threading.Lock()
    th = [threading.Thread(target=flood_holders, args=(a, st, stop), daemon=True)]
    th += [threading.Thread(target=slow_client, args=(a, st, stop, lock), daemon=True)
           for _ in range(a.slow)]
    t0 = time.time()
    for t in th:
        t.start()
    print("flood: started", flush=True)
    time.sleep(a.seconds)
    stop.set()
    for t in th:
        t.join(5)
    st["seconds"] = round(time.time() - t0, 1)
    print(json.dumps(st), flush=True)


# ---------------------------------------------------------------- HTTPS load
def load_client(a, paths, res, lock, deadline):
    ctx = tls_ctx()
    mine = {"req": 0, "status": {}, "errors": 0, "connects": 0, "lat": []}
    s = None
    i = 0
    buf = b""
    while time.time() < deadline:
        try:
            if s is None:
                s = ctx.wrap_socket(socket.create_connection((a.host, a.port), timeout=5))
                s.settimeout(5)
                mine["connects"] += 1
                buf = b""
            p = paths[i % len(paths)]
            i += 1
            t0 = time.time()
            s.sendall(f"GET {p} HTTP/1.1\r\nHost: {a.host}\r\nAccept-Encoding: gzip\r\n"
                      f"Cookie: lt_session={a.cookie}\r\n\r\n".encode())
            while b"\r\n\r\n" not in buf:
                d = s.recv(65536)
                if not d:
                    raise ConnectionResetError
                buf += d
            head, _, buf = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            code = lines[0].split(" ")[1]
            n = 0
            close = False
            for ln in lines[1:]:
                k, _, v = ln.partition(":")
                if k.strip().lower() == "content-length":
                    n = int(v)
                elif k.strip().lower() == "connection" and v.strip().lower() == "close":
                    close = True
            while len(buf) < n:
                d = s.recv(65536)
                if not d:
                    raise ConnectionResetError
                buf += d
            buf = buf[n:]
            mine["lat"].append(time.time() - t0)
            mine["req"] += 1
            mine["status"][code] = mine["status"].get(code, 0) + 1
            if close:
                s.close()
                s = None
        except (OSError, ssl.SSLError, ValueError, IndexError):
            mine["errors"] += 1
            if s:
                s.close()
            s = None
            time.sleep(0.1)
    if s:
        s.close()
    with lock:
        res.append(mine)


def cmd_load(a):
    paths = a.paths.split(",")
    res, lock = [], threading.Lock()
    deadline = time.time() + a.seconds
    th = [threading.Thread(target=load_client, args=(a, paths, res, lock, deadline), daemon=True)
          for _ in range(a.clients)]
    for t in th:
        t.start()
    for t in th:
        t.join(a.seconds + 15)
    lat = sorted(x for r in res for x in r["lat"])
    status = {}
    for r in res:
        for k, v in r["status"].items():
            status[k] = status.get(k, 0) + v
    q = (lambda f: round(lat[min(len(lat) - 1, int(len(lat) * f))] * 1000, 1) if lat else None)
    print(json.dumps({"clients": a.clients, "seconds": a.seconds,
                      "requests": sum(r["req"] for r in res), "status": status,
                      "errors": sum(r["errors"] for r in res),
                      "connects": sum(r["connects"] for r in res),
                      "clients_with_answers": sum(1 for r in res if r["req"]),
                      "lat_ms_p50": q(0.5), "lat_ms_p99": q(0.99)}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sink")
    p.add_argument("port", type=int)
    p = sub.add_parser("raw")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("kind")
    p.add_argument("--tls", action="store_true")
    p = sub.add_parser("flood")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--hold", type=int, default=200)
    p.add_argument("--tls-hold", type=int, default=0)
    p.add_argument("--slow", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20)
    p = sub.add_parser("load")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--cookie", default="")
    p.add_argument("--paths", default="/api/status")
    a = ap.parse_args()
    if getattr(a, "seconds", 1) <= 0 or getattr(a, "seconds", 1) > 600:
        sys.exit("seconds must be in (0, 600]")
    {"sink": cmd_sink, "raw": cmd_raw, "flood": cmd_flood, "load": cmd_load}[a.cmd](a)


if __name__ == "__main__":
    main()
