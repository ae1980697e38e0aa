#!/usr/bin/python3
"""Generate DNS test vectors for tests/unit/test_nam.c.

Writes one binary DNS message per file, NAME.bin, into the directory given
as argv[1] (default build/dns-vectors). Most are built with scapy; the
compression cases are assembled by hand because scapy only compresses owner
names, and the broken ones (pointer loop, forward pointer) cannot be built
with scapy at all. Every field is fixed here, so the output is the same on
every machine. test_nam.c knows what each vector must yield.

Run: /usr/bin/python3 tools/gen_dns_vectors.py [OUTDIR]
"""

import os
import struct
import sys

from scapy.all import DNS, DNSQR, DNSRR
from scapy.layers.dns import dns_compress


def resp(qname, answers, qtype="A", rcode=0, qr=1, compress=False):
    """A response to qname with answers [(owner, type, ttl, rdata)]."""
    an = None
    for owner, typ, ttl, rdata in answers:
        rr = DNSRR(rrname=owner, type=typ, rclass="IN", ttl=ttl, rdata=rdata)
        an = rr if an is None else an / rr
    pkt = DNS(id=0x1234, qr=qr, rd=1, ra=qr, rcode=rcode,
              qd=DNSQR(qname=qname, qtype=qtype, qclass="IN"), an=an)
    if compress:
        pkt = dns_compress(pkt)
    return bytes(pkt)


def wire_name(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def header(ancount, flags=0x8180, qdcount=1):
    return struct.pack(">HHHHHH", 0x1234, flags, qdcount, ancount, 0, 0)


def rr_fixed(typ, ttl, rdata):
    return struct.pack(">HHIH", typ, 1, ttl, len(rdata)) + rdata


def compressed_chain():
    """www.example.com CNAME cdn.example.com (target = "cdn" + pointer to
    "example.com" in the question); the A record's owner points at that
    target, so reading it takes two pointer hops."""
    msg = header(2) + wire_name("www.example.com") + struct.pack(">HH", 1, 1)
    cname_rdata_off = len(msg) + 2 + 10  # after owner pointer and fixed fields
    target = b"\x03cdn" + struct.pack(">H", 0xC000 | 16)  # 16: "example" in the question
    msg += struct.pack(">H", 0xC00C) + rr_fixed(5, 300, target)
    msg += struct.pack(">H", 0xC000 | cname_rdata_off)
    msg += rr_fixed(1, 120, bytes([203, 0, 113, 7]))
    return msg


def pointer_loop():
    """The answer owner is a label followed by a pointer back to itself."""
    msg = header(1) + wire_name("loop.example") + struct.pack(">HH", 1, 1)
    here = len(msg)
    msg += b"\x01a" + struct.pack(">H", 0xC000 | here)
    return msg + rr_fixed(1, 60, bytes([192, 0, 2, 9]))


def forward_pointer():
    """The answer owner points past itself, to a name placed after the record."""
    msg = header(1) + wire_name("fwd.example") + struct.pack(">HH", 1, 1)
    owner_off = len(msg)
    later = owner_off + 2 + 10 + 4
    msg += struct.pack(">H", 0xC000 | later) + rr_fixed(1, 60, bytes([192, 0, 2, 10]))
    return msg + wire_name("fwd.example")


def long_name(total):
    """A name of exactly total characters: 63-character labels, then the rest."""
    k = (total + 64) // 64  # labels needed: each full label takes 63 + a dot
    last = total - (k - 1) * 64
    labels = [("abcdefghij" * 7)[:63]] * (k - 1) + [("klmnopqrst" * 7)[:last]]
    name = ".".join(labels)
    assert len(name) == total and 0 < last <= 63, (len(name), total)
    return name


def vectors():
    v = {}
    v["a"] = resp("www.example.com", [("www.example.com", "A", 300, "192.0.2.1")])
    v["aaaa"] = resp("v6.example.com", [("v6.example.com", "AAAA", 600, "2001:db8::1")],
                     qtype="AAAA")
    v["cname_chain"] = resp("www.example.com", [
        ("www.example.com", "CNAME", 300, "cdn.example.net"),
        ("cdn.example.net", "A", 60, "198.51.100.1"),
        ("cdn.example.net", "A", 60, "198.51.100.2"),
    ], compress=True)
    v["cname_unordered"] = resp("shop.example.org", [
        ("edge.cdn.example", "A", 90, "198.51.100.30"),
        ("alias.example.org", "CNAME", 90, "edge.cdn.example"),
        ("shop.example.org", "CNAME", 90, "alias.example.org"),
        ("other.example", "A", 90, "198.51.100.31"),
    ])
    v["cname_loop"] = resp("a.loop.example", [
        ("a.loop.example", "CNAME", 60, "b.loop.example"),
        ("b.loop.example", "CNAME", 60, "a.loop.example"),
        ("a.loop.example", "A", 60, "192.0.2.50"),
    ])
    hops = [("h%d.example" % i, "CNAME", 60, "h%d.example" % (i + 1)) for i in range(10)]
    v["cname_long"] = resp("h0.example", hops + [
        ("h8.example", "A", 60, "192.0.2.58"),
        ("h9.example", "A", 60, "192.0.2.59"),
        ("h10.example", "A", 60, "192.0.2.60"),
    ])
    v["compressed"] = compressed_chain()
    v["ptr_loop"] = pointer_loop()
    v["fwd_ptr"] = forward_pointer()
    v["nxdomain"] = resp("nope.example.com", [], rcode=3)
    v["query"] = resp("www.example.com", [], qr=0)
    v["ttl0"] = resp("zero.example.com", [("zero.example.com", "A", 0, "192.0.2.20")])
    v["ttl_big"] = resp("big.example.com", [("big.example.com", "A", 0x7FFFFFFF, "192.0.2.21")])
    v["ttl_neg"] = resp("neg.example.com", [("neg.example.com", "A", 0xFFFFFFFF, "192.0.2.22")])
    v["name253"] = resp(long_name(253), [(long_name(253), "A", 300, "192.0.2.30")])
    v["name254"] = resp(long_name(254), [(long_name(254), "A", 300, "192.0.2.31")])
    v["upper"] = resp("WWW.Example.COM", [("www.EXAMPLE.com", "A", 300, "192.0.2.40")],
                      compress=False)
    v["mixed"] = resp("dual.example.com", [
        ("dual.example.com", "A", 300, "192.0.2.60"),
        ("dual.example.com", "AAAA", 300, "2001:db8::60"),
        ("dual.example.com", "TXT", 300, "hello"),
    ], qtype="ANY", compress=True)
    return v


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("build", "dns-vectors")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(vectors().items()):
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(data)
    print("wrote %d DNS vectors to %s" % (len(vectors()), out))


if __name__ == "__main__":
    main()
