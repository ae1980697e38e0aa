#!/usr/bin/python3
"""leaktap benchmarks (make bench). Every figure is measured in this run,
on this machine, against the reference in the same run; ratios, not
absolute numbers, are what to compare across machines.

1. Offline analysis speed: build/leaktap --replay vs ndpiReader -i on the
   same >= 200 MB capture built from nDPI's public test captures.
2. Memory: peak RSS with CONFIG_MAX_FLOWS concurrent flows (synthetic
   capture), and the per-flow cost.
Results are printed and written to docs/BENCHMARKS.md.
"""
import datetime
import glob
import os
import platform
import re
import struct
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(TOP, "build")
WORK = os.path.join(B, "bench")
LEAKTAP = os.path.join(B, "leaktap")
NDPI_PCAPS = os.path.join(B, "ndpi/tests/pcap")
MIN_BYTES = 200 * 1000 * 1000
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def config_value(name, default):
    try:
        with open(os.path.join(TOP, ".config")) as f:
            for line in f:
                if line.startswith(f"CONFIG_{name}="):
                    return int(line.split("=", 1)[1])
    except OSError:
        pass
    return default


def pcap_records(fname):
    """Yield (ts_sec, ts_usec, caplen, origlen, data) of a classic LE/BE pcap."""
    with open(fname, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        return None, []
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    link = struct.unpack(e + "I", data[20:24])[0]
    off, recs = 24, []
    while off + 16 <= len(data):
        s, u, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        if off + 16 + incl > len(data) or incl > 262144:
            break
        recs.append((s, u // 1000 if nano else u, incl, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return link, recs


def build_big_capture(path):
    """Concatenate nDPI's Ethernet captures, shifted in time so that each
    copy's flows have expired before the next starts, until >= 200 MB."""
    if os.path.exists(path) and os.path.getsize(path) >= MIN_BYTES:
        return
    sources = []
    for f in sorted(glob.glob(os.path.join(NDPI_PCAPS, "*.pcap"))):
        link, recs = pcap_records(f)
        if link == 1 and recs:
            sources.append(recs)
    if not sources:
        sys.exit("bench: no nDPI captures; run tools/bootstrap")
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        size, t = 24, 1_600_000_000
        while size < MIN_BYTES:
            for recs in sources:
                base = recs[0][0]
                last = t
                for s, u, incl, orig, data in recs:
                    ts = t + max(0, s - base)
                    last = max(last, ts)
                    out.write(struct.pack("<IIII", ts, u, incl, orig))
                    out.write(data)
                    size += 16 + incl
                t = last + 4000  # beyond every idle timeout
    os.rename(tmp, path)


def build_flows_capture(path, nflows):
    """nflows concurrent TCP flows from 256 office hosts: a SYN each, then
    a data packet each, so every flow is live (and classifying) at once."""
    if os.path.exists(path):
        return
    def frame(i, flags, payload):
        src = bytes([192, 168, 10 + (i >> 14) % 4, (i >> 8) % 64 + 1])
        dst = bytes([203, 0, 113, 1 + i % 200])
        sport = 1024 + (i & 0xFFFF) % 60000
        tcp = struct.pack(">HHIIBBHHH", sport, 8000 + (i >> 16), 1, 0, 0x50, flags, 8192, 0, 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF, 0, 64, 6, 0, src, dst)
        return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00" + ip + tcp
    with open(path + ".tmp", "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        t = 1_600_000_000
        for phase, (flags, payload) in enumerate(((0x02, b""), (0x18, b"\x00\x01binary-data"))):
            for i in range(nflows):
                f = frame(i, flags, payload)
                us = i * 10  # 100k frames/s of capture time
                out.write(struct.pack("<IIII", t + phase * 10 + us // 1000000, us % 1000000, len(f), len(f)))
                out.write(f)
    os.rename(path + ".tmp", path)


def measure(cmd):
    """Run cmd; return (wall seconds, peak RSS KiB, stderr)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return wall, ru.ru_maxrss, err


def frames_of(stderr):
    m = re.search(r"frames (\d+)", stderr)
    return int(m.group(1)) if m else 0


def main():
    os.makedirs(WORK, exist_ok=True)
    if not os.access(LEAKTAP, os.X_OK):
        sys.exit("bench: build/leaktap missing: run make")
    max_flows = config_value("MAX_FLOWS", 65536)
    big = os.path.join(WORK, "big.pcap")
    build_big_capture(big)
    size = os.path.getsize(big)

    lt, nd = [], []
    lt_rss = nd_rss = 0
    lt_err = ""
    for _ in range(RUNS):  # alternate so both see the same machine load
        w, r, lt_err = measure([LEAKTAP, "--replay", big])
        lt.append(w)
        lt_rss = max(lt_rss, r)
        w, r, _ = measure(["ndpiReader", "-i", big, "-q"])
        nd.append(w)
        nd_rss = max(nd_rss, r)
    frames = frames_of(lt_err)
    ratio = min(lt) / min(nd)

    flows_cap = os.path.join(WORK, f"flows{max_flows}.pcap")
    small_cap = os.path.join(WORK, "flows1024.pcap")
    build_flows_capture(flows_cap, max_flows)
    build_flows_capture(small_cap, 1024)
    _, rss_full, err_full = measure([LEAKTAP, "--replay", flows_cap])
    _, rss_small, _ = measure([LEAKTAP, "--replay", small_cap])
    peak = re.search(r"peak (\d+) live", err_full)
    mem = re.search(r"memory: (.*)", err_full)
    per_flow = (rss_full - rss_small) * 1024 / (max_flows - 1024)

    lines = [
        f"Measured {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores), release build, `make bench`.",
        "",
        "## Offline analysis speed (issue 2)",
        "",
        f"Capture: `build/bench/big.pcap`, {size / 1e6:.0f} MB, {frames} frames, built from the",
        "Ethernet captures of nDPI 4.2's `tests/pcap`, concatenated with time gaps beyond every idle timeout.",
        f"Best of {RUNS} alternating runs each.",
        "",
        "| tool | command | best wall time | peak RSS |",
        "| --- | --- | --- | --- |",
        f"| leaktap | `build/leaktap --replay big.pcap` | {min(lt):.3f} s | {lt_rss / 1024:.1f} MiB |",
        f"| ndpiReader 4.2 | `ndpiReader -i big.pcap -q` | {min(nd):.3f} s | {nd_rss / 1024:.1f} MiB |",
        "",
        f"**Ratio leaktap / ndpiReader (wall time): {ratio:.2f}** (target <= 1.0). "
        f"leaktap: {frames / min(lt) / 1e6:.2f} Mframes/s, {size * 8 / min(lt) / 1e9:.2f} Gbit/s of capture.",
        "",
        "## Memory per flow (issue 2)",
        "",
        f"Synthetic capture with {max_flows} concurrent TCP flows (SYN, then one data packet each, so",
        f"all are live and under classification at once): peak {peak.group(1) if peak else '?'} live flows.",
        "",
        f"- peak RSS with {max_flows} flows: {rss_full / 1024:.1f} MiB (target <= 128 MiB)",
        f"- peak RSS with 1024 flows: {rss_small / 1024:.1f} MiB",
        f"- RSS per flow (difference / flows): {per_flow:.0f} bytes, nDPI's state included while classifying",
        f"- leaktap's own state: {mem.group(1) if mem else '?'}",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(TOP, "docs/BENCHMARKS.md"), "w") as f:
        f.write("# Benchmarks\n\nProduced by `make bench` (tools/bench.py); rerun to refresh. "
                "Numbers from one run on a shared machine: compare the ratios.\n\n" + text)


if __name__ == "__main__":
    main()
