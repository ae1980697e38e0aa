#!/usr/bin/python3
"""Generate the seed corpus for firmware/pkt/fuzz_pkt.c into tests/corpus/pkt/.

Each seed is one byte of link type (enum pkt_link in firmware/include/pkt.h)
followed by one frame. Every field that scapy would otherwise fill from the
host (MAC and IP addresses, IDs) is set here, so the output is the same on
every machine and the files can be committed.

Run: /usr/bin/python3 tests/corpus/gen_pkt_seeds.py
"""

import os
import struct

from scapy.all import (ARP, ICMP, IP, IPv6, LLC, SNAP, TCP, UDP, CookedLinux,
                       CookedLinuxV2, Dot1AD, Dot1Q, Dot3, Ether, ICMPv6EchoRequest,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Jumbo, Raw,
                       conf)

# enum pkt_link
ETH, RAW, NULL_LE, NULL_BE, SLL, SLL2 = range(6)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pkt")

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"
V4_A, V4_B = "192.0.2.10", "198.51.100.20"
V6_A, V6_B = "2001:db8::10", "2001:db8::20"

conf.verb = 0


def ip4(**kw):
    kw.setdefault("id", 0x1234)
    return IP(src=V4_A, dst=V4_B, **kw)


def ip6(**kw):
    return IPv6(src=V6_A, dst=V6_B, **kw)


def tcp(**kw):
    kw.setdefault("seq", 1000)
    kw.setdefault("ack", 2000)
    return TCP(sport=40000, dport=443, **kw)


def udp():
    return UDP(sport=5353, dport=53)


def l2(inner):
    return Ether(src=MAC_A, dst=MAC_B) / inner


def seeds():
    data = Raw(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None),
            ("WScale", 7)]
    frag_payload = ip4(proto=17) / udp() / Raw(b"F" * 64)
    frags = [bytes(f) for f in
             [ip4(flags="MF", frag=0, proto=17) / bytes(frag_payload[UDP])[:32],
              ip4(flags="MF", frag=4, proto=17) / bytes(frag_payload[UDP])[32:64],
              ip4(frag=8, proto=17) / bytes(frag_payload[UDP])[64:]]]
    v6udp = bytes(udp() / Raw(b"V" * 48))

    return {
        "eth_ipv4_tcp_opts": (ETH, l2(ip4(options=[b"\x01\x01\x01\x00"]) /
                                      tcp(flags="S", options=opts))),
        "eth_ipv4_tcp_data": (ETH, l2(ip4() / tcp(flags="PA") / data)),
        "eth_ipv4_udp": (ETH, l2(ip4() / udp() / Raw(b"\x12\x34\x01\x00\x00\x01"))),
        "eth_ipv4_icmp": (ETH, l2(ip4() / ICMP(type=8, id=1, seq=1) / Raw(b"ping" * 4))),
        "eth_ipv4_gre": (ETH, l2(ip4(proto=47) / Raw(b"\x00\x00\x08\x00" + b"G" * 20))),
        "eth_ipv4_padded": (ETH, bytes(l2(ip4() / udp() / Raw(b"x"))) + b"\x00" * 17),
        "eth_ipv4_frag_first": (ETH, l2(IP(frags[0]))),
        "eth_ipv4_frag_middle": (ETH, l2(IP(frags[1]))),
        "eth_ipv4_frag_last": (ETH, l2(IP(frags[2]))),
        "eth_vlan_ipv4_udp": (ETH, Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=10, prio=5) /
                              ip4() / udp()),
        "eth_qinq_ipv6_tcp": (ETH, Ether(src=MAC_A, dst=MAC_B) / Dot1AD(vlan=100) /
                              Dot1Q(vlan=200) / ip6() / tcp(flags="SA")),
        "eth_ipv6_tcp": (ETH, l2(ip6() / tcp(flags="A") / data)),
        "eth_ipv6_icmpv6": (ETH, l2(ip6() / ICMPv6EchoRequest(id=7, seq=1, data=b"abcd"))),
        "eth_ipv6_ext_chain": (ETH, l2(ip6() / IPv6ExtHdrHopByHop() /
                                       IPv6ExtHdrRouting(addresses=[V6_B]) /
                                       IPv6ExtHdrDestOpt() /
                                       IPv6ExtHdrFragment(offset=0, m=1, id=9) /
                                       udp() / Raw(b"C" * 16))),
        "eth_ipv6_frag_nonfirst": (ETH, l2(ip6() / IPv6ExtHdrFragment(offset=6, m=0, id=9,
                                                                      nh=17) /
                                           Raw(v6udp[:24]))),
        "eth_ipv6_jumbo": (ETH, l2(IPv6(src=V6_A, dst=V6_B, plen=0) /
                                   IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=70000)]) /
                                   tcp(flags="A") / Raw(b"J" * 32))),
        "eth_arp": (ETH, l2(ARP(op=1, hwsrc=MAC_A, psrc=V4_A, pdst=V4_B))),
        "eth_llc_snap_ipv4": (ETH, Dot3(src=MAC_A, dst=MAC_B) /
                              LLC(dsap=0xaa, ssap=0xaa, ctrl=3) /
                              SNAP(OUI=0, code=0x0800) / ip4() / udp()),
        "eth_llc_stp": (ETH, Dot3(src=MAC_A, dst="01:80:c2:00:00:00") /
                        LLC(dsap=0x42, ssap=0x42, ctrl=3) / Raw(b"\x00" * 35)),
        "raw_ipv4_tcp": (RAW, ip4() / tcp(flags="F")),
        "raw_ipv6_udp": (RAW, ip6() / udp() / Raw(b"six")),
        "null_le_ipv4_icmp": (NULL_LE, struct.pack("<I", 2) +
                              bytes(ip4() / ICMP(type=0))),
        "null_be_ipv6_tcp": (NULL_BE, struct.pack(">I", 30) + bytes(ip6() / tcp())),
        "sll_ipv4_tcp": (SLL, CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6,
                                          src=b"\x02\x00\x00\x00\x00\x01\x00\x00",
                                          proto=0x0800) / ip4() / tcp(flags="R")),
        "sll2_ipv6_udp": (SLL2, CookedLinuxV2(proto=0x86dd, ifindex=2, lladdrtype=1,
                                              pkttype=4, lladdrlen=6,
                                              src=b"\x02\x00\x00\x00\x00\x01\x00\x00") /
                          ip6() / udp() / Raw(b"cooked")),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (link, frame) in sorted(seeds().items()):
        blob = bytes([link]) + bytes(frame)
        assert len(blob) <= 512, name
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
        print(f"{name}: {len(blob)} bytes")


if __name__ == "__main__":
    main()
