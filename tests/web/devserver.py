#!/usr/bin/python3
"""DEVELOPMENT TOOL, not the test target: serves firmware/web/ and a stand-in
of the appliance's JSON API (docs/api.md) with in-memory data, so the page
and tests/web/run.py can be developed before, and apart from, the firmware's
server. The browser tests are meant to be pointed at the real appliance.

    tests/web/devserver.py [--port 8443] [--otp ONE-TIME-PW] [--http]

HTTPS with a self-signed certificate made by openssl under build/web-dev/
(the appliance's certificate is self-signed too), unless --http.
Prints "devserver: ready https://127.0.0.1:PORT otp=..." once it listens.

Besides the API it has POST /dev/upload (no session): "an upload happened"
-> an alert, unless the remote is allowed or the mode is learn (then a
learn candidate). Body (all optional): {"lan_ip", "remote_ip",
"remote_name", "bytes"}.
"""
import argparse
import csv
import importlib.machinery
import importlib.util
import io
import ipaddress
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_loader = importlib.machinery.SourceFileLoader("embed", os.path.join(TOP, "tools", "embed"))
_spec = importlib.util.spec_from_loader("embed", _loader)
embed = importlib.util.module_from_spec(_spec)
_loader.exec_module(embed)

DEFAULTS = {
    "mode": "monitor", "threshold_mb": 10, "window_s": 600, "quarantine_s": 600,
    "fail_closed": False, "bulk": False,
    "local_nets": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
                   "fc00::/7", "fe80::/10"],
    "allow": [],
    "mgmt": {"dhcp": True, "address": "", "gateway": "", "dns": "", "hostname": "leaktap",
             "ntp": "", "from_wan": False},
    "syslog": {"host": "", "port": 514, "proto": "udp"},
    "mqtt": {"host": "", "port": 1883, "topic_prefix": "leaktap"},
}
LOCK_FAILS, LOCK_S, IDLE_S, MAX_SESSIONS = 5, 300, 900, 4
RE_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
                     r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
RE_LABEL = re.compile(r"^(?!\d+$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def now_iso(t=None):
    t = time.time() if t is None else t
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{int(t * 1000) % 1000:03d}Z"


# ---- configuration validation (the rules of docs/config.md, simplified) ----

def _is_addr(s):
    try:
        ipaddress.ip_address(s)
        return "%" not in s
    except ValueError:
        return False


def _is_host(s):
    s = s.lower().rstrip(".")
    if _is_addr(s):
        return True
    return bool(RE_NAME.match(s)) and not s.split(".")[-1].isdigit()


def _check_cidr(s):
    try:
        ipaddress.ip_network(s, strict=True)
        return None
    except ValueError as e:
        return "has host bits set" if "host bits" in str(e) else "is not a valid CIDR"


def _check_list(errs, key, v, cap, check):
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        errs[key] = "must be an array of strings"
        return
    if len(v) > cap:
        errs[key] = f"at most {cap} entries"
        return
    seen = {}
    for i, x in enumerate(v):
        why = "must not be empty" if x == "" else check(x)
        if why:
            errs[key] = f'[{i}] "{x}" {why}' if x else f"[{i}] {why}"
            return
        k = x.lower().rstrip(".")
        if k in seen:
            errs[key] = f'[{i}] "{x}" is a duplicate of {key}[{seen[k]}]'
            return
        seen[k] = i


def _check_allow(x):
    if x.startswith("*."):
        rest = x[2:].lower()
        if not RE_NAME.match(rest):
            return "is not a valid DNS suffix"
        return None if "." in rest else "a suffix needs at least two labels"
    if re.match(r"^[0-9.]+(/\d+)?$", x) or ":" in x or "/" in x:
        return _check_cidr(x) and "is not a valid address or CIDR"
    return None if _is_host(x) else "is not a valid DNS name"


def _int_in(v, lo, hi):
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _check_mgmt(errs, m):
    addr = m.get("address", "")
    if addr:
        mt = re.match(r"^(\d+\.\d+\.\d+\.\d+)/([1-9]\d?)$", addr)
        if not mt or not _is_addr(mt.group(1)) or int(mt.group(2)) > 32:
            errs["mgmt.address"] = f'"{addr}" is not an IPv4 address with prefix, e.g. 192.168.1.250/24'
    elif m.get("dhcp") is False:
        errs["mgmt.address"] = "required when mgmt.dhcp is false"
    gw = m.get("gateway", "")
    if gw and not (_is_addr(gw) and "." in gw):
        errs["mgmt.gateway"] = f'"{gw}" is not a unicast IPv4 address'
    dns = m.get("dns", "")
    if dns and not _is_addr(dns):
        errs["mgmt.dns"] = f'"{dns}" is not an IPv4 or IPv6 address'
    hn = m.get("hostname", "leaktap")
    if not isinstance(hn, str) or not RE_LABEL.match(hn.lower()):
        errs["mgmt.hostname"] = f"\"{hn}\" must be one DNS label: 1 to 63 of a-z, 0-9, '-'"
    ntp = m.get("ntp", "")
    if ntp and not _is_host(ntp):
        errs["mgmt.ntp"] = f'"{ntp}" is not a valid host name or address'


def validate(doc):
    """Errors {dotted key: message} and the full document with defaults filled in."""
    if not isinstance(doc, dict):
        return {"": "top level: must be a JSON object"}, None
    errs = {}
    full = json.loads(json.dumps(DEFAULTS))
    for k, v in doc.items():
        if k not in DEFAULTS:
            errs[k] = "unknown key"
        elif isinstance(DEFAULTS[k], dict):
            if not isinstance(v, dict):
                errs[k] = "must be an object"
                continue
            for sk, sv in v.items():
                if sk not in DEFAULTS[k]:
                    errs[f"{k}.{sk}"] = "unknown key"
                elif type(sv) is not type(DEFAULTS[k][sk]):
                    errs[f"{k}.{sk}"] = "has the wrong type"
                else:
                    full[k][sk] = sv
        else:
            full[k] = v
    if full["mode"] not in ("learn", "monitor", "block"):
        errs["mode"] = 'must be one of "learn", "monitor", "block"'
    t = full["threshold_mb"]
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1e6:
        errs["threshold_mb"] = "must be a number from 0 to 1000000"
    if not _int_in(full["window_s"], 1, 86400):
        errs["window_s"] = "must be an integer from 1 to 86400"
    if not _int_in(full["quarantine_s"], 0, 604800):
        errs["quarantine_s"] = "must be an integer from 0 to 604800"
    for b in ("fail_closed", "bulk"):
        if not isinstance(full[b], bool):
            errs[b] = "must be true or false"
    _check_list(errs, "local_nets", full["local_nets"], 32, _check_cidr)
    _check_list(errs, "allow", full["allow"], 128, _check_allow)
    _check_mgmt(errs, full["mgmt"])
    for sec in ("syslog", "mqtt"):
        h = full[sec]["host"]
        if h and not _is_host(h):
            errs[f"{sec}.host"] = f'"{h}" is not a valid host name or address'
        if not _int_in(full[sec]["port"], 1, 65535):
            errs[f"{sec}.port"] = "must be from 1 to 65535"
    if full["syslog"]["proto"] not in ("udp", "tcp"):
        errs["syslog.proto"] = 'must be one of "udp", "tcp"'
    tp = full["mqtt"]["topic_prefix"]
    if not 1 <= len(tp.encode()) <= 64:
        errs["mqtt.topic_prefix"] = "must be 1 to 64 bytes long"
    elif tp.startswith("/") or re.search(r"[+#\x00-\x1f]", tp):
        errs["mqtt.topic_prefix"] = f"\"{tp}\" must not start with '/' or contain '+', '#'"
    if not errs:
        full["allow"] = [a.lower().rstrip(".") for a in full["allow"]]
        full["mgmt"]["hostname"] = full["mgmt"]["hostname"].lower()
    return errs, full


def _allowed(cfg, ip, name):
    for a in cfg["allow"]:
        if name and (a == name or (a.startswith("*.") and name.endswith(a[1:]))):
            return True
        try:
            if ipaddress.ip_address(ip) in ipaddress.ip_network(a, strict=False):
                return True
        except ValueError:
            pass
    return False


# ---- the appliance's state -----------------------------------------------

class Device:
    def __init__(self, otp):
        self.lock = threading.Lock()
        self.t0 = time.time()
        self.otp = otp
        self.pw = None  # None: first boot, only the one-time password works
        self.sessions = {}
        self.fails = {}
        self.cfg = json.loads(json.dumps(DEFAULTS))
        self.alerts = []
        self.next_id = 1
        self.candidates = {}
        self.rejected = set()
        self.thr_in = [int(4e6 + 3e6 * ((i * 37) % 11) / 11) for i in range(30)]
        self.thr_out = [int(5e5 + 4e5 * ((i * 53) % 7) / 7) for i in range(30)]
        for i, (lan, ip, name, vid) in enumerate([
                ("192.168.1.23", "198.51.100.7", "media.example.net", "mp4"),
                ("192.168.1.42", "203.0.113.80", None, "rtmp")]):
            self.add_alert(lan, ip, name, 25_000_000 + i * 7_000_000, vid,
                           ts=time.time() - 3600 + i * 600)

    def add_alert(self, lan, ip, name, nbytes, video="mp4", ts=None):
        ts = time.time() if ts is None else ts
        block = self.cfg["mode"] == "block"
        a = {"alert_id": self.next_id, "update": 0, "ts": now_iso(ts), "first_ts": now_iso(ts),
             "lan_ip": lan, "lan_mac": "02:77:00:00:00:10", "remote_ip": ip, "remote_port": 80,
             "remote_name": name, "l4": "tcp", "app": "HTTP", "kind": "video", "video": video,
             "evidence": "MP4 (ftyp isom, video track) in multipart POST body",
             "bytes_out": nbytes, "action": "block" if block else "alert",
             "codec": "h264", "resolution": "1280x720", "file": "clip.mp4", "acked": False,
             "_t": ts}
        self.next_id += 1
        self.alerts.insert(0, a)
        return a

    def status(self):
        up = time.time() - self.t0
        f = int(up * 1500) + 120000
        port = lambda rx, tx: {"link": True, "speed_mbps": None, "rx_frames": rx,
                               "rx_bytes": rx * 800, "tx_frames": tx, "tx_bytes": tx * 800,
                               "tx_errors": 0, "drops": 0}
        q = [{"alert_id": a["alert_id"], "lan_ip": a["lan_ip"], "remote_ip": a["remote_ip"],
              "remote_name": a["remote_name"],
              "remaining_s": int(a["_t"] + self.cfg["quarantine_s"] - time.time())}
             for a in self.alerts if a["action"] == "block"
             and a["_t"] + self.cfg["quarantine_s"] > time.time()]
        return {
            "version": "0.6.0-dev", "board": "devserver", "uptime_s": int(up) + 3600,
            "ports": {"lan": port(f, f + 17), "wan": port(f + 17, f)},
            "engine": {"frames": 2 * f, "bytes": 1600 * f, "ip": 2 * f - 155, "non_ip": 155,
                       "fragments": 0, "malformed": 0, "unflowed": 0,
                       "blocked": sum(1 for a in self.alerts if a["action"] == "block") * 3,
                       "resets": 0, "shed": 0},
            "forward": {"frames": 2 * f, "errors": 0, "dropped": 0, "injected": 0},
            "flows": {"active": 40 + int(up) % 9, "peak": 97, "hosts": 9, "created": 5120,
                      "expired": 5070, "evicted": 0, "refused": 0},
            "throughput": {"interval_s": 60, "in": self.thr_in[-60:], "out": self.thr_out[-60:]},
            "quarantines": q,
            "alerts": {"total": len(self.alerts),
                       "unacked": sum(1 for a in self.alerts if not a["acked"])},
            "leds": {"power": {"pattern": "on", "lit": True},
                     "alert": {"pattern": "fast" if any(not a["acked"] for a in self.alerts)
                               else "off", "lit": False},
                     "fault": {"pattern": "off", "lit": False, "causes": []}},
            "mgmt": {"address": "127.0.0.1/8", "dhcp": self.cfg["mgmt"]["dhcp"],
                     "gateway": None, "hostname": self.cfg["mgmt"]["hostname"],
                     "mac": "02:00:5e:10:00:01", "time_synced": True},
            "mode": self.cfg["mode"], "sessions": len(self.sessions),
        }

    def destinations(self):
        out = {}
        for c in self.candidates.values():
            out[c["remote_ip"]] = dict(c, source=["learn"], alerts=0)
        for a in reversed(self.alerts):
            d = out.setdefault(a["remote_ip"], {
                "remote_ip": a["remote_ip"], "remote_name": a["remote_name"], "lan_hosts": [],
                "bytes": 0, "video": True, "first_seen": a["first_ts"], "last_seen": a["ts"],
                "source": [], "alerts": 0})
            if "alert" not in d["source"]:
                d["source"].append("alert")
            d["alerts"] += 1
            d["bytes"] += a["bytes_out"]
            d["last_seen"] = a["ts"]
            if a["lan_ip"] not in d["lan_hosts"]:
                d["lan_hosts"].append(a["lan_ip"])
        lst = [dict(d, allowed=_allowed(self.cfg, d["remote_ip"], d["remote_name"]))
               for ip, d in out.items() if ip not in self.rejected]
        return {"destinations": lst, "count": len(lst)}


ALERT_PARAMS = ("id", "lan", "remote", "kind", "video", "action", "acked", "limit")


def filter_alerts(alerts, q, default_limit=100):
    for k in q:
        if k not in ALERT_PARAMS:
            raise ValueError((k, f"{k}: unknown parameter"))
    g = {k: v[0] for k, v in q.items()}
    if g.get("acked", "0") not in ("0", "1"):
        raise ValueError(("acked", "acked: must be 0 or 1"))
    if g.get("kind", "video") not in ("video", "bulk"):
        raise ValueError(("kind", "kind: must be video or bulk"))
    if g.get("action", "alert") not in ("alert", "block"):
        raise ValueError(("action", "action: must be alert or block"))
    for k in ("id", "limit"):
        if k in g and not g[k].isdigit():
            raise ValueError((k, f"{k}: must be a number"))
    out = []
    for a in alerts:
        r = g.get("remote", "").lower()
        if ("id" in g and a["alert_id"] != int(g["id"])) or \
           ("lan" in g and a["lan_ip"] != g["lan"]) or \
           (r and a["remote_ip"] != r and r not in (a["remote_name"] or "").lower()) or \
           ("kind" in g and a["kind"] != g["kind"]) or \
           ("video" in g and a["video"] != g["video"]) or \
           ("action" in g and a["action"] != g["action"]) or \
           ("acked" in g and a["acked"] != (g["acked"] == "1")):
            continue
        out.append({k: v for k, v in a.items() if not k.startswith("_")})
    lim = int(g["limit"]) if "limit" in g else default_limit
    return out[:lim] if lim else out


CSV_COLS = ("alert_id,ts,lan_ip,lan_mac,remote_ip,remote_port,remote_name,app,kind,video,mb,"
            "action,acked,evidence,file").split(",")


def alerts_csv(alerts):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLS)
    for a in alerts:
        row = []
        for c in CSV_COLS:
            v = f"{a['bytes_out'] / 1e6:.3f}" if c == "mb" else a.get(c)
            v = "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            row.append("'" + v if v[:1] in ("=", "+", "-", "@") else v)
        w.writerow(row)
    return buf.getvalue()


# ---- HTTP -------------------------------------------------------------------

class Http(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


# method, path -> (handler name, needs session, allowed for must-change)
ROUTES = {
    ("POST", "/api/login"): ("login", False, True),
    ("POST", "/api/logout"): ("logout", True, True),
    ("GET", "/api/session"): ("session", True, True),
    ("POST", "/api/password"): ("password", True, True),
    ("GET", "/api/status"): ("status", True, False),
    ("GET", "/api/system"): ("system", True, False),
    ("GET", "/api/alerts"): ("alerts", True, False),
    ("GET", "/api/alerts.json"): ("alerts_json", True, False),
    ("GET", "/api/alerts.csv"): ("alerts_csv", True, False),
    ("POST", "/api/alerts/ack"): ("ack", True, False),
    ("POST", "/api/allow"): ("allow", True, False),
    ("GET", "/api/config"): ("config", True, False),
    ("PUT", "/api/config"): ("config_put", True, False),
    ("GET", "/api/config/backup"): ("backup", True, False),
    ("POST", "/api/config/restore"): ("config_put", True, False),
    ("GET", "/api/destinations"): ("destinations", True, False),
    ("POST", "/api/destinations/reject"): ("reject", True, False),
    ("POST", "/api/reboot"): ("reboot", True, False),
    ("POST", "/api/factory-reset"): ("factory_reset", True, False),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "leaktap-devserver"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def send(self, status, body, ctype="application/json", headers=None):
        data = body if isinstance(body, bytes) else \
            (json.dumps(body) if ctype == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", "default-src 'self'")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def dispatch(self, method):
        u = urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        self.raw = self.rfile.read(n) if n else b""
        self.query = parse_qs(u.query, keep_blank_values=True)
        try:
            if u.path == "/dev/upload" and method == "POST":
                return self.dev_upload()
            if not u.path.startswith("/api/"):
                return self.asset(method, u.path)
            with self.server.dev.lock:
                name, self.sess = self.route(method, u.path)
                getattr(self, "api_" + name)()
        except Http as e:
            hdr = dict(e.headers)
            if u.path.startswith("/api/"):
                hdr["Cache-Control"] = "no-store"
            if isinstance(e.body, tuple):  # (content type, text)
                return self.send(e.status, e.body[1], e.body[0], hdr)
            self.send(e.status, e.body, headers=hdr)

    def asset(self, method, path):
        if method not in ("GET", "HEAD"):
            raise Http(405, {"error": "method not allowed"}, {"Allow": "GET, HEAD"})
        a = self.server.assets.get("/" if path == "/index.html" else path)
        if a is None:
            raise Http(404, {"error": "not found"})
        if self.headers.get("If-None-Match") == a["etag"]:
            self.send_response(304)
            self.send_header("ETag", a["etag"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        hdr = {"ETag": a["etag"], "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            hdr["Content-Encoding"] = "gzip"
            return self.send(200, a["gz"], a["type"], hdr)
        self.send(200, a["raw"], a["type"], hdr)

    def route(self, method, path):
        dev = self.server.dev
        methods = [m for (m, p) in ROUTES if p == path]
        if not methods:
            raise Http(404, {"error": "no such endpoint"})
        if method not in methods:
            raise Http(405, {"error": "method not allowed"}, {"Allow": ", ".join(methods)})
        name, need, mc_ok = ROUTES[(method, path)]
        if not need:
            return name, None
        tok = ""
        for part in (self.headers.get("Cookie") or "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "lt_session":
                tok = v
        s = dev.sessions.get(tok)
        if not s or time.time() - s["last"] > IDLE_S:
            dev.sessions.pop(tok, None)
            raise Http(401, {"error": "not logged in"})
        s["last"] = time.time()
        if method not in ("GET", "HEAD") and \
                not secrets.compare_digest(self.headers.get("X-CSRF-Token", ""), s["csrf"]):
            raise Http(403, {"error": "CSRF token missing or wrong"})
        if s["must_change"] and not mc_ok:
            raise Http(403, {"error": "password change required"})
        s["tok"] = tok
        return name, s

    def body(self):
        try:
            b = json.loads(self.raw or b"null")
        except ValueError:
            raise Http(400, {"error": "body is not JSON", "field": ""})
        if not isinstance(b, dict):
            raise Http(400, {"error": "body must be a JSON object", "field": ""})
        return b

    # -- authentication --
    def api_login(self):
        dev, src = self.server.dev, self.client_address[0]
        b = self.body()
        pw = b.get("password")
        if not isinstance(pw, str):
            raise Http(400, {"error": "password: missing or not a string", "field": "password"})
        fails = [t for t in dev.fails.get(src, []) if time.time() - t < LOCK_S]
        if len(fails) >= LOCK_FAILS:
            retry = int(LOCK_S - (time.time() - fails[-1]))
            raise Http(429, {"error": "too many failed logins, try again later", "retry_s": retry},
                       {"Retry-After": str(retry)})
        must = dev.pw is None
        good = secrets.compare_digest(pw.encode(), (dev.otp if must else dev.pw).encode())
        if not good:
            dev.fails[src] = fails + [time.time()]
            raise Http(401, {"error": "wrong password"})
        dev.fails.pop(src, None)
        if len(dev.sessions) >= MAX_SESSIONS:
            oldest = min(dev.sessions, key=lambda k: dev.sessions[k]["last"])
            if time.time() - dev.sessions[oldest]["last"] <= IDLE_S:
                raise Http(503, {"error": "too many sessions"})
            del dev.sessions[oldest]
        tok, csrf = secrets.token_hex(32), secrets.token_hex(32)
        dev.sessions[tok] = {"csrf": csrf, "must_change": must, "last": time.time()}
        raise Http(200, {"csrf": csrf, "must_change": must, "idle_s": IDLE_S}, {
            "Set-Cookie": f"lt_session={tok}; Path=/; HttpOnly; Secure; SameSite=Strict"})

    def api_logout(self):
        self.server.dev.sessions.pop(self.sess["tok"], None)
        raise Http(200, {"ok": True}, {
            "Set-Cookie": "lt_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"})

    def api_session(self):
        s = self.sess
        raise Http(200, {"logged_in": True, "must_change": s["must_change"], "csrf": s["csrf"],
                         "idle_s": IDLE_S})

    def api_password(self):
        dev, b = self.server.dev, self.body()
        old, new = b.get("old"), b.get("new")
        cur = dev.otp if dev.pw is None else dev.pw
        if not isinstance(old, str) or not secrets.compare_digest(old.encode(), cur.encode()):
            raise Http(400, {"error": "wrong password", "field": "old"})
        if not isinstance(new, str) or not 10 <= len(new) <= 128:
            raise Http(400, {"error": "new password must be 10 to 128 characters", "field": "new"})
        dev.pw = new
        me = self.sess["tok"]
        for k in [k for k in dev.sessions if k != me]:
            del dev.sessions[k]
        self.sess["must_change"] = False
        raise Http(200, {"ok": True})

    # -- documents --
    def api_status(self):
        raise Http(200, self.server.dev.status())

    def api_system(self):
        raise Http(200, {"version": "0.6.0-dev", "board": "devserver", "build": {
            "max_flows": 65536, "cfg_max_allow": 128, "cfg_max_nets": 32, "alog_ring": 256,
            "alog_max_kb": 1024, "auth_pbkdf2_iter": 200000, "auth_sessions": MAX_SESSIONS,
            "auth_idle_s": IDLE_S}})

    def _alerts(self, default_limit=100):
        dev = self.server.dev
        try:
            lst = filter_alerts(dev.alerts, self.query, default_limit)
        except ValueError as e:
            field, msg = e.args[0]
            raise Http(400, {"error": msg, "field": field})
        return {"alerts": lst, "count": len(lst), "total": len(dev.alerts),
                "unacked": sum(1 for a in dev.alerts if not a["acked"])}

    def api_alerts(self):
        raise Http(200, self._alerts())

    def api_alerts_json(self):
        raise Http(200, self._alerts(0), {
            "Content-Disposition": 'attachment; filename="leaktap-alerts.json"'})

    def api_alerts_csv(self):
        doc = self._alerts(0)
        raise Http(200, ("text/csv; charset=utf-8", alerts_csv(doc["alerts"])), {
            "Content-Disposition": 'attachment; filename="leaktap-alerts.csv"'})

    def api_ack(self):
        dev, b = self.server.dev, self.body()
        if b.get("all") is True or b.get("id") == 0:
            for a in dev.alerts:
                a["acked"] = True
        else:
            i = b.get("id")
            if not isinstance(i, int) or isinstance(i, bool) or i < 0:
                raise Http(400, {"error": "id: must be an alert id", "field": "id"})
            hit = [a for a in dev.alerts if a["alert_id"] == i]
            if not hit:
                raise Http(404, {"error": "no such alert"})
            hit[0]["acked"] = True
        raise Http(200, {"ok": True, "unacked": sum(1 for a in dev.alerts if not a["acked"])})

    def api_allow(self):
        dev, b = self.server.dev, self.body()
        if "alert_id" in b:
            hit = [a for a in dev.alerts if a["alert_id"] == b["alert_id"]]
            if not hit:
                raise Http(404, {"error": "no such alert"})
            entry = hit[0]["remote_name"] or hit[0]["remote_ip"]
        else:
            entry = b.get("entry")
            if not isinstance(entry, str) or _check_allow(entry):
                raise Http(400, {"error": "entry: not an address, prefix or host name",
                                 "field": "entry"})
        entry = entry.lower().rstrip(".")
        allow = list(dev.cfg["allow"])
        if b.get("remove") is True:
            if entry not in allow:
                raise Http(404, {"error": "no such entry"})
            allow.remove(entry)
            res = {"removed": True}
        else:
            res = {"added": entry not in allow}
            if res["added"]:
                allow.append(entry)
        if len(allow) > 128:
            raise Http(400, {"error": "allow: at most 128 entries", "field": "allow"})
        dev.cfg["allow"] = allow
        raise Http(200, dict(ok=True, entry=entry, allow=allow, **res))

    def api_config(self):
        raise Http(200, self.server.dev.cfg)

    def api_backup(self):
        raise Http(200, self.server.dev.cfg, {
            "Content-Disposition": 'attachment; filename="leaktap-config.json"'})

    def api_config_put(self):
        errs, full = validate(self.body())
        if errs:
            first = next(iter(errs))
            msg = f"{first}: {errs[first]}" if first else errs[first]
            raise Http(400, {"error": msg, "field": first, "errors": errs})
        self.server.dev.cfg = full
        raise Http(200, {"ok": True, "config": full})

    def api_destinations(self):
        raise Http(200, self.server.dev.destinations())

    def api_reject(self):
        ip = self.body().get("remote_ip")
        if not isinstance(ip, str) or not _is_addr(ip):
            raise Http(400, {"error": "remote_ip: not an address", "field": "remote_ip"})
        self.server.dev.rejected.add(ip)
        raise Http(200, {"ok": True})

    def api_reboot(self):
        self.server.dev.sessions.clear()
        raise Http(202, {"ok": True})

    def api_factory_reset(self):
        if self.body().get("confirm") != "factory-reset":
            raise Http(400, {"error": 'confirm: must be "factory-reset"', "field": "confirm"})
        otp = secrets.token_urlsafe(12)[:16]
        self.server.dev.__init__(otp)
        print(f"devserver: factory reset, otp={otp}", flush=True)
        raise Http(202, {"ok": True})

    def dev_upload(self):
        dev = self.server.dev
        try:
            b = json.loads(self.raw or b"{}")
            assert isinstance(b, dict)
        except (ValueError, AssertionError):
            raise Http(400, {"error": "body must be a JSON object"})
        lan = b.get("lan_ip", "192.168.1.23")
        ip = b.get("remote_ip", "198.51.100.99")
        name = b.get("remote_name", "upload.example.org")
        nbytes = int(b.get("bytes", 30_000_000))
        with dev.lock:
            if _allowed(dev.cfg, ip, name):
                raise Http(200, {"alert": None, "why": "allowed"})
            if dev.cfg["mode"] == "learn":
                dev.candidates[ip] = {"remote_ip": ip, "remote_name": name, "lan_hosts": [lan],
                                      "bytes": nbytes, "video": True, "first_seen": now_iso(),
                                      "last_seen": now_iso()}
                raise Http(200, {"alert": None, "why": "learn"})
            if nbytes < dev.cfg["threshold_mb"] * 1e6:
                raise Http(200, {"alert": None, "why": "under threshold"})
            a = dev.add_alert(lan, ip, name, nbytes)
            raise Http(200, {"alert": a["alert_id"], "action": a["action"]})


def make_cert(d):
    crt, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    if not (os.path.exists(crt) and os.path.exists(key)):
        os.makedirs(d, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30", "-subj",
                        "/CN=leaktap-devserver", "-keyout", key, "-out", crt],
                       check=True, capture_output=True)
    return crt, key


def main():
    ap = argparse.ArgumentParser(description="leaktap page development server (not the test target)")
    ap.add_argument("--port", type=int, default=8443)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--otp", default=None, help="one-time password (default: random, printed)")
    ap.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    ap.add_argument("--web", default=os.path.join(TOP, "firmware", "web"))
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    otp = a.otp or secrets.token_urlsafe(12)[:16]
    srv = ThreadingHTTPServer((a.bind, a.port), Handler)
    srv.daemon_threads = True
    srv.verbose = a.verbose
    srv.dev = Device(otp)
    srv.assets = {("/" if n == "index.html" else "/" + n): {
        "type": t, "raw": raw, "gz": gz, "etag": e.replace('\\"', '"')}
        for n, t, raw, gz, e in embed.load(a.web)}
    scheme = "http"
    if not a.http:
        crt, key = make_cert(os.path.join(TOP, "build", "web-dev"))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        scheme = "https"
    print(f"devserver: ready {scheme}://{a.bind}:{a.port} otp={otp}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
