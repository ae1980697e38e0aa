#!/usr/bin/python3
"""Small network tools for tests/lab/mgmt_net.sh, each bounded in time.

  mgmt_tool.py sntp-server IP SECONDS     answer SNTP (mode 3) requests on IP:123
  mgmt_tool.py mdns-query NAME SRC_IP     legacy mDNS query for NAME.local (type A)
                                          from SRC_IP; prints the address(es) answered
  mgmt_tool.py connect IP PORT            TCP connect; prints connected|refused|timeout
"""
import socket
import struct
import sys
import time

NTP_EPOCH = 2208988800


def sntp_server(ip, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 123))
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        s.settimeout(max(0.1, end - time.time()))
        try:
            req, peer = s.recvfrom(512)
        except socket.timeout:
            break
        if len(req) < 48 or (req[0] & 7) != 3:
            continue
        now = time.time() + NTP_EPOCH
        sec, frac = int(now), int((now % 1) * 2**32)
        resp = struct.pack("!BBbbII4s", 0x24, 1, 6, -20, 0, 0, b"LTAP")
        resp += struct.pack("!II", sec, frac)  # reference
        resp += req[40:48]  # originate = the client's transmit
        resp += struct.pack("!IIII", sec, frac, sec, frac)  # receive, transmit
        s.sendto(resp, peer)
        n += 1
        print("answered %s:%d" % peer, flush=True)
    print("sntp-server: %d answers" % n, flush=True)


def skip_name(b, o):
    while o < len(b):
        n = b[o]
        if n == 0:
            return o + 1
        if n & 0xC0 == 0xC0:
            return o + 2
        o += 1 + n
    raise ValueError("name runs past the message")


def mdns_query(name, src):
    q = struct.pack("!HHHHHH", 0x4C54, 0, 1, 0, 0, 0)
    for label in (name, "local"):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))  # not 5353: a legacy query, answered by unicast to this port
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
    s.settimeout(1.0)
    s.sendto(q, ("224.0.0.251", 5353))
    try:
        r, _ = s.recvfrom(1500)
    except socket.timeout:
        print("no answer")
        return 1
    qid, _flags, qd, an = struct.unpack("!HHHH", r[:8])
    if qid != 0x4C54:
        print("wrong id")
        return 1
    o = 12
    for _ in range(qd):
        o = skip_name(r, o) + 4
    addrs = []
    for _ in range(an):
        o = skip_name(r, o)
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", r[o : o + 10])
        o += 10
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(r[o : o + 4]))
        o += rdlen
    print(" ".join(addrs) if addrs else "no A record")
    return 0 if addrs else 1


def connect(ip, port):
    # getaddrinfo handles IPv6 link-local with a zone ("fe80::1%eth0").
    fam, _, _, _, addr = socket.getaddrinfo(ip, int(port), type=socket.SOCK_STREAM)[0]
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3.0)
    try:
        s.connect(addr)
        s.sendall(b"leaktap lab\n")
        print("connected")
    except ConnectionRefusedError:
        print("refused")
    except (socket.timeout, OSError) as e:
        print("timeout" if isinstance(e, socket.timeout) else "error %s" % e)
    finally:
        s.close()
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "sntp-server":
        sntp_server(argv[2], float(argv[3]))
        return 0
    if len(argv) == 4 and argv[1] == "mdns-query":
        return mdns_query(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "connect":
        return connect(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
