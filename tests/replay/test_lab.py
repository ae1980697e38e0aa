#!/usr/bin/python3
"""Detection on the lab corpus: real clients and servers in namespaces
(tests/lab/make_corpus.sh), replayed through build/asan/leaktap.

Every positive must raise exactly one video alert (plus updates) naming the
right office host, remote host, remote name, video kind and file; the last
report's bytes_out must be within 1% of the payload bytes the manifest
counted independently (scapy); file carriers must carry the SHA-256 of the
file's first 64 KiB, and tools/leakmatch must find the file from it. No
negative may raise an alert. Ends with "N passed, N failed".
"""
import json
import os
import subprocess
import sys
import traceback

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("LEAKTAP_BIN", os.path.join(TOP, "build/asan/leaktap"))
CORPUS = os.path.join(TOP, "build/lab/corpus")
MEDIA = os.path.join(TOP, "build/lab/media")
WORK = os.path.join(TOP, "build/test-lab-replay")
# The lab puts office and internet in 10.77.0.0/24 and fd77::/64; the office
# is the low part of each.
OFFICE = {"local_nets": ["10.77.0.0/26", "fd77::/120"]}
FILE_CARRIERS = ("http", "ftp", "hls", "put")


def replay(case, extra=None, args=()):
    cfg = dict(OFFICE)
    cfg.update(case.get("config", {}))
    cfg.update(extra or {})
    os.makedirs(WORK, exist_ok=True)
    cpath = os.path.join(WORK, case["case"] + ".json")
    with open(cpath, "w") as f:
        json.dump(cfg, f)
    apath = os.path.join(WORK, case["case"] + ".alerts")
    p = subprocess.run([BIN, "--replay", os.path.join(CORPUS, case["pcap"]), "--config", cpath,
                        "--alerts", apath, *args], capture_output=True, text=True, timeout=300)
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert bad not in p.stderr, p.stderr
    assert p.returncode == 0, p.stderr
    with open(apath) as f:
        return [json.loads(line) for line in f], p.stderr


def check_positive(case):
    alerts, err = replay(case)
    firsts = [a for a in alerts if a["update"] == 0]
    assert len(firsts) == 1, (case["case"], alerts, err)
    assert len({a["alert_id"] for a in alerts}) == 1, alerts
    a, last = firsts[0], alerts[-1]
    for key in ("lan_ip", "remote_ip", "l4", "video", "lan_mac"):
        assert a[key] == case[key], (case["case"], key, a[key], case[key])
    if case.get("remote_name"):
        assert a["remote_name"] == case["remote_name"], (case["case"], a["remote_name"])
    assert a["kind"] == "video" and a["action"] == "alert" and a["evidence"] and a["app"], a
    assert a["ts"].endswith("Z") and "T" in a["ts"], a
    sent = case["payload_bytes_out"]
    assert abs(last["bytes_out"] - sent) <= sent / 100, (case["case"], last["bytes_out"], sent)
    assert a["bytes_out"] > 10_000_000, a  # the first alert comes when the threshold is crossed
    if case.get("codec") and case["video"] in ("mp4", "webm", "rtmp", "rtsp/h264"):
        assert a.get("codec") in (case["codec"], None), (case["case"], a.get("codec"))
    if case.get("media_sha256_64k") and case["case"].split("_")[0] in FILE_CARRIERS:
        assert a.get("fingerprint") == case["media_sha256_64k"], (case["case"], a)
        m = subprocess.run([os.path.join(TOP, "tools/leakmatch"), MEDIA, a["fingerprint"]],
                           capture_output=True, text=True, timeout=60)
        assert m.returncode == 0 and case["media_source"] in m.stdout, (m.stdout, m.stderr)
    if case.get("file") and case["case"].split("_")[0] in FILE_CARRIERS:
        assert a.get("file"), (case["case"], a)
    return a


def check_negative(case):
    alerts, err = replay(case)
    assert alerts == [], (case["case"], alerts)
    if case.get("negative_reason") == "allowed":
        assert "1 allowed" in err, err
        # Without the allow entry the same capture is a leak.
        alerts, _ = replay(case, {"allow": []})
        assert len([a for a in alerts if a["update"] == 0]) == 1, alerts


def manifest():
    with open(os.path.join(CORPUS, "manifest.json")) as f:
        return json.load(f)


def case_named(name):
    return [c for c in manifest() if c["case"] == name][0]


def test_learn_mode_records_destinations_instead_of_alerting():
    case = case_named("http_multipart_mp4")
    dpath = os.path.join(WORK, "learn.dests")
    alerts, _ = replay(case, {"mode": "learn"}, ("--destinations", dpath))
    assert alerts == [], alerts
    with open(dpath) as f:
        dests = [json.loads(line) for line in f]
    assert len(dests) == 1, dests
    d = dests[0]
    assert d["remote_ip"] == case["remote_ip"] and d["remote_name"] == case["remote_name"], d
    assert d["lan_hosts"] == [case["lan_ip"]] and d["video"] is True, d
    assert abs(d["bytes"] - case["payload_bytes_out"]) <= case["payload_bytes_out"] / 100, d


def test_threshold_zero_acts_at_first_proof():
    case = case_named("http_small_mp4")
    alerts, _ = replay(case, {"threshold_mb": 0})
    firsts = [a for a in alerts if a["update"] == 0]
    assert len(firsts) == 1 and firsts[0]["bytes_out"] < 1_000_000, alerts


def test_block_mode_says_block():
    case = case_named("rtmp_publish_flv")
    alerts, _ = replay(case, {"mode": "block"})
    assert alerts and all(a["action"] == "block" for a in alerts), alerts


def test_threshold_above_the_upload_is_silent():
    case = case_named("http_multipart_mp4")
    alerts, _ = replay(case, {"threshold_mb": 20})
    assert alerts == [], alerts


def test_bulk_kind_reports_a_large_clear_upload_without_video():
    case = case_named("http_post_random")
    alerts, _ = replay(case, {"bulk": True})
    firsts = [a for a in alerts if a["update"] == 0]
    assert len(firsts) == 1, alerts
    a = firsts[0]
    assert a["kind"] == "bulk" and a["video"] is None and a["remote_ip"] == case["remote_ip"], a
    assert abs(alerts[-1]["bytes_out"] - case["payload_bytes_out"]) <= case["payload_bytes_out"] / 100
    # HTTPS stays silent even with bulk on: encrypted bytes are never charged.
    alerts, _ = replay(case_named("https_post_mp4"), {"bulk": True})
    assert alerts == [], alerts


def test_bulk_then_video_on_the_same_pair_gives_a_video_alert():
    case = case_named("http_multipart_mp4")
    alerts, _ = replay(case, {"bulk": True})
    kinds = [(a["kind"], a["update"]) for a in alerts]
    assert ("video", 0) in kinds, alerts


def test_block_mode_cuts_the_upload_with_resets_both_ways():
    """Replay in block mode, recording what leaktap forwards and injects:
    the upload stops within threshold + 1 MiB, and each end gets a reset
    whose sequence number is exactly the one it expects next."""
    from scapy.all import IP, IPv6, TCP, PcapReader
    case = case_named("http_multipart_mp4")
    out = os.path.join(WORK, "block.out.pcap")
    alerts, err = replay(case, {"mode": "block", "threshold_mb": 10}, ("--out", out))
    assert alerts and alerts[0]["action"] == "block", alerts
    lan, rem = case["lan_ip"], case["remote_ip"]
    sent = 0
    next_seq = {}
    resets = []
    for p in PcapReader(out):
        if IP not in p or TCP not in p:
            continue
        ip, t = p[IP], p[TCP]
        key = (ip.src, ip.dst)
        if t.flags & 0x04:
            resets.append((key, t.seq, next_seq.get(key)))
            continue
        n = len(t.payload) + (1 if t.flags & 0x03 else 0)
        next_seq[key] = max(next_seq.get(key, 0), t.seq + n)
        if key == (lan, rem):
            sent += len(t.payload)
    assert sent <= 10_000_000 + 1024 * 1024, sent
    assert sent < case["payload_bytes_out"] - 1_000_000, sent
    to_server = [r for r in resets if r[0] == (lan, rem)]
    to_client = [r for r in resets if r[0] == (rem, lan)]
    assert to_server and to_client, resets
    # The first reset each way carries exactly the next sequence number.
    assert to_server[0][1] == to_server[0][2], to_server[:2]
    assert to_client[0][1] == to_client[0][2], to_client[:2]
    assert "resets sent" in err


def test_quarantine_refuses_a_second_attempt():
    """Two uploads to the same remote in one capture (the lab's four chunk
    connections): after the block, later connections get a reset at once."""
    case = case_named("http_chunked_posts")
    out = os.path.join(WORK, "quarantine.out.pcap")
    alerts, err = replay(case, {"mode": "block", "threshold_mb": 2, "quarantine_s": 600},
                         ("--out", out))
    assert alerts and alerts[0]["action"] == "block", alerts
    from scapy.all import IP, TCP, PcapReader
    syns, rst_to_client_ports = set(), set()
    for p in PcapReader(out):
        if IP in p and TCP in p:
            t = p[TCP]
            if p[IP].src == case["lan_ip"] and t.flags & 0x02:
                syns.add(t.sport)
            if p[IP].dst == case["lan_ip"] and t.flags & 0x04:
                rst_to_client_ports.add(t.dport)
    # Every connection after the blocked one was refused: its SYN was
    # dropped (not forwarded) and answered with a reset.
    assert len(rst_to_client_ports) >= 2, (syns, rst_to_client_ports)


def main():
    flt = sys.argv[1] if len(sys.argv) > 1 else ""
    tests = []
    for case in manifest():
        fn = check_positive if case["positive"] else check_negative
        tests.append((f"{'positive' if case['positive'] else 'negative'}_{case['case']}",
                      lambda c=case, f=fn: f(c)))
    tests += [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    passed = failed = 0
    for name, fn in tests:
        if flt not in name:
            continue
        try:
            fn()
            passed += 1
            print(f"PASS {name}")
        except Exception:
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
