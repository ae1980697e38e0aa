#!/usr/bin/python3
"""Replay tests: captures generated here with scapy go through
build/asan/leaktap --replay; the summary, the --flows records and the
--out capture are checked against what the test itself put in.

Run: /usr/bin/python3 tests/replay/test_replay.py [name-filter]
Ends with "N passed, N failed".
"""
import json
import os
import struct
import subprocess
import sys
import traceback

from scapy.all import (ARP, DNS, DNSQR, DNSRR, Dot1Q, Ether, ICMP, IP, IPv6, Raw, TCP,
                       UDP, CookedLinux, fragment, wrpcap, wrpcapng)
from scapy.layers.tls.all import TLS, TLSClientHello
from scapy.layers.tls.extensions import ServerName, TLS_Ext_ServerName

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("LEAKTAP_BIN", os.path.join(TOP, "build/asan/leaktap"))
WORK = os.path.join(TOP, "build/test-replay")
os.makedirs(WORK, exist_ok=True)

LAN = "192.168.1.10"
LAN_MAC = "02:00:00:00:00:0a"
GW_MAC = "02:00:00:00:00:01"
WEB = "198.51.100.7"
T0 = 1764300000.0  # 2025-11-28T03:20:00Z


def path(name):
    return os.path.join(WORK, name)


def run(*args, check_rc=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError(f"exit {p.returncode} (want {check_rc}); stderr:\n{p.stderr}")
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert bad not in p.stderr, p.stderr
    return p


def stamp(pkts, t0=T0, step=0.01):
    for i, p in enumerate(pkts):
        p.time = t0 + i * step
    return pkts


def eth(src=LAN_MAC, dst=GW_MAC):
    return Ether(src=src, dst=dst)


def http_conversation(cport=40000, client=LAN, server=WEB, body=b""):
    """A full TCP conversation; returns (packets, ip_bytes_out, ip_bytes_in, n_out, n_in)."""
    c, s = 1000, 5000
    req = (b"POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: %d\r\n\r\n" % len(body)
           + body) if body else b"GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"
    o = eth() / IP(src=client, dst=server)
    i = eth(GW_MAC, LAN_MAC) / IP(src=server, dst=client)
    pk = [
        o / TCP(sport=cport, dport=80, flags="S", seq=c),
        i / TCP(sport=80, dport=cport, flags="SA", seq=s, ack=c + 1),
        o / TCP(sport=cport, dport=80, flags="A", seq=c + 1, ack=s + 1),
        o / TCP(sport=cport, dport=80, flags="PA", seq=c + 1, ack=s + 1) / Raw(req),
        i / TCP(sport=80, dport=cport, flags="A", seq=s + 1, ack=c + 1 + len(req)),
        i / TCP(sport=80, dport=cport, flags="PA", seq=s + 1, ack=c + 1 + len(req)) / Raw(resp),
        o / TCP(sport=cport, dport=80, flags="FA", seq=c + 1 + len(req), ack=s + 1 + len(resp)),
        i / TCP(sport=80, dport=cport, flags="FA", seq=s + 1 + len(resp), ack=c + 2 + len(req)),
        o / TCP(sport=cport, dport=80, flags="A", seq=c + 2 + len(req), ack=s + 2 + len(resp)),
    ]
    pk = [Ether(bytes(p)) for p in pk]  # fill lengths and checksums
    out = [p for p in pk if p[IP].src == client]
    inn = [p for p in pk if p[IP].src == server]
    return pk, sum(p[IP].len for p in out), sum(p[IP].len for p in inn), len(out), len(inn)


def dns_exchange():
    q = eth() / IP(src=LAN, dst="203.0.113.53") / UDP(sport=33333, dport=53) / DNS(
        id=7, rd=1, qd=DNSQR(qname="example.com"))
    a = eth(GW_MAC, LAN_MAC) / IP(src="203.0.113.53", dst=LAN) / UDP(sport=53, dport=33333) / DNS(
        id=7, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.com"),
        an=DNSRR(rrname="example.com", rdata=WEB, ttl=300))
    return [Ether(bytes(q)), Ether(bytes(a))]


def mixed_capture():
    """Frames of many kinds; returns (packets, facts)."""
    http, bo, bi, no, ni = http_conversation()
    pk = list(http) + dns_exchange()
    pk.append(eth("02:00:00:00:00:0a", "ff:ff:ff:ff:ff:ff") / ARP(psrc=LAN, pdst="192.168.1.1"))
    pk.append(eth() / IP(src=LAN, dst=WEB) / ICMP(type=8, id=1, seq=1) / Raw(b"x" * 32))
    pk.append(eth(GW_MAC, LAN_MAC) / IP(src=WEB, dst=LAN) / ICMP(type=0, id=1, seq=1) / Raw(b"x" * 32))
    pk.append(eth() / IPv6(src="fd00::10", dst="2001:db8::1") / TCP(sport=50000, dport=443, flags="S"))
    pk.append(eth() / Dot1Q(vlan=42) / IP(src="192.168.5.5", dst="203.0.113.9") / UDP(sport=1234, dport=9999) / Raw(b"v" * 10))
    frags = fragment(IP(src=LAN, dst="203.0.113.77") / UDP(sport=4444, dport=5555) / Raw(b"f" * 3000), fragsize=1400)
    pk += [eth() / f for f in frags]
    pk = stamp([Ether(bytes(p)) for p in pk])
    facts = dict(http_out=bo, http_in=bi, http_nout=no, http_nin=ni, n=len(pk), nfrags=len(frags))
    return pk, facts


def flows_of(fname):
    with open(fname) as f:
        return [json.loads(line) for line in f]


def read_pcap_records(fname):
    """(linktype, [frame bytes]) of a classic pcap file, by hand."""
    with open(fname, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    link = struct.unpack(e + "I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return link, out


def summary_value(stderr, key):
    for tok in stderr.replace(",", " ").split("\n"):
        words = tok.split()
        for i, w in enumerate(words[:-1]):
            if w == key:
                return words[i + 1]
    raise AssertionError(f"{key} not in summary:\n{stderr}")


# ---------------------------------------------------------------- tests

def test_mixed_capture_summary_and_flows():
    pk, facts = mixed_capture()
    wrpcap(path("mixed.pcap"), pk)
    p = run("--replay", path("mixed.pcap"), "--flows", path("mixed.flows"), check_rc=0)
    assert int(summary_value(p.stderr, "frames")) == facts["n"], p.stderr
    assert int(summary_value(p.stderr, "non-ip")) == 1, p.stderr
    assert int(summary_value(p.stderr, "fragments")) == facts["nfrags"], p.stderr
    assert int(summary_value(p.stderr, "malformed")) == 0, p.stderr
    for word in ("top applications", "encrypted:", "elapsed", "Mbit/s", "peak"):
        assert word in p.stderr, p.stderr
    fl = flows_of(path("mixed.flows"))
    # http, dns, icmp, ipv6 syn, vlan udp, fragmented udp (first fragment has ports)
    assert len(fl) == 6, fl
    http = [f for f in fl if f["dst_port"] == 80][0]
    assert http["src_ip"] == LAN and http["dst_ip"] == WEB and http["src_port"] == 40000, http
    assert http["lan"] == "src" and http["l4"] == "tcp", http
    assert http["app"] == "HTTP", http
    assert http["encrypted"] is False
    assert http["bytes_out"] == facts["http_out"] and http["bytes_in"] == facts["http_in"], (http, facts)
    assert http["pkts_out"] == facts["http_nout"] and http["pkts_in"] == facts["http_nin"], http
    assert http["first_seen"] == "2025-11-28T03:20:00.000Z", http
    assert http["end"] == "flush"
    dns = [f for f in fl if f["dst_port"] == 53][0]
    assert dns["app"] == "DNS" and dns["l4"] == "udp", dns
    v6 = [f for f in fl if f["dst_port"] == 443][0]
    assert v6["src_ip"] == "fd00::10" and v6["dst_ip"] == "2001:db8::1", v6
    vl = [f for f in fl if f["dst_port"] == 9999][0]
    assert vl["vlan"] == 42, vl
    icmp = [f for f in fl if f["l4"] == "icmp"][0]
    assert icmp["pkts_out"] == 1 and icmp["pkts_in"] == 1, icmp


def test_out_capture_is_identical():
    pk, _ = mixed_capture()
    wrpcap(path("mixed2.pcap"), pk)
    run("--replay", path("mixed2.pcap"), "--out", path("mixed2.out.pcap"), check_rc=0)
    li, fi = read_pcap_records(path("mixed2.pcap"))
    lo, fo = read_pcap_records(path("mixed2.out.pcap"))
    assert li == lo == 1 and fi == fo, (li, lo, len(fi), len(fo))


def test_pcapng_gives_same_flows():
    pk, _ = mixed_capture()
    wrpcap(path("a.pcap"), pk)
    wrpcapng(path("a.pcapng"), pk)
    run("--replay", path("a.pcap"), "--flows", path("a.flows"), check_rc=0)
    run("--replay", path("a.pcapng"), "--flows", path("ng.flows"), check_rc=0)
    assert flows_of(path("a.flows")) == flows_of(path("ng.flows"))


def test_truncated_capture_reports_and_keeps_earlier_frames():
    pk, facts = mixed_capture()
    wrpcap(path("t.pcap"), pk)
    data = open(path("t.pcap"), "rb").read()
    open(path("trunc.pcap"), "wb").write(data[:-10])
    p = run("--replay", path("trunc.pcap"), "--flows", path("trunc.flows"), check_rc=1)
    last = p.stderr.strip().split("\n")[-1]
    assert last.startswith("leaktap: ") and "truncated" in last, p.stderr
    assert int(summary_value(p.stderr, "frames")) == facts["n"] - 1, p.stderr
    assert len(flows_of(path("trunc.flows"))) >= 5


def test_garbage_and_missing_and_empty_files():
    open(path("garbage.pcap"), "wb").write(os.urandom(4096))
    open(path("empty.pcap"), "wb").write(b"")
    for name in ("garbage.pcap", "empty.pcap", "does-not-exist.pcap"):
        p = run("--replay", path(name), check_rc=1)
        lines = p.stderr.strip().split("\n")
        assert len(lines) == 1 and lines[0].startswith("leaktap: "), (name, p.stderr)


def test_header_then_truncated_record_header():
    pk, _ = mixed_capture()
    wrpcap(path("h.pcap"), pk[:1])
    data = open(path("h.pcap"), "rb").read()
    open(path("h2.pcap"), "wb").write(data + b"\x00\x01\x02")  # 3 bytes of a record header
    p = run("--replay", path("h2.pcap"))
    assert p.returncode in (0, 1), p.stderr
    assert int(summary_value(p.stderr, "frames")) == 1


def test_huge_record_length_is_rejected_cleanly():
    pk, _ = mixed_capture()
    wrpcap(path("big.pcap"), pk[:2])
    data = bytearray(open(path("big.pcap"), "rb").read())
    # second record: claim 1 GB captured
    off = 24 + 16 + len(bytes(pk[0]))
    struct.pack_into("<II", data, off + 8, 1 << 30, 1 << 30)
    open(path("big2.pcap"), "wb").write(data)
    p = run("--replay", path("big2.pcap"), check_rc=1)
    assert p.stderr.strip().split("\n")[-1].startswith("leaktap: "), p.stderr


def test_idle_timeout_splits_flows_by_capture_time():
    a = eth() / IP(src=LAN, dst="203.0.113.5") / UDP(sport=7000, dport=7001) / Raw(b"a" * 20)
    pk = stamp([Ether(bytes(a)), Ether(bytes(a))], step=500.0)  # 500 s apart > 120 s UDP timeout
    wrpcap(path("idle.pcap"), pk)
    run("--replay", path("idle.pcap"), "--flows", path("idle.flows"), check_rc=0)
    fl = flows_of(path("idle.flows"))
    assert len(fl) == 2 and fl[0]["end"] == "expired" and fl[1]["end"] == "flush", fl


def test_established_tcp_survives_a_long_pause():
    http, *_ = http_conversation()
    pk = [Ether(bytes(p)) for p in http[:5]]
    stamp(pk)
    late = Ether(bytes(http[5]))
    late.time = T0 + 1000  # 1000 s later: beyond UDP timeout, within TCP's
    wrpcap(path("pause.pcap"), pk + [late])
    run("--replay", path("pause.pcap"), "--flows", path("pause.flows"), check_rc=0)
    assert len(flows_of(path("pause.flows"))) == 1


def test_local_nets_from_config_decide_the_office_side():
    pk, _ = mixed_capture()
    wrpcap(path("ln.pcap"), pk)
    with open(path("ln.json"), "w") as f:
        json.dump({"local_nets": ["198.51.100.0/24"]}, f)
    run("--replay", path("ln.pcap"), "--config", path("ln.json"), "--flows", path("ln.flows"), check_rc=0)
    http = [f for f in flows_of(path("ln.flows")) if 80 in (f["src_port"], f["dst_port"])][0]
    assert http["lan"] == "src" and http["src_ip"] == WEB and http["src_port"] == 80, http
    dns = [f for f in flows_of(path("ln.flows")) if 53 in (f["src_port"], f["dst_port"])][0]
    assert dns["lan"] == "none" and dns["src_ip"] == LAN, dns  # initiator first


def test_tls_is_encrypted():
    ch = TLS(msg=[TLSClientHello(ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=b"upload.example.net")])])])
    o = eth() / IP(src=LAN, dst="203.0.113.44")
    i = eth(GW_MAC, LAN_MAC) / IP(src="203.0.113.44", dst=LAN)
    pk = [o / TCP(sport=41000, dport=443, flags="S", seq=1),
          i / TCP(sport=443, dport=41000, flags="SA", seq=9, ack=2),
          o / TCP(sport=41000, dport=443, flags="A", seq=2, ack=10),
          o / TCP(sport=41000, dport=443, flags="PA", seq=2, ack=10) / ch]
    wrpcap(path("tls.pcap"), stamp([Ether(bytes(p)) for p in pk]))
    run("--replay", path("tls.pcap"), "--flows", path("tls.flows"), check_rc=0)
    fl = flows_of(path("tls.flows"))
    assert len(fl) == 1 and fl[0]["app"] == "TLS" and fl[0]["encrypted"] is True, fl


def test_other_link_types():
    ip = IP(src=LAN, dst=WEB) / UDP(sport=53000, dport=53) / DNS(id=1, rd=1, qd=DNSQR(qname="a.example"))
    wrpcap(path("raw.pcap"), stamp([IP(bytes(ip))]), linktype=101)
    wrpcap(path("sll.pcap"), stamp([CookedLinux(proto=0x800) / IP(bytes(ip))]))
    for name in ("raw.pcap", "sll.pcap"):
        run("--replay", path(name), "--flows", path(name + ".flows"), check_rc=0)
        fl = flows_of(path(name + ".flows"))
        assert len(fl) == 1 and fl[0]["app"] == "DNS" and fl[0]["src_ip"] == LAN, (name, fl)


def test_malformed_frames_are_counted_not_fatal():
    good = Ether(bytes(eth() / IP(src=LAN, dst=WEB) / TCP(sport=1, dport=2)))
    bad_ihl = bytearray(bytes(good))
    bad_ihl[14] = 0x43  # IHL 3
    short = bytes(good)[:20]
    wrpcap(path("mal.pcap"), stamp([good, Ether(bytes(bad_ihl)), Ether(short)]))
    p = run("--replay", path("mal.pcap"), check_rc=0)
    assert int(summary_value(p.stderr, "malformed")) == 2, p.stderr
    assert int(summary_value(p.stderr, "frames")) == 3


def test_check_config():
    with open(path("good.json"), "w") as f:
        json.dump({"mode": "block", "threshold_mb": 25, "allow": ["*.example.com"]}, f)
    p = run("--check-config", path("good.json"), check_rc=0)
    assert "configuration OK" in p.stdout
    cases = [({"threshold_mb": -1}, "threshold_mb"), ({"mode": "loud"}, "mode"),
             ({"local_nets": ["10.0.0.1/8"]}, "local_nets[0]"), ({"nope": 1}, "nope"),
             ({"window_s": "600"}, "window_s")]
    for doc, key in cases:
        with open(path("bad.json"), "w") as f:
            json.dump(doc, f)
        p = run("--check-config", path("bad.json"), check_rc=2)
        lines = p.stderr.strip().split("\n")
        assert len(lines) == 1 and key in lines[0], (doc, p.stderr)
    open(path("broken.json"), "w").write('{"mode": "block",')
    p = run("--check-config", path("broken.json"), check_rc=2)
    assert "invalid JSON" in p.stderr, p.stderr
    p = run("--replay", path("mixed.pcap") if os.path.exists(path("mixed.pcap")) else "x",
            "--config", path("broken.json"), check_rc=2)


def test_usage_errors():
    for args in (["--bogus"], ["--replay"], [], ["--lan", "x"], ["--flows", "f"]):
        p = run(*args, check_rc=2)
        assert "leaktap" in p.stderr


def test_release_binary_matches_asan_binary():
    rel = os.path.join(TOP, "build/leaktap")
    pk, _ = mixed_capture()
    wrpcap(path("rel.pcap"), pk)
    run("--replay", path("rel.pcap"), "--flows", path("asan.flows"), check_rc=0)
    subprocess.run([rel, "--replay", path("rel.pcap"), "--flows", path("rel.flows")],
                   check=True, capture_output=True, timeout=60)
    assert flows_of(path("asan.flows")) == flows_of(path("rel.flows"))


MEDIA = os.path.join(TOP, "build/media")


def tcp_upload(data, dport, sport=45000, dst="203.0.113.60", mss=1400):
    """A TCP connection from the office host that sends data (no protocol)."""
    o = eth() / IP(src=LAN, dst=dst)
    i = eth(GW_MAC, LAN_MAC) / IP(src=dst, dst=LAN)
    pk = [o / TCP(sport=sport, dport=dport, flags="S", seq=10),
          i / TCP(sport=dport, dport=sport, flags="SA", seq=90, ack=11),
          o / TCP(sport=sport, dport=dport, flags="A", seq=11, ack=91)]
    for off in range(0, len(data), mss):
        pk.append(o / TCP(sport=sport, dport=dport, flags="PA", seq=11 + off, ack=91) / Raw(data[off:off + mss]))
    return stamp([Ether(bytes(p)) for p in pk], step=0.001)


def alerts_of(pcap, cfg):
    with open(path("a.json"), "w") as f:
        json.dump(cfg, f)
    p = run("--replay", path(pcap), "--config", path("a.json"), "--alerts", path(pcap + ".alerts"), check_rc=0)
    with open(path(pcap + ".alerts")) as f:
        return [json.loads(line) for line in f], p.stderr


def test_unknown_tcp_protocol_carrying_mp4_is_found_by_its_magic():
    data = open(os.path.join(MEDIA, "h264_faststart.mp4"), "rb").read()
    wrpcap(path("raw_mp4.pcap"), tcp_upload(data, 7777))
    alerts, err = alerts_of("raw_mp4.pcap", {"threshold_mb": 0})
    assert [x["update"] for x in alerts] in ([0], [0, 1]), (alerts, err)
    a = alerts[0]
    assert a["bytes_out"] > 0 and alerts[-1]["bytes_out"] == len(data), alerts
    assert a["video"] == "mp4" and "unknown clear-text TCP stream" in a["evidence"], a
    assert a["lan_ip"] == LAN and a["remote_port"] == 7777 and a["l4"] == "tcp", a
    import hashlib
    # With threshold 0 the alert precedes the end of the file: the last report carries the hash.
    assert alerts[-1]["fingerprint"] == hashlib.sha256(data[:65536]).hexdigest(), alerts


def test_lost_and_retransmitted_segments_are_reordered():
    """Segments 4-9 of the upload arrive after segment 14 (a loss and its
    retransmission): the sniffer holds the later bytes until the hole is
    filled, so proof and fingerprint are as for an in-order stream."""
    import hashlib
    data = open(os.path.join(MEDIA, "h264_faststart.mp4"), "rb").read()
    pk = tcp_upload(data, 7780, sport=45100)
    hs, seg = pk[:3], pk[3:]
    late = seg[4:10]
    moved = seg[:4] + seg[10:15] + late + seg[15:]
    moved += [Ether(bytes(p)) for p in seg[11:13]]  # and some duplicates
    wrpcap(path("reorder.pcap"), stamp(hs + moved, step=0.001))
    alerts, err = alerts_of("reorder.pcap", {"threshold_mb": 0})
    assert alerts and alerts[0]["video"] == "mp4", (alerts, err)
    assert alerts[-1]["fingerprint"] == hashlib.sha256(data[:65536]).hexdigest(), alerts
    assert "0 unfillable TCP holes" in err, err


def test_a_hole_never_filled_stops_sniffing_cleanly():
    data = open(os.path.join(MEDIA, "h264_faststart.mp4"), "rb").read()
    pk = tcp_upload(data, 7781, sport=45200, mss=200)
    del pk[4]  # the second payload segment never arrives (nor its retransmission)
    wrpcap(path("hole.pcap"), pk)
    alerts, err = alerts_of("hole.pcap", {"threshold_mb": 0})
    assert alerts == [] and "1 unfillable TCP holes" in err, (alerts, err)


def test_random_bytes_over_tcp_are_not_video():
    import random
    data = random.Random(3).randbytes(300000)
    wrpcap(path("raw_rand.pcap"), tcp_upload(data, 7778))
    alerts, _ = alerts_of("raw_rand.pcap", {"threshold_mb": 0})
    assert alerts == [], alerts


def ts_datagrams(dst, n=40):
    data = open(os.path.join(MEDIA, "h264.ts"), "rb").read()
    chunk = 7 * 188
    pk = [eth() / IP(src=LAN, dst=dst) / UDP(sport=5004, dport=1234) / Raw(data[o:o + chunk])
          for o in range(0, min(len(data), n * chunk), chunk)]
    return stamp([Ether(bytes(p)) for p in pk], step=0.002)


def test_mpegts_in_udp_to_a_remote_host_is_video():
    wrpcap(path("udp_ts.pcap"), ts_datagrams("203.0.113.61"))
    alerts, _ = alerts_of("udp_ts.pcap", {"threshold_mb": 0})
    firsts = [x for x in alerts if x["update"] == 0]
    assert len(firsts) == 1 and firsts[0]["video"] == "mpegts" and firsts[0]["l4"] == "udp", alerts
    assert "UDP datagram stream" in firsts[0]["evidence"], firsts


def test_mpegts_multicast_stays_in_the_office():
    wrpcap(path("udp_ts_mc.pcap"), ts_datagrams("239.1.2.3"))
    alerts, _ = alerts_of("udp_ts_mc.pcap", {"threshold_mb": 0})
    assert alerts == [], alerts


def test_no_video_flag_turns_the_video_path_off():
    data = open(os.path.join(MEDIA, "h264_faststart.mp4"), "rb").read()
    wrpcap(path("raw_mp4b.pcap"), tcp_upload(data, 7779))
    with open(path("t0.json"), "w") as f:
        json.dump({"threshold_mb": 0}, f)
    p = run("--replay", path("raw_mp4b.pcap"), "--config", path("t0.json"), "--no-video", check_rc=0)
    assert p.stdout == "" and "0 flows proved video" in p.stderr, (p.stdout, p.stderr)


def main():
    flt = sys.argv[1] if len(sys.argv) > 1 else ""
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and flt in n]
    passed = failed = 0
    for name, fn in tests:
        try:
            fn()
            passed += 1
            print(f"PASS {name}")
        except Exception:  # report every failure and keep going
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
