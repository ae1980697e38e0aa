#!/usr/bin/python3
"""Write a small capture of office traffic for `make run`: DNS, web
browsing, a TLS session, an FTP-like clear-text upload, ping, ARP and an
IPv6 flow. Deterministic: the same bytes every time."""
import sys

from scapy.all import ARP, DNS, DNSQR, DNSRR, Ether, ICMP, IP, IPv6, Raw, TCP, UDP, wrpcap
from scapy.layers.tls.all import TLS, TLSClientHello
from scapy.layers.tls.extensions import ServerName, TLS_Ext_ServerName

PC, PC_MAC, GW_MAC = "192.168.1.23", "02:00:00:00:01:23", "02:00:00:00:00:01"
T0 = 1764300000.0


def conv(client, server, sport, dport, upload, download):
    o = Ether(src=PC_MAC, dst=GW_MAC) / IP(src=client, dst=server)
    i = Ether(src=GW_MAC, dst=PC_MAC) / IP(src=server, dst=client)
    c, s = 100, 900
    pk = [o / TCP(sport=sport, dport=dport, flags="S", seq=c),
          i / TCP(sport=dport, dport=sport, flags="SA", seq=s, ack=c + 1),
          o / TCP(sport=sport, dport=dport, flags="A", seq=c + 1, ack=s + 1)]
    c += 1
    s += 1
    for chunk in upload:
        pk.append(o / TCP(sport=sport, dport=dport, flags="PA", seq=c, ack=s) / Raw(chunk))
        c += len(chunk)
    for chunk in download:
        pk.append(i / TCP(sport=dport, dport=sport, flags="PA", seq=s, ack=c) / Raw(chunk))
        s += len(chunk)
    pk.append(o / TCP(sport=sport, dport=dport, flags="FA", seq=c, ack=s))
    pk.append(i / TCP(sport=dport, dport=sport, flags="FA", seq=s, ack=c + 1))
    return pk


def main(out):
    pk = [Ether(src=PC_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=PC, pdst="192.168.1.1")]
    pk.append(Ether(src=PC_MAC, dst=GW_MAC) / IP(src=PC, dst="192.168.1.1") / UDP(sport=40000, dport=53)
              / DNS(id=1, rd=1, qd=DNSQR(qname="news.example")))
    pk.append(Ether(src=GW_MAC, dst=PC_MAC) / IP(src="192.168.1.1", dst=PC) / UDP(sport=53, dport=40000)
              / DNS(id=1, qr=1, qd=DNSQR(qname="news.example"), an=DNSRR(rrname="news.example", rdata="198.51.100.80")))
    pk += conv(PC, "198.51.100.80", 41000, 80,
               [b"GET / HTTP/1.1\r\nHost: news.example\r\n\r\n"],
               [b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + b"<p>news</p>" * 180])
    hello = TLS(msg=[TLSClientHello(ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=b"mail.example")])])])
    pk += conv(PC, "203.0.113.25", 41001, 443, [bytes(hello)], [])
    pk += conv(PC, "203.0.113.99", 41002, 21, [b"USER demo\r\n", b"PASS demo\r\n", b"STOR meeting.mp4\r\n"], [b"220 ready\r\n"])
    pk.append(Ether(src=PC_MAC, dst=GW_MAC) / IP(src=PC, dst="198.51.100.80") / ICMP() / Raw(b"ping" * 8))
    pk.append(Ether(src=PC_MAC, dst=GW_MAC) / IPv6(src="fd00::23", dst="2001:db8::80") / TCP(sport=41003, dport=80, flags="S"))
    pk = [Ether(bytes(p)) for p in pk]
    for n, p in enumerate(pk):
        p.time = T0 + n * 0.02
    wrpcap(out, pk)


if __name__ == "__main__":
    main(sys.argv[1])
