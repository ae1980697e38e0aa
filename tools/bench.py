#!/usr/bin/python3
"""leaktap benchmarks (make bench). Every figure is measured in this run,
on this machine, against the reference in the same run; ratios, not
absolute numbers, are what to compare across machines.

1. Offline analysis speed: build/leaktap --replay vs ndpiReader -i on the
   same >= 200 MB capture built from nDPI's public test captures.
2. Memory: peak RSS with CONFIG_MAX_FLOWS concurrent flows (synthetic
   capture), and the per-flow cost.
3. Forwarding (tools/bench_forward.sh) and forwarding under a load of 50
   HTTPS clients on the web page (tools/bench_https.sh), in lab namespaces.
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


def flow_frame(i, flags, seq, ack, payload, reply=False):
    """Frame of flow i (office host 192.168.x.y -> 203.0.113.z:8000+)."""
    src = bytes([192, 168, 10 + (i >> 14) % 4, (i >> 8) % 64 + 1])
    dst = bytes([203, 0, 113, 1 + i % 200])
    sport, dport = 1024 + (i & 0xFFFF) % 60000, 8000 + (i >> 16)
    if reply:
        src, dst, sport, dport = dst, src, dport, sport
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 8192, 0, 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF, 0, 64, 6, 0, src, dst)
    macs = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"
    return macs + b"\x08\x00" + ip + tcp


def build_flows_capture(path, nflows, mode):
    """nflows concurrent TCP flows from 256 office hosts, none closed.
    mode "live": each flow completes a handshake and an HTTP exchange (so
    nDPI decides and its state is freed) before the next starts; at the
    end all nflows are live in the table. mode "classifying": every flow
    sends a SYN, then every flow one packet of unknown payload, so all
    nflows are under classification at the same time (the worst case)."""
    if os.path.exists(path):
        return
    get = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    if mode == "live":
        steps = [lambda i: flow_frame(i, 0x02, 1, 0, b""),
                 lambda i: flow_frame(i, 0x12, 7, 2, b"", True),
                 lambda i: flow_frame(i, 0x10, 2, 8, b""),
                 lambda i: flow_frame(i, 0x18, 2, 8, get),
                 lambda i: flow_frame(i, 0x18, 8, 2 + len(get), resp, True)]
        order = ((i, st) for i in range(nflows) for st in steps)
    else:
        steps = [lambda i: flow_frame(i, 0x02, 1, 0, b""),
                 lambda i: flow_frame(i, 0x18, 2, 0, b"\x00\x01binary-data")]
        order = ((i, st) for st in steps for i in range(nflows))
    with open(path + ".tmp", "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        t = 1_600_000_000
        for n, (i, st) in enumerate(order):
            f = st(i)
            us = n * 2  # 500k frames/s of capture time: all within the idle timeouts
            out.write(struct.pack("<IIII", t + us // 1000000, us % 1000000, len(f), len(f)))
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


def build_inputs(max_flows):
    """Build every input capture in a child process: reading the nDPI
    captures makes that process large, and a child forked from a large
    process inherits its peak RSS (Linux keeps the high-water mark across
    exec), which would falsify every RSS figure measured afterwards."""
    subprocess.run([sys.executable, os.path.abspath(__file__), "--build-inputs", str(max_flows)],
                   check=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--build-inputs":
        n = int(sys.argv[2])
        os.makedirs(WORK, exist_ok=True)
        build_big_capture(os.path.join(WORK, "big.pcap"))
        for mode in ("live", "classifying"):
            build_flows_capture(os.path.join(WORK, f"{mode}{n}.pcap"), n, mode)
            build_flows_capture(os.path.join(WORK, f"{mode}1024.pcap"), 1024, mode)
        return
    os.makedirs(WORK, exist_ok=True)
    if not os.access(LEAKTAP, os.X_OK):
        sys.exit("bench: build/leaktap missing: run make")
    max_flows = config_value("MAX_FLOWS", 65536)
    big = os.path.join(WORK, "big.pcap")
    build_inputs(max_flows)
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

    mem = {}
    for mode in ("live", "classifying"):
        _, full, err_full = measure([LEAKTAP, "--replay", os.path.join(WORK, f"{mode}{max_flows}.pcap")])
        _, _, err_small = measure([LEAKTAP, "--replay", os.path.join(WORK, f"{mode}1024.pcap")])
        peak = re.search(r"peak (\d+) live", err_full)
        states = re.search(r"peak (\d+) states", err_full)
        nostate = re.search(r"(\d+) not inspected", err_full)
        # Per flow: resident memory at the end of the run (flows still in the
        # table), 65536-flow run minus 1024-flow run. The peak is no use for
        # this: nDPI's start-up peak hides a small table.
        now_full = int(re.search(r"RSS now (\d+) KiB", err_full).group(1))
        now_small = int(re.search(r"RSS now (\d+) KiB", err_small).group(1))
        mem[mode] = dict(full=full, peak=peak.group(1) if peak else "?",
                         states=states.group(1) if states else "?",
                         nostate=nostate.group(1) if nostate else "?",
                         per_flow=(now_full - now_small) * 1024 / (max_flows - 1024))
    own = re.search(r"memory: (.*)", err_full)
    live, cls = mem["live"], mem["classifying"]

    # Issue 3: the video path's cost, on the lab corpus, against the same
    # binary with it turned off (what the foundation did), same run.
    subprocess.run([os.path.join(TOP, "tests/lab/make_corpus.sh")], check=True,
                   stdout=subprocess.DEVNULL)
    corpus = sorted(glob.glob(os.path.join(B, "lab/corpus/*.pcap")))
    lab_cfg = os.path.join(WORK, "lab.json")
    with open(lab_cfg, "w") as f:
        f.write('{"local_nets": ["10.77.0.0/26", "fd77::/120"]}')
    lab_bytes = sum(os.path.getsize(p) for p in corpus)
    on, off, on_loop, off_loop = [], [], [], []
    for _ in range(RUNS):
        for flag, acc, acc_loop in (([], on, on_loop), (["--no-video"], off, off_loop)):
            t = tl = 0.0
            for p in corpus:
                w, _, err = measure([LEAKTAP, "--replay", p, "--config", lab_cfg, *flag])
                t += w
                tl += float(re.search(r"elapsed ([0-9.]+) s", err).group(1))
            acc.append(t)
            acc_loop.append(tl)
    lab_ratio = min(on) / min(off)
    loop_ratio = min(on_loop) / min(off_loop)

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
        "## Video path cost on the lab corpus (issue 3)",
        "",
        f"{len(corpus)} captures of tests/lab/make_corpus.sh, {lab_bytes / 1e6:.0f} MB, replayed one by one",
        f"(best of {RUNS} alternating runs; each replay includes process start and nDPI init):",
        "",
        "| build/leaktap --replay | wall time of the processes | time in the packet loop (summary's elapsed) |",
        "| --- | --- | --- |",
        f"| with sniffers, names and policy | {min(on):.3f} s | {min(on_loop):.3f} s |",
        f"| `--no-video` (flows and applications only, the foundation's path) | {min(off):.3f} s | {min(off_loop):.3f} s |",
        "",
        f"**Ratio with / without the video path: {lab_ratio:.2f} in process wall time, "
        f"{loop_ratio:.2f} in the packet loop alone** (target <= 1.20).",
        "",
        "## Memory per flow (issue 2)",
        "",
        f"Synthetic captures of {max_flows} concurrent TCP flows from 256 office hosts, none closed,",
        "all within the idle timeouts, against the same capture with 1024 flows:",
        "",
        "| scenario | live flows at peak | nDPI states at peak | flows not inspected | peak RSS (target <= 128 MiB) | RSS growth per extra flow |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| live: handshake + HTTP exchange per flow, nDPI decides, state freed | {live['peak']} | "
        f"{live['states']} | {live['nostate']} | {live['full'] / 1024:.1f} MiB | {live['per_flow']:.0f} B |",
        f"| worst case: every flow still classifying (SYN, then unknown payload) | {cls['peak']} | "
        f"{cls['states']} | {cls['nostate']} | {cls['full'] / 1024:.1f} MiB | {cls['per_flow']:.0f} B |",
        "",
        f"leaktap's own state: {own.group(1) if own else '?'}. The flow table is allocated and",
        "touched at start, so live flows add no resident memory; what grows per flow is nDPI's",
        "state while it classifies. In the worst case nDPI 4.2 also",
        "allocates a 2 KiB TLS reassembly buffer for every TCP flow with payload that it is still",
        "classifying; it is returned when the flow's verdict is final (ndpi_free_flow_data).",
        "CONFIG_DET_POOL bounds how many flows are classified at once; flows beyond it are",
        "forwarded and counted, not inspected.",
        "",
    ]
    # Issue 4: forwarding through leaktap against the kernel bridge, same veths.
    subprocess.run([os.path.join(TOP, "tools/bench_forward.sh")], check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(B, "bench/forward.md")) as f:
        lines += ["", f.read().strip(), ""]
    # Issue 5: forwarding while 50 HTTPS clients load the appliance's page, same run.
    subprocess.run([os.path.join(TOP, "tools/bench_https.sh")], check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(B, "bench/https.md")) as f:
        lines += ["", f.read().strip(), ""]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(TOP, "docs/BENCHMARKS.md"), "w") as f:
        f.write("# Benchmarks\n\nProduced by `make bench` (tools/bench.py); rerun to refresh. "
                "Numbers from one run on a shared machine: compare the ratios.\n\n" + text)


if __name__ == "__main__":
    main()
