#!/usr/bin/env bash
# Record the raw request bytes real curl sends, for the HTTP carrier tests
# (tests/unit/test_snf_http.c). A tiny listener on 127.0.0.1 records every
# byte of each connection and answers "200 OK" (and "100 Continue" when the
# client asks for it), so curl behaves as against a real server.
#   tools/gen_http_vectors.sh [OUTDIR]      (default build/http-vectors)
# Writes payload.bin (200 000 bytes from a fixed-seed PRNG) and one .req file
# per scenario. Needs Debian curl and /usr/bin/python3; bounded in time.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/http-vectors}
mkdir -p "$out"
command -v curl >/dev/null || {
	echo "gen_http_vectors: curl is missing (apt-get install curl)" >&2
	exit 1
}
exec timeout 120 /usr/bin/python3 - "$out" <<'PY'
import os, random, socket, subprocess, sys, threading

out = sys.argv[1]
payload = random.Random(20200704).randbytes(200000)
with open(os.path.join(out, "payload.bin"), "wb") as f:
    f.write(payload)

def head_end(buf):
    i = buf.find(b"\r\n\r\n")
    return -1 if i < 0 else i + 4

def body_len(head, data):
    """Bytes of body present at the start of data, or None if incomplete."""
    h = head.lower()
    if b"transfer-encoding: chunked" in h:
        pos = 0
        while True:
            eol = data.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(data[pos:eol].split(b";")[0], 16)
            pos = eol + 2
            if size == 0:
                end = data.find(b"\r\n\r\n", pos - 2)
                return None if end < 0 else end + 4
            pos += size + 2
            if pos > len(data):
                return None
    for line in h.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            n = int(line.split(b":")[1])
            return n if len(data) >= n else None
    return 0

def serve(conn, rec):
    conn.settimeout(5)
    buf = b""
    while True:
        e = head_end(buf)
        while e < 0:
            d = conn.recv(65536)
            if not d:
                return
            rec.append(d)
            buf += d
            e = head_end(buf)
        head = buf[:e]
        if b"expect: 100-continue" in head.lower():
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        n = body_len(head, buf[e:])
        while n is None:
            d = conn.recv(65536)
            if not d:
                return
            rec.append(d)
            buf += d
            n = body_len(head, buf[e:])
        buf = buf[e + n:]
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

def record(name, args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    ls.settimeout(10)
    port = ls.getsockname()[1]
    rec, conns = [], []

    def accept():
        try:
            while True:
                c, _ = ls.accept()
                conns.append(c)
                try:
                    serve(c, rec)
                except (socket.timeout, OSError, ValueError):
                    pass
                c.close()
        except OSError:
            pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    res = "Upload.Example.COM:%d:127.0.0.1" % port
    url = "http://Upload.Example.COM:%d" % port
    argv = ["curl", "-sS", "-o", "/dev/null", "--max-time", "20", "--resolve", res]
    argv += [a.replace("URL", url).replace("RES", res) for a in args]
    subprocess.run(argv, cwd=out, check=True, timeout=30)
    ls.close()
    t.join(10)
    with open(os.path.join(out, name + ".req"), "wb") as f:
        f.write(b"".join(rec))
    print("%s: %d bytes, %d connection(s)" % (name, sum(map(len, rec)), len(conns)))
    if len(conns) != 1:
        sys.exit("%s: expected one connection" % name)

record("multipart", ["-F", "note=hello", "-F", "file=@payload.bin", "URL/upload"])
record("put", ["-T", "payload.bin", "URL/dav/rec%20one.ts?x=1"])
record("chunked", ["-H", "Transfer-Encoding: chunked", "--data-binary", "@payload.bin",
                   "URL/seg/chunk.m4s"])
record("keepalive", ["-T", "payload.bin", "URL/a/one.ts", "--next",
                     "--resolve", "RES",
                     "-o", "/dev/null", "--data-binary", "@payload.bin", "URL/b/two.m4s"])
record("get", ["URL/index.html"])
PY
