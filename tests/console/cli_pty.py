#!/usr/bin/python3
"""Drive the leaktap serial console through a pseudo-terminal.

    tests/console/cli_pty.py [--hangup-exits] [--no-password] [--timeout S] -- COMMAND [ARGS...]

Starts COMMAND with its stdin, stdout and stderr on the slave side of a new
pty (as native_sim's console is stdio), then types at it like a person on a
serial line: help, status, garbage bytes, an over-long line, config get/set
with good and bad values, allow add/del, alerts, ack, line editing keys,
Ctrl-C, and a refused factory-reset. Each check prints "ok NAME" or
"FAIL NAME: why"; the last line is "N passed, N failed" (tests/run reads
it). Exit status 0 only when nothing failed.

COMMAND is the real firmware once the board's main wires the console
(build/leaktap ...), or build/asan/tests/cli_host, the console alone over
an app stand-in. --hangup-exits also checks that COMMAND exits by itself
(status 0) when the terminal hangs up, which cli_host does; the firmware
keeps forwarding instead, so it is not asked of it. --no-password skips the
first-boot password check of the banner (a state directory that already has
a password). The status line is checked adaptively: one must appear, and
when it shows unacknowledged alerts, "ack" must bring a new one with
alerts=0.

Every wait is bounded (--timeout per answer, default 10 s) and the child is
killed at the end whatever happened.
"""
import os
import re
import select
import signal
import subprocess
import sys
import time

PROMPT = b"leaktap> "


class Console:
    def __init__(self, argv, timeout):
        self.timeout = timeout
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.buf = b""
        self.log = b""  # everything the console printed, for its status lines

    def statuses(self):
        return re.findall(rb"status: [^\r\n]*", self.log)

    def read_until(self, pattern, timeout=None):
        """Read until regex pattern (bytes) matches the unread output; return it or None."""
        deadline = time.monotonic() + (timeout or self.timeout)
        rx = re.compile(pattern, re.S)
        while True:
            m = rx.search(self.buf)
            if m:
                out = self.buf[:m.end()]
                self.buf = self.buf[m.end():]
                return out
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.master], [], [], left)
            if not r:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return None
            if not chunk:
                return None
            self.buf += chunk
            self.log += chunk

    def send(self, data):
        os.write(self.master, data)

    def drain(self, quiet=0.2, limit=2.0):
        """Read whatever the console prints by itself until it is quiet for a moment."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            r, _, _ = select.select([self.master], [], [], quiet)
            if not r:
                return
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.log += chunk

    def cmd(self, line):
        """Type one line (bytes) and return the output up to the next prompt, or None.

        A status line the console prints by itself ("\\r ESC[K status: ...
        prompt") can arrive around an answer; it is cut out so its prompt is
        not taken for the answer's end.
        """
        self.drain()
        self.buf = b""
        self.send(line + b"\r")
        end = re.escape(b"\n" + PROMPT) + b"|" + re.escape(b"confirm: ")
        status = re.compile(rb"\r\x1b\[K[^\r\n]*\r*\n" + re.escape(PROMPT))
        deadline = time.monotonic() + self.timeout
        out = b""
        while time.monotonic() < deadline:
            part = self.read_until(end, timeout=deadline - time.monotonic())
            if part is None:
                return None
            out += part
            if not status.search(out):
                return out
            out = status.sub(b"", out)
            if re.search(end, out):
                return out
        return None

    def close(self):
        try:
            os.close(self.master)
        except OSError:
            pass

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, why=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}: {why}")
        sys.stdout.flush()
        return ok


def has(out, text):
    return out is not None and text.encode() in out


def show(out):
    return repr(out[-400:]) if out is not None else "no answer (timeout or hangup)"


def run_checks(con, t, want_password):
    out = con.read_until(re.escape(PROMPT), timeout=max(con.timeout, 20))
    t.check("banner", has(out, "leaktap") and has(out, "management:"), show(out))
    if want_password:
        t.check("banner first-boot password", out is not None and re.search(
            rb"first-boot password: \S+", out) is not None, show(out))

    out = con.cmd(b"help")
    names = ["help", "status", "alerts", "ack", "config", "allow", "passwd-reset",
             "reboot", "factory-reset"]
    missing = [n for n in names if not has(out, n)]
    t.check("help lists every command", not missing, f"missing {missing}: {show(out)}")

    out = con.cmd(b"status")
    t.check("status", out is not None and re.search(rb"\n\w+: ", out) is not None
            and not has(out, "error"), show(out))

    out = con.cmd(b"\x00\xff\x01status\xfe")
    t.check("garbage bytes rejected", has(out, "error: invalid bytes"), show(out))
    out = con.cmd(b"help")
    t.check("alive after garbage", has(out, "passwd-reset"), show(out))

    out = con.cmd(b"a" * 5000)
    t.check("over-long line rejected", has(out, "error: line too long")
            and out.count(b"error") == 1, show(out))
    t.check("over-long line not echoed whole", out is not None and out.count(b"a") < 2000,
            f"{out.count(b'a') if out else 'no'} chars echoed")

    out = con.cmd(b"\x1b[A\x1b[B\x1b[Chel\x1b[Dp")
    t.check("arrow keys ignored", has(out, "passwd-reset") and not has(out, "error"),
            show(out))
    out = con.cmd(b"helx\x7fp")
    t.check("backspace edits", has(out, "passwd-reset"), show(out))
    out = con.cmd(b"reboot\x15help")
    t.check("ctrl-u clears the line", has(out, "passwd-reset") and con.proc.poll() is None,
            show(out))
    con.buf = b""
    con.send(b"reboot\x03")
    # A terminal with output processing on turns the console's CR LF into CR CR LF.
    out = con.read_until(rb"\^C\r+\n" + re.escape(PROMPT))
    t.check("ctrl-c clears the line, no signal", out is not None and con.proc.poll() is None,
            show(out))

    out = con.cmd(b"frobnicate")
    t.check("unknown command", has(out, "error: unknown command"), show(out))

    out = con.cmd(b"config get threshold_mb")
    t.check("config get", out is not None and re.search(rb"threshold_mb = \d+", out)
            is not None, show(out))
    out = con.cmd(b"config set threshold_mb 25")
    t.check("config set good value", has(out, "ok") and not has(out, "error"), show(out))
    out = con.cmd(b"config get threshold_mb")
    t.check("config set took effect", has(out, "threshold_mb = 25"), show(out))
    out = con.cmd(b"config set threshold_mb abc")
    t.check("config set bad value", has(out, "error:"), show(out))
    out = con.cmd(b"config set threshold_mb -5")
    t.check("config set negative value", has(out, "error:"), show(out))
    out = con.cmd(b"config get threshold_mb")
    t.check("bad value changed nothing", has(out, "threshold_mb = 25"), show(out))
    out = con.cmd(b"config get no_such_key")
    t.check("config get unknown key", has(out, "error:"), show(out))
    out = con.cmd(b"config set")
    t.check("config set without key", has(out, "error: usage"), show(out))
    con.cmd(b"config set threshold_mb 20")

    out = con.cmd(b"allow add 203.0.113.0/24")
    t.check("allow add", has(out, "ok") and not has(out, "error"), show(out))
    out = con.cmd(b"allow add 203.0.113.0/24")
    t.check("allow add twice", has(out, "error:") and has(out, "already"), show(out))
    out = con.cmd(b"allow del 203.0.113.0/24")
    t.check("allow del", has(out, "ok") and not has(out, "error"), show(out))
    out = con.cmd(b"allow del 203.0.113.0/24")
    t.check("allow del missing", has(out, "error:"), show(out))
    out = con.cmd(b"allow add")
    t.check("allow without name", has(out, "error: usage"), show(out))

    out = con.cmd(b"alerts 5")
    t.check("alerts", out is not None and not has(out, "error")
            and (has(out, "no alerts") or re.search(rb"#\d+ ", out) is not None), show(out))
    out = con.cmd(b"alerts 0")
    t.check("alerts bad count", has(out, "error: usage"), show(out))
    con.drain()
    before = con.statuses()
    t.check("status line printed", bool(before), "no 'status: ' line seen so far")
    out = con.cmd(b"ack")
    t.check("ack", has(out, "ok") and not has(out, "error"), show(out))
    if before and not re.search(rb"alerts=0\b", before[-1]):
        # Acknowledging every alert changes the status: a new line must say so.
        con.drain(quiet=0.5, limit=3.0)
        after = con.statuses()[len(before):]
        t.check("status line on change", any(re.search(rb"alerts=0\b", s) for s in after),
                f"after ack: {after!r}")
    out = con.cmd(b"ack banana")
    t.check("ack bad id", has(out, "error: usage"), show(out))

    out = con.cmd(b"factory-reset")
    t.check("factory-reset asks", has(out, "type yes to confirm"), show(out))
    out = con.cmd(b"no")
    t.check("factory-reset refused", has(out, "cancelled"), show(out))
    out = con.cmd(b"help")
    t.check("alive after refusal", has(out, "passwd-reset") and con.proc.poll() is None,
            show(out))


def main():
    args = sys.argv[1:]
    hangup_exits = False
    want_password = True
    timeout = 10.0
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--hangup-exits":
            hangup_exits = True
        elif a == "--no-password":
            want_password = False
        elif a == "--timeout" and args:
            timeout = float(args.pop(0))
        else:
            print(f"cli_pty.py: unknown option {a}", file=sys.stderr)
            return 2
    if not args or args[0] != "--" or len(args) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    argv = args[1:]
    t = Checks()
    try:
        con = Console(argv, timeout)
    except OSError as e:
        print(f"cli_pty.py: cannot start {argv[0]}: {e}", file=sys.stderr)
        return 2
    try:
        run_checks(con, t, want_password)
        if hangup_exits:
            con.close()
            try:
                rc = con.proc.wait(10)
            except subprocess.TimeoutExpired:
                rc = None
            t.check("exits 0 on hangup", rc == 0, f"exit status {rc}")
    finally:
        con.close()
        con.kill()
    print(f"{t.passed} passed, {t.failed} failed")
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
