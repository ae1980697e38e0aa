#!/usr/bin/env python3
# Test sink of the inline and tap labs (tests/lab/inline_block.sh,
# tests/lab/inline_tap.sh): an HTTP upload receiver that counts the bytes
# each TCP connection delivers and hashes the multipart file part (or the
# whole body), one JSON line per connection in LOG.
#   sink.py LOG ADDR:PORT...
# file_part() is also the multipart parser of mgmt_lab.py's sink (imported).
import hashlib, json, socket, struct, sys, threading, time
LOG = None  # set by main
lock = threading.Lock()

def tcp_bytes_received(c):
    # struct tcp_info.tcpi_bytes_received (u64 at offset 128): in-order bytes
    # the server's TCP accepted, whether or not the application read them yet.
    try:
        ti = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        return struct.unpack_from("=Q", ti, 128)[0] if len(ti) >= 136 else None
    except OSError:
        return None

def file_part(body, ctype):
    # the multipart file part of a body (Content-Type's boundary), b"" when it
    # is cut short; a body that is not multipart is the file itself
    b = None
    for p in ctype.split(";"):
        p = p.strip()
        if p.lower().startswith("boundary="):
            b = p[9:].strip('"').encode()
    if not b:
        return body
    d = b"--" + b
    i = body.find(d)
    if i < 0:
        return b""
    h = body.find(b"\r\n\r\n", i)
    j = body.find(b"\r\n" + d, h + 4)
    return body[h + 4:j] if h >= 0 and j >= 0 else b""

def handle(c, peer, local):
    rec = {"local": "%s:%d" % local[:2], "peer": "%s:%d" % peer[:2], "t_accept": time.time(),
           "bytes": 0, "body": 0, "complete": False, "end": "eof", "t_last": None}
    buf = bytearray()
    head = None
    clen = None
    ctype = ""
    c.settimeout(60)
    try:
        while True:
            d = c.recv(262144)
            if not d:
                break
            rec["bytes"] += len(d)
            rec["t_last"] = time.time()
            buf += d
            if head is None:
                k = buf.find(b"\r\n\r\n")
                if k < 0:
                    continue
                head = bytes(buf[:k]).decode("latin-1")
                del buf[:k + 4]
                rec["request"] = head.split("\r\n")[0]
                for line in head.split("\r\n")[1:]:
                    n, _, v = line.partition(":")
                    n = n.strip().lower(); v = v.strip()
                    if n == "content-length": clen = int(v)
                    elif n == "content-type": ctype = v
                    elif n == "expect" and v.lower() == "100-continue":
                        c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            if head is not None and (clen is None or len(buf) >= clen):
                rec["complete"] = True
                rec["end"] = "done"
                break
    except ConnectionResetError:
        rec["end"] = "reset"
    except socket.timeout:
        rec["end"] = "timeout"
    except OSError as e:
        rec["end"] = "error " + str(e)
    rec["body"] = len(buf)
    rec["tcp_bytes"] = tcp_bytes_received(c)
    if rec["complete"]:
        rec["body_sha256"] = hashlib.sha256(buf).hexdigest()
        rec["file_sha256"] = hashlib.sha256(file_part(bytes(buf), ctype)).hexdigest()
        msg = b"received %d\n" % len(buf)
        try:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(msg) + msg)
        except OSError:
            rec["end"] = "done, answer failed"
    rec["t_end"] = time.time()
    try:
        c.close()
    except OSError:
        pass
    with lock:
        with open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")

def serve(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    s.listen(16)
    while True:
        c, peer = s.accept()
        threading.Thread(target=handle, args=(c, peer, c.getsockname()), daemon=True).start()

def main():
    global LOG
    LOG = sys.argv[1]
    for a in sys.argv[2:]:
        h, _, p = a.rpartition(":")
        threading.Thread(target=serve, args=((h, int(p)),), daemon=True).start()
    print("sink listening", flush=True)
    while True:
        time.sleep(3600)

if __name__ == "__main__":
    main()
