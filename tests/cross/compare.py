#!/usr/bin/python3
"""The cross-built image against the native one, on the same inputs.

Each input is replayed by both binaries with the same config; the exit code,
the alerts, the flow records, the deterministic lines of the summary, and
(on failure) the one-line error must be the same. Fields that depend on
when the program ran rather than on the capture are left out: `ts` of an
alert, `first_seen`/`last_seen` of a flow, and the summary's elapsed time,
throughput and memory lines. --check-config and usage errors are compared
the same way (exit code, stdout, stderr).

  compare.py NATIVE CROSS [name-filter]

NATIVE and CROSS are commands (CROSS usually a qemu-aarch64 wrapper).
Inputs: nDPI's test captures (build/ndpi/tests/pcap, from tools/bootstrap)
with threshold_mb 0 (so the video path acts on every proof); the lab corpus (build/lab/corpus, from
tests/lab/make_corpus.sh) with its office config and each case's own; the
captures tests/replay/test_replay.py wrote (build/test-replay); the config
corpus tests/corpus/cfg. A missing input set is a failure, never a skip.
Ends with "N passed, N failed".
"""
import glob
import json
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(TOP, "build/test-cross")
NDPI = os.path.join(TOP, "build/ndpi/tests/pcap")
CORPUS = os.path.join(TOP, "build/lab/corpus")
REPLAY = os.path.join(TOP, "build/test-replay")
CFGS = os.path.join(TOP, "tests/corpus/cfg")
OFFICE = {"local_nets": ["10.77.0.0/26", "fd77::/120"]}
IGNORED = {"ts", "first_seen", "last_seen"}
SUMMARY_KEEP = ("frames ", "flows ", "detection:", "top applications", "video:", "encrypted:")


def records(path):
    """JSON lines of an output file without the run-time fields, or None."""
    if not os.path.exists(path):
        return None
    out = []
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            out.append({k: v for k, v in rec.items() if k not in IGNORED})
    return out


def summary(stderr):
    return [ln for ln in stderr.splitlines() if ln.startswith(SUMMARY_KEEP)]


def replay(cmd, tag, pcap, cfg):
    """Run one binary on one capture; everything the comparison looks at."""
    base = os.path.join(WORK, tag)
    for ext in (".alerts", ".flows"):
        if os.path.exists(base + ext):
            os.unlink(base + ext)
    args = [*cmd, "--replay", pcap, "--alerts", base + ".alerts", "--flows", base + ".flows"]
    if cfg is not None:
        args += ["--config", cfg]
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    err = [ln for ln in p.stderr.splitlines() if ln.startswith("leaktap: ")]
    return {"rc": p.returncode, "alerts": records(base + ".alerts"),
            "flows": records(base + ".flows"), "summary": summary(p.stderr),
            "errors": err if p.returncode != 0 else []}


def first_difference(a, b):
    for key in a:
        if a[key] != b[key]:
            if isinstance(a[key], list) and isinstance(b[key], list):
                for i, (x, y) in enumerate(zip(a[key], b[key])):
                    if x != y:
                        return f"{key}[{i}]: native {x!r} / cross {y!r}"
                return f"{key}: native has {len(a[key])}, cross {len(b[key])}"
            return f"{key}: native {a[key]!r} / cross {b[key]!r}"
    return None


class Run:
    def __init__(self, native, cross, flt):
        self.native, self.cross, self.flt = native, cross, flt
        self.passed = self.failed = 0
        self.alerts = 0

    def result(self, name, why):
        if why is None:
            self.passed += 1
            print(f"PASS {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}: {why}")
        sys.stdout.flush()

    def capture(self, name, pcap, cfg=None):
        if self.flt not in name:
            return
        try:
            a = replay(self.native, "native", pcap, cfg)
            b = replay(self.cross, "cross", pcap, cfg)
        except subprocess.TimeoutExpired:
            self.result(name, "timed out")
            return
        self.alerts += len(a["alerts"] or [])
        self.result(name, first_difference(a, b))

    def command(self, name, args):
        if self.flt not in name:
            return
        a = subprocess.run([*self.native, *args], capture_output=True, text=True, timeout=120)
        b = subprocess.run([*self.cross, *args], capture_output=True, text=True, timeout=120)
        got = [(p.returncode, p.stdout, p.stderr) for p in (a, b)]
        self.result(name, None if got[0] == got[1] else f"native {got[0]!r} / cross {got[1]!r}")

    def missing(self, name, what):
        self.result(name, f"{what} is missing")


def config_file(name, doc):
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def ndpi_captures(r):
    pcaps = sorted(glob.glob(os.path.join(NDPI, "*")))
    if len(pcaps) < 200:
        r.missing("ndpi", f"nDPI's captures in {NDPI} (run tools/bootstrap)")
        return
    t0 = config_file("threshold0", {"threshold_mb": 0})
    # threshold_mb 0 only: flows are the same under any threshold, and with
    # 0 every proof of video also goes through the policy and the alerts.
    for p in pcaps:
        r.capture("ndpi-t0/" + os.path.basename(p), p, t0)


def lab_corpus(r):
    mpath = os.path.join(CORPUS, "manifest.json")
    if not os.path.exists(mpath):
        r.missing("lab", f"{mpath} (run tests/lab/make_corpus.sh)")
        return
    with open(mpath) as f:
        cases = json.load(f)
    for case in cases:
        doc = dict(OFFICE)
        doc.update(case.get("config", {}))
        pcap = os.path.join(CORPUS, case["pcap"])
        r.capture("lab/" + case["case"], pcap, config_file("lab-" + case["case"], doc))
        # The same capture in block mode with a low threshold: verdicts,
        # resets and quarantine decisions must match too.
        doc.update({"mode": "block", "threshold_mb": 2})
        r.capture("lab-block/" + case["case"], pcap, config_file("labb-" + case["case"], doc))


def replay_captures(r):
    pcaps = sorted(glob.glob(os.path.join(REPLAY, "*.pcap")) +
                   glob.glob(os.path.join(REPLAY, "*.pcapng")))
    if not pcaps:
        r.missing("replay", f"captures in {REPLAY} (run tests/replay/test_replay.py)")
        return
    t0 = config_file("threshold0", {"threshold_mb": 0})
    for p in pcaps:
        r.capture("replay/" + os.path.basename(p), p, t0)


def configs(r):
    files = sorted(glob.glob(os.path.join(CFGS, "*.json")))
    if not files:
        r.missing("check-config", f"configs in {CFGS}")
        return
    big = os.path.join(WORK, "big.json")
    with open(big, "w") as f:
        f.write('{"allow": [' + ",".join(['"a.example"'] * 200000) + "]}")
    empty = os.path.join(WORK, "empty.json")
    open(empty, "w").close()
    extra = [big, empty, os.path.join(WORK, "does-not-exist.json")]
    for path in files + extra:
        r.command("check-config/" + os.path.basename(path), ["--check-config", path])
    for args in (["--bogus"], ["--replay"], [], ["--lan", "x"], ["--flows", "f"],
                 ["--replay", os.path.join(WORK, "does-not-exist.pcap")]):
        r.command("usage/" + " ".join(args), args)


def main():
    if len(sys.argv) < 3:
        print("usage: compare.py NATIVE CROSS [name-filter]", file=sys.stderr)
        return 2
    os.makedirs(WORK, exist_ok=True)
    r = Run([sys.argv[1]], [sys.argv[2]], sys.argv[3] if len(sys.argv) > 3 else "")
    configs(r)
    lab_corpus(r)
    replay_captures(r)
    ndpi_captures(r)
    if r.passed + r.failed == 0:
        r.result("inputs", f"no input matched '{r.flt}'")
    print(f"native alert lines compared: {r.alerts}")
    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
