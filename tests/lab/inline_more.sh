#!/usr/bin/env bash
# Inline lab test, part 2: leaktap as the appliance between the office switch
# and the router (tools/lab up NAME --appliance, NAME = lim<pid>), with real
# clients and servers: an RTMP publish cut in block mode, a flow-table flood
# beside a long transfer of another office host, and kill -9 with a state dir.
#
#   NAME-office  10.77.0.10 --o1-[br-lan]-upl--- lan0 [NAME-app: leaktap] wan0 ---upw-[br-wan]-i1-- NAME-internet
#   NAME-office2 10.77.0.11 --o2-/  (NAME-sw)                                       (NAME-sw)       10.77.0.53  dnsmasq
#                                                                                                   10.77.0.100-103 nginx :80 (POST sink)
#                                                                                                   10.77.0.102 nginx-rtmp :1935 rtmp.video.test
#                                                                                                   10.77.0.109 stream sink :9000 (Python)
#
# local_nets ["10.77.0.0/26", "fd77::/120"]: the office hosts (.10, .11) and
# the DNS server (.53) are local, the servers at .100+ are "the internet".
# Names come from the lab's dnsmasq, so leaktap sees the DNS answers.
#
# What is measured:
#  1 block mode (threshold_mb 10, quarantine_s 600): ffmpeg publishes a live
#    stream (lavfi testsrc2 + noise, H.264 at 10 Mbit/s, -re, planned 40 s)
#    with -f flv to rtmp://rtmp.video.test/live/x (nginx-rtmp). Checks:
#    ffmpeg exits non-zero with a reset / broken pipe well before 40 s (< 30 s);
#    the alert (update 0) says action block, kind video, video rtmp; the bytes
#    that reached the server <= 10^7 + 1 MiB. Bytes that reached the server =
#    the larger of (a) the in-order TCP payload span client -> server counted
#    from a tcpdump on the server's own interface (NAME-internet eth0: what its
#    TCP accepted, retransmissions counted once; a reset makes the kernel drop
#    unread queued data, so the application's count can be lower) and
#    (b) nginx-rtmp's access log bytes_received for the PUBLISH session.
#  2 flow-table flood (same block config): office2 (10.77.0.11) sends 40 MB of
#    random bytes at a steady 5 MB/s to a Python sink (SHA-256 returned and
#    compared), first alone (baseline), then again while the office PC
#    (10.77.0.10) sends 100,000 UDP datagrams to 100,000 distinct 5-tuples
#    (21 internet addresses x 4762 ports; plain UDP socket, paced at 8,000/s,
#    stops at 100k packets or 15 s). Checks: the flood sent >= 100,000 distinct
#    5-tuples; the transfer completes intact within its 45 s timeout (its
#    throughput and longest stall are reported, with and without the flood);
#    leaktap's summary at SIGTERM shows the table recycled flows (evicted > 0
#    or peak = CONFIG_MAX_FLOWS); exit 0, no sanitizer report.
#  3 kill -9 with --state-dir DIR (DIR/config.json: monitor, threshold_mb 0;
#    no --config): a curl -F POST of a real MP4 alerts (DIR/alerts.jsonl); a
#    second, rate-limited MP4 upload to another host alerts too and is still
#    flowing when leaktap gets SIGKILL; leaktap restarted with the same DIR:
#    alerts.jsonl starts with exactly the bytes it held before the kill, every
#    line is valid JSON, forwarding works again (ping), and a third upload's
#    alert is appended after the earlier ones; exit 0 on SIGTERM, no sanitizer
#    report. Whether the interrupted upload resumes across the restart is
#    reported.
#
# Usage (root): tests/lab/inline_more.sh   (LEAKTAP_BIN overrides the binary,
# default build/asan/leaktap). Output: PASS/FAIL lines, then
# "N passed, N failed"; exit 1 on any failure. Work files in
# build/lab/inline_more. Traffic stays between this run's namespaces; every
# client and server runs under `timeout`; every traffic loop is bounded in
# count and time; namespaces and processes are removed on exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh inline_more lim$$ build/lab/inline_more
M=$W/media
RTMP_SO=/usr/lib/nginx/modules/ngx_rtmp_module.so
THRESHOLD=10000000
MIB=1048576
MAX_FLOWS=$(awk '$2 == "CONFIG_MAX_FLOWS" { print $3 }' build/autoconf.h 2>/dev/null)
MAX_FLOWS=${MAX_FLOWS:-65536}

t_need ffmpeg nginx dnsmasq curl tcpdump ethtool ip ss flock pgrep
[ -f $RTMP_SO ] || t_bail "missing libnginx-mod-rtmp ($RTMP_SO)"
t_cleanup_more() { rm -rf "$W/nginx/tmp" 2>/dev/null; }
t_lock
rm -rf "${W:?}/log" "${W:?}/etc" "${W:?}/nginx" "${W:?}/dns" "${W:?}/state" "${W:?}/cap"
mkdir -p "$W"/{log,etc,nginx/tmp,dns,state,cap} "$M"
export LAB_DIR=$W/etc

# --- media ------------------------------------------------------------------------
# Two real MP4s (H.264, testsrc2 + noise so the bitrate is real): a ~3 MB clip
# and a ~8 MB recording that is uploaded at 1 MB/s (kill -9 lands mid-upload).
t_mp4 "$M/clip.mp4" 2 "$W/log/ffmpeg-media.log" -b:v 12M -maxrate 12M -bufsize 3M &&
	t_mp4 "$M/long.mp4" 4 "$W/log/ffmpeg-media.log" -b:v 16M -maxrate 16M -bufsize 4M || t_abort "ffmpeg (media) failed"
t_say "media: clip.mp4 $(stat -c %s "$M/clip.mp4") bytes, long.mp4 $(stat -c %s "$M/long.mp4") bytes"

# --- servers' private configuration ---------------------------------------------------
# Stream sink (test 2): per connection, read to EOF, answer "BYTES SHA256\n",
# append one JSON line (bytes, sha256, first/last byte times).
cat >"$W/ssink.py" <<'EOF'
import hashlib, json, socket, sys, threading, time
LOG = sys.argv[1]
lock = threading.Lock()
def handle(c, peer):
    h = hashlib.sha256(); n = 0; t0 = None; t1 = None; end = "eof"
    c.settimeout(30)
    try:
        while True:
            d = c.recv(262144)
            if not d:
                break
            if t0 is None: t0 = time.time()
            t1 = time.time(); n += len(d); h.update(d)
        c.sendall(b"%d %s\n" % (n, h.hexdigest().encode()))
    except OSError as e:
        end = "error " + str(e)
    c.close()
    with lock, open(LOG, "a") as f:
        f.write(json.dumps({"peer": "%s:%d" % peer[:2], "bytes": n, "sha256": h.hexdigest(),
                            "t_first": t0, "t_last": t1, "end": end}) + "\n")
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
h, _, p = sys.argv[2].rpartition(":"); s.bind((h, int(p))); s.listen(8)
print("ssink listening", flush=True)
while True:
    c, peer = s.accept()
    threading.Thread(target=handle, args=(c, peer), daemon=True).start()
EOF

# Paced stream client (test 2): TOTAL random bytes at RATE bytes/s in 64 KiB
# sends, then half-close and compare the sink's SHA-256 with its own. Bounded:
# TOTAL bytes, and the caller's timeout. Prints one JSON line; exit 0 = intact.
cat >"$W/pclient.py" <<'EOF'
import hashlib, json, os, socket, sys, time
host, port, total, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
data = os.urandom(total)
sha = hashlib.sha256(data).hexdigest()
mv = memoryview(data)
s = socket.create_connection((host, port), timeout=20)
t0 = time.monotonic(); sent = 0; stall = 0.0; late = 0.0
while sent < total:
    due = t0 + sent / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    else:
        late = max(late, now - due)
    a = time.monotonic()
    s.sendall(mv[sent:sent + 65536])
    stall = max(stall, time.monotonic() - a)
    sent += len(mv[sent:sent + 65536])
s.shutdown(socket.SHUT_WR)
reply = b""
while not reply.endswith(b"\n"):
    d = s.recv(256)
    if not d:
        break
    reply += d
t1 = time.monotonic()
parts = reply.decode().split()
r = {"bytes": sent, "secs": round(t1 - t0, 3), "MBps": round(sent / (t1 - t0) / 1e6, 2),
     "longest_send_s": round(stall, 3), "most_behind_s": round(late, 3), "sha256": sha,
     "server_bytes": int(parts[0]) if parts else None, "server_sha256": parts[1] if len(parts) > 1 else None}
r["intact"] = r["server_sha256"] == sha and r["server_bytes"] == total
print(json.dumps(r), flush=True)
sys.exit(0 if r["intact"] else 1)
EOF

# UDP flood (test 2): one datagram to each of N distinct 5-tuples (src
# 10.77.0.10:one port, dst 21 addresses x ports), paced at RATE/s; stops after
# N datagrams or T seconds, whichever first. Prints one JSON line.
cat >"$W/flood.py" <<'EOF'
import errno, json, socket, sys, time
N, T, RATE = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
addrs = ["10.77.0.%d" % i for i in range(100, 121)]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
# resolve the 21 neighbours first, so no datagram waits in an ARP queue
for a in addrs:
    s.sendto(b"arp", (a, 9))
time.sleep(0.3)
t0 = time.monotonic(); sent = 0; errs = 0; tuples = set()
while sent < N:
    now = time.monotonic()
    if now - t0 >= T:
        break
    ahead = sent - (now - t0) * RATE
    if ahead >= 0:
        time.sleep(min(0.01, (ahead + 1) / RATE))
        continue
    for _ in range(min(100, N - sent)):
        dst = (addrs[sent % len(addrs)], 1024 + sent // len(addrs))
        try:
            s.sendto(b"flood %d" % sent, dst)
        except OSError as e:
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                raise
            errs += 1
            time.sleep(0.001)
            break
        tuples.add(dst)
        sent += 1
dt = time.monotonic() - t0
print(json.dumps({"sent": sent, "distinct_5tuples": len(tuples), "secs": round(dt, 3),
                  "pps": round(sent / dt), "send_errors": errs, "src_port": s.getsockname()[1]}), flush=True)
EOF

t_nginx_head "$W/nginx/nginx.conf" "leaktap inline lab (more), with the RTMP module" "load_module $RTMP_SO;"
cat >>"$W/nginx/nginx.conf" <<EOF
    default_type application/octet-stream;
    log_format lab '\$remote_addr \$server_addr \$server_port \$host "\$request" \$status \$request_length \$body_bytes_sent';
    access_log $W/log/nginx-access.log lab;
    client_body_timeout 60s;
    server {
        listen 10.77.0.100:80;
        listen 10.77.0.101:80;
        listen 10.77.0.103:80;
        server_name _;
        client_max_body_size 64m;
        # POST sink: the whole body goes to a temp file, then a body-less answer.
        location /upload/ {
            client_body_in_file_only clean;
            client_body_buffer_size 1m;
            proxy_pass http://127.0.0.1:8081/stored;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
        }
    }
    server {
        listen 127.0.0.1:8081;
        access_log off;
        location / { return 200 "stored\n"; }
    }
}
rtmp {
    access_log $W/log/rtmp-access.log;
    server {
        listen 10.77.0.102:1935;
        chunk_size 4096;
        application live { live on; record off; }
    }
}
EOF
t_dnsmasq_conf "$W/dns/dnsmasq.conf" "$W/dns/dnsmasq.pid" "leaktap inline lab (more)" local-ttl=300 \
	host-record=upload.video.test,10.77.0.100 host-record=upload2.video.test,10.77.0.101 \
	host-record=rtmp.video.test,10.77.0.102 host-record=upload3.video.test,10.77.0.103 \
	host-record=stream.data.test,10.77.0.109 log-queries "log-facility=$W/log/dnsmasq.log"

cat >"$W/etc/block.json" <<EOF
{"mode": "block", "threshold_mb": 10, "quarantine_s": 600,
 "local_nets": ["10.77.0.0/26", "fd77::/120"]}
EOF
cat >"$W/state/config.json" <<EOF
{"mode": "monitor", "threshold_mb": 0,
 "local_nets": ["10.77.0.0/26", "fd77::/120"]}
EOF

# --- helpers ----------------------------------------------------------------------
office() { lab_exec "$NAME" office timeout -k 2 "$@"; }
office2() { lab_exec "$NAME" office2 timeout -k 2 "$@"; }
fsub() { $PY -c 'import sys; print("%.3f" % (float(sys.argv[1]) - float(sys.argv[2])))' "$1" "$2"; }
# Start leaktap in the appliance namespace; waits until it forwards.
start_leaktap() { # label leaktap-args...
	local label=$1
	shift
	t_lt_launch "$label" ip netns exec "$(t_ns app)" timeout -k 5 120 "$BIN" --lan lan0 --wan wan0 "$@"
	t_lt_forwarding 10.77.0.53
}
stop_leaktap() { # label: SIGTERM (timeout passes it on), wait (bounded), exit status, sanitizers
	t_lt_stop "$1" 150
	grep -E "^(frames|flows|detection|video)" "$lt_log" | sed 's/^/  leaktap: /'
	grep -E "^leaktap: forwarded" "$lt_log" | sed 's/^/  /'
}
udp_noports() { # UDP datagrams the internet namespace received for closed ports
	ip netns exec "$(t_ns internet)" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $3 }' /proc/net/snmp
}

# --- lab ----------------------------------------------------------------------------
lab_up "$NAME" --appliance || t_abort "tools/lab up failed"
t_start_server nginx internet 200 nginx -e "$W/log/nginx-error.log" -p "$W/nginx" -c "$W/nginx/nginx.conf" -g 'daemon off;'
t_start_server dnsmasq internet 200 dnsmasq -k -C "$W/dns/dnsmasq.conf" --user=root --group=root
t_start_server ssink internet 200 $PY "$W/ssink.py" "$W/log/ssink.jsonl" 10.77.0.109:9000
t_wait_port internet t 10.77.0.102:1935 && t_wait_port internet t 10.77.0.100:80 ||
	t_abort "nginx did not start ($(tail -n 1 "$W/log/nginx-error.log"))"
t_wait_port internet u 10.77.0.53:53 || t_abort "dnsmasq did not start"
t_wait_port internet t 10.77.0.109:9000 || t_abort "stream sink did not start"

# =====================================================================================
# 1. block mode: RTMP publish cut
# =====================================================================================
echo "== 1. block mode: RTMP publish (ffmpeg -> nginx-rtmp)"
# The server's view: its own interface, headers only.
ip netns exec "$(t_ns internet)" timeout -k 2 60 tcpdump -i eth0 -n -s 128 -B 16384 --immediate-mode \
	-w "$W/cap/rtmp.pcap" 'tcp port 1935' >"$W/log/tcpdump-rtmp.log" 2>&1 &
cap_pid=$!
PIDS+=("$cap_pid")
for _ in $(seq 50); do grep -q "listening on" "$W/log/tcpdump-rtmp.log" && break; sleep 0.1; done
grep -q "listening on" "$W/log/tcpdump-rtmp.log" || t_abort "tcpdump did not start"
start_leaktap block1 --config "$W/etc/block.json" ||
	t_abort "leaktap (block) did not start: $(tail -n 3 "$W/log/leaktap-block1.log")"
t_say "leaktap (block) forwarding, pid $lt_pid"

PLANNED=40
f_t0=$(t_now)
office 60 ffmpeg -nostdin -hide_banner -v error -re \
	-f lavfi -i "testsrc2=size=640x360:rate=30:duration=$PLANNED" -vf noise=alls=40:allf=t \
	-c:v libx264 -preset ultrafast -tune zerolatency -b:v 10M -minrate 10M -maxrate 10M -bufsize 2M \
	-g 30 -pix_fmt yuv420p -f flv rtmp://rtmp.video.test/live/x >"$W/log/ffmpeg-rtmp.log" 2>&1
f_rc=$?
f_t1=$(t_now)
f_secs=$(fsub "$f_t1" "$f_t0")
f_err=$(grep -v '^\s*$' "$W/log/ffmpeg-rtmp.log" | head -n 3 | tr '\n' '|' | cut -c1-300)
t_say "ffmpeg: exit $f_rc after $f_secs s of a planned $PLANNED s: $f_err"
if [ "$f_rc" != 0 ] && $PY -c 'import sys; sys.exit(not float(sys.argv[1]) < 30)' "$f_secs" &&
	grep -qiE 'connection reset|broken pipe' "$W/log/ffmpeg-rtmp.log"; then
	t_ok "rtmp: ffmpeg fails with a reset/broken pipe after $f_secs s (planned $PLANNED s)"
else
	t_ko "rtmp: ffmpeg fails with a reset/broken pipe well before $PLANNED s" "exit $f_rc after $f_secs s: $f_err"
fi

# nginx-rtmp logs the session when it ends (bounded wait)
for _ in $(seq 50); do grep -q 'PUBLISH' "$W/log/rtmp-access.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
kill -INT $cap_pid 2>/dev/null
for _ in $(seq 30); do kill -0 $cap_pid 2>/dev/null || break; sleep 0.1; done
rtmp_line=$(grep 'PUBLISH' "$W/log/rtmp-access.log" 2>/dev/null | grep '"x"' | tail -n 1)
nginx_rx=$(echo "$rtmp_line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "-" && $(i+1) ~ /^[0-9]+$/) { print $(i+1); exit } }')
t_say "nginx-rtmp access log: ${rtmp_line:-none}"
t_say "tcpdump (server side): $(grep -E 'captured|dropped' "$W/log/tcpdump-rtmp.log" | tr '\n' ' ')"
# In-order payload span client -> server from the server-side capture.
cat >"$W/span.py" <<'EOF'
import json, struct, sys
f = open(sys.argv[1], "rb"); cli, srv, sport = sys.argv[2], sys.argv[3], int(sys.argv[4])
gh = f.read(24)
end = "<" if gh[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
nano = gh[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
isn = None; top = 0; total = 0; pkts = 0; rst_to_srv = None; rst_to_cli = None; t_last_data = None
def ip(b): return ".".join(str(x) for x in b)
while True:
    h = f.read(16)
    if len(h) < 16: break
    ts, tu, cap, wire = struct.unpack(end + "IIII", h)
    d = f.read(cap)
    t = ts + tu / (1e9 if nano else 1e6)
    if len(d) < 34 or d[12:14] != b"\x08\x00": continue
    ihl = (d[14] & 15) * 4; tl = struct.unpack(">H", d[16:18])[0]
    if d[23] != 6: continue
    s, dd = ip(d[26:30]), ip(d[30:34]); o = 14 + ihl
    sp, dp, seq = struct.unpack(">HHI", d[o:o + 8]); off = (d[o + 12] >> 4) * 4; fl = d[o + 13]
    plen = tl - ihl - off
    if s == cli and dd == srv and dp == sport:
        if fl & 0x02: isn = seq
        if fl & 0x04 and rst_to_srv is None: rst_to_srv = t
        if isn is not None and plen > 0:
            rel = (seq - isn - 1) % (1 << 32)
            top = max(top, rel + plen); total += plen; pkts += 1; t_last_data = t
    elif s == srv and dd == cli and sp == sport and fl & 0x04 and rst_to_cli is None:
        rst_to_cli = t
print(json.dumps({"span": top, "payload_with_retx": total, "data_pkts": pkts, "rst_to_server": rst_to_srv,
                  "rst_to_client": rst_to_cli, "t_last_data": t_last_data}))
EOF
span=$($PY "$W/span.py" "$W/cap/rtmp.pcap" 10.77.0.10 10.77.0.102 1935 2>"$W/log/span.err")
t_say "server-side capture: ${span:-$(head -c 200 "$W/log/span.err")}"
cap_rx=$([ -n "$span" ] && t_jq "$span" 'r["span"]')
got=$(printf '%s\n%s\n' "${cap_rx:-0}" "${nginx_rx:-0}" | sort -n | tail -n 1)
if [ -n "$cap_rx" ] && [ -n "$nginx_rx" ] && [ "$got" -gt 0 ] && [ "$got" -le $((THRESHOLD + MIB)) ]; then
	t_ok "rtmp: server received $got bytes <= 10^7 + 1 MiB (TCP span at the server $cap_rx, nginx-rtmp bytes_received $nginx_rx)"
else
	t_ko "rtmp: server received <= 10^7 + 1 MiB" "TCP span at the server ${cap_rx:-?}, nginx-rtmp bytes_received ${nginx_rx:-?}"
fi
t_block_alert rtmp 10.77.0.102 rtmp
if [ -n "$alert" ]; then
	t_alert=$(t_ts_of "$alert")
	t_say "ffmpeg start -> crossing (alert ts): $(fsub "$t_alert" "$f_t0") s; crossing -> ffmpeg exit: $(fsub "$f_t1" "$t_alert") s"
	[ -n "$span" ] && [ "$(t_jq "$span" 'r["rst_to_server"]')" != None ] &&
		t_say "crossing -> reset seen at the server: $(fsub "$(t_jq "$span" 'r["rst_to_server"]')" "$t_alert") s"
fi
stop_leaktap "rtmp"

# =====================================================================================
# 2. flow-table flood beside a long transfer of another office host
# =====================================================================================
echo "== 2. flow-table flood (10.77.0.10) beside a 40 MB transfer (10.77.0.11)"
start_leaktap flood --config "$W/etc/block.json" ||
	t_abort "leaktap (flood) did not start: $(tail -n 3 "$W/log/leaktap-flood.log")"
XFER=40000000
XRATE=5000000
office2 45 $PY "$W/pclient.py" 10.77.0.109 9000 $XFER $XRATE >"$W/log/xfer-base.json" 2>"$W/log/xfer-base.err"
b_rc=$?
base=$(tail -n 1 "$W/log/xfer-base.json")
t_say "baseline transfer (no flood): exit $b_rc ${base:-$(head -c 200 "$W/log/xfer-base.err")}"

np0=$(udp_noports)
office2 45 $PY "$W/pclient.py" 10.77.0.109 9000 $XFER $XRATE >"$W/log/xfer-flood.json" 2>"$W/log/xfer-flood.err" &
x_pid=$!
PIDS+=("$x_pid")
sleep 1
office 25 $PY "$W/flood.py" 100000 15 8000 >"$W/log/flood.json" 2>"$W/log/flood.err"
fl_rc=$?
wait $x_pid
x_rc=$?
sleep 0.5
np1=$(udp_noports)
fl=$(tail -n 1 "$W/log/flood.json")
t_say "flood: exit $fl_rc ${fl:-$(head -c 200 "$W/log/flood.err")}; datagrams that reached the internet namespace (Udp NoPorts delta): $((np1 - np0))"
if [ "$fl_rc" = 0 ] && [ -n "$fl" ] && [ "$(t_jq "$fl" 'r["distinct_5tuples"] >= 100000 and r["secs"] <= 15.5')" = True ]; then
	t_ok "flood: $(t_jq "$fl" 'r["sent"]') datagrams to $(t_jq "$fl" 'r["distinct_5tuples"]') distinct 5-tuples in $(t_jq "$fl" 'r["secs"]') s"
else
	t_ko "flood: >= 100,000 distinct 5-tuples within 15 s" "exit $fl_rc: $fl"
fi
xf=$(tail -n 1 "$W/log/xfer-flood.json")
t_say "transfer during the flood: exit $x_rc ${xf:-$(head -c 200 "$W/log/xfer-flood.err")}"
if [ "$x_rc" = 0 ] && [ -n "$xf" ] && [ "$(t_jq "$xf" 'r["intact"]')" = True ]; then
	t_ok "flood: 10.77.0.11's 40 MB transfer completes intact during the flood ($(t_jq "$xf" 'r["MBps"]') MB/s, baseline ${base:+$(t_jq "$base" 'r["MBps"]')} MB/s)"
else
	t_ko "flood: 10.77.0.11's 40 MB transfer completes intact during the flood" "exit $x_rc: $xf"
fi
stop_leaktap "flood"
fline=$(grep -E '^flows [0-9]+ \(peak' "$lt_log")
evicted=$(echo "$fline" | sed -nE 's/.*evicted ([0-9]+).*/\1/p')
peak=$(echo "$fline" | sed -nE 's/.*\(peak ([0-9]+) live\).*/\1/p')
if [ -n "$fline" ] && { [ "${evicted:-0}" -gt 0 ] || [ "${peak:-0}" -ge "$MAX_FLOWS" ]; }; then
	t_ok "flood: flow table recycled (evicted $evicted, peak $peak of $MAX_FLOWS)"
else
	t_ko "flood: flow table recycled (evicted > 0 or peak = $MAX_FLOWS)" "${fline:-no flows line in $lt_log}"
fi
# The flood's one-packet flows must not hold every nDPI state: the states fed
# longest ago are taken back, so no flow goes uninspected for want of one.
dline=$(grep -E '^detection: ' "$lt_log")
nostate=$(echo "$dline" | sed -nE 's/.* ([0-9]+) not inspected.*/\1/p')
reclaimed=$(echo "$dline" | sed -nE 's/.* ([0-9]+) reclaimed.*/\1/p')
if [ "${nostate:-x}" = 0 ] && [ "${reclaimed:-0}" -gt 0 ]; then
	t_ok "flood: nDPI states reclaimed from the flood ($reclaimed), none refused"
else
	t_ko "flood: nDPI states reclaimed, none refused" "${dline:-no detection line in $lt_log}"
fi

# =====================================================================================
# 3. kill -9 during traffic, restart with the same state dir
# =====================================================================================
echo "== 3. kill -9 with --state-dir, restart"
S=$W/state
J=$S/alerts.jsonl
jlines() { cat "$J" 2>/dev/null | grep -c .; }
start_leaktap state1 --state-dir "$S" ||
	t_abort "leaktap (state dir) did not start: $(tail -n 3 "$W/log/leaktap-state1.log")"
grep -q 'mode monitor' "$lt_log" || t_say "note: leaktap did not report mode monitor: $(head -n 1 "$lt_log")"
c1=$(office 30 curl -sS -o /dev/null --max-time 20 -w '%{http_code}' -F "file=@$M/clip.mp4;type=video/mp4" \
	http://upload.video.test/upload/clip.mp4 2>"$W/log/curl1.err")
c1_rc=$?
for _ in $(seq 30); do [ "$(jlines)" -ge 1 ] && break; sleep 0.1; done
t_say "first upload: curl exit $c1_rc, http $c1; journal lines: $(jlines)"
if [ "$c1_rc" = 0 ] && grep -q '"remote_ip":"10.77.0.100"' "$J" 2>/dev/null; then
	t_ok "state: first MP4 upload alerts into DIR/alerts.jsonl"
else
	t_ko "state: first MP4 upload alerts into DIR/alerts.jsonl" "curl $c1_rc $c1; $(head -c 200 "$J" 2>/dev/null)"
fi
# the second upload, rate limited: ~8 s at 1 MB/s
c2_t0=$(t_now)
office 40 curl -sS -o /dev/null --max-time 35 --limit-rate 1M -w '%{http_code} %{size_upload} %{time_total}' \
	-F "file=@$M/long.mp4;type=video/mp4" http://upload2.video.test/upload/long.mp4 \
	>"$W/log/curl2.out" 2>"$W/log/curl2.err" &
c2_pid=$!
PIDS+=("$c2_pid")
for _ in $(seq 50); do grep -q '"remote_ip":"10.77.0.101"' "$J" 2>/dev/null && break; sleep 0.1; done
sleep 1.5
lt_child=$(pgrep -P "$lt_pid" | head -n 1)
running=no
kill -0 $c2_pid 2>/dev/null && running=yes
cp "$J" "$W/log/journal-before-kill.jsonl"
kill -9 "$lt_child" 2>/dev/null
k_t=$(t_now)
wait "$lt_pid" 2>/dev/null # (bash would print "Killed" for the timeout wrapper)
k_rc=$?
lt_pid=
t_say "kill -9 of leaktap (pid $lt_child) $(fsub "$k_t" "$c2_t0") s into the second upload (curl still running: $running); timeout reported exit $k_rc"
t_say "journal before the kill: $(grep -c . "$W/log/journal-before-kill.jsonl") line(s), $(stat -c %s "$W/log/journal-before-kill.jsonl") bytes; stdout had $(grep -c . "$W/log/alerts-state1.jsonl") line(s)"
if [ "$running" = yes ] && grep -q '"remote_ip":"10.77.0.101"' "$W/log/journal-before-kill.jsonl" && [ "$k_rc" = 137 ]; then
	t_ok "state: leaktap killed (SIGKILL) while the second upload flowed, after its alert"
else
	t_ko "state: leaktap killed (SIGKILL) while the second upload flowed, after its alert" "curl running $running, exit $k_rc"
fi
t_sanitizer_check "state (killed run)" "$lt_log"
sleep 0.5
start_leaktap state2 --state-dir "$S" ||
	t_abort "leaktap (restart) did not start: $(tail -n 3 "$W/log/leaktap-state2.log")"
r_t=$(t_now)
t_say "restarted $(fsub "$r_t" "$k_t") s after the kill"
check_journal() { # old-copy journal: prefix intact, every line JSON with the alert keys
	$PY - "$1" "$2" <<'EOF'
import json, sys
old, new = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
assert new.startswith(old), "journal does not start with its pre-kill bytes (%d -> %d bytes)" % (len(old), len(new))
assert new.endswith(b"\n"), "last line unterminated"
rows = []
for i, l in enumerate(new.split(b"\n")[:-1]):
    r = json.loads(l)
    miss = [k for k in ("ts", "alert_id", "update", "lan_ip", "remote_ip", "action", "video") if k not in r]
    assert not miss, "line %d lacks %s" % (i + 1, miss)
    rows.append(r)
print(len(rows), "lines:", "; ".join("%s update %s %s %s" % (r["remote_ip"], r["update"], r["action"], r["video"]) for r in rows))
EOF
}
if out=$(check_journal "$W/log/journal-before-kill.jsonl" "$J" 2>&1); then
	t_ok "state: after kill -9 and restart, alerts.jsonl holds the earlier alerts intact ($out)"
else
	t_ko "state: after kill -9 and restart, alerts.jsonl holds the earlier alerts intact" "$(echo "$out" | tail -n 1)"
fi
if ip netns exec "$(t_ns office)" timeout 10 ping -c 3 -i 0.2 -W 2 -q 10.77.0.100 >"$W/log/ping.log" 2>&1; then
	t_ok "state: forwarding works after the restart (ping 10.77.0.100)"
else
	t_ko "state: forwarding works after the restart (ping 10.77.0.100)" "$(tail -n 2 "$W/log/ping.log" | tr '\n' ' ')"
fi
# the interrupted upload: does TCP carry on through the restarted appliance?
wait $c2_pid
c2_rc=$?
t_say "interrupted second upload: curl exit $c2_rc, http/size_upload/time_total = $(cat "$W/log/curl2.out") $(head -c 150 "$W/log/curl2.err")"
# a third upload after the restart: its alert is appended after the earlier lines
cp "$J" "$W/log/journal-before-third.jsonl"
c3=$(office 30 curl -sS -o /dev/null --max-time 20 -w '%{http_code}' -F "file=@$M/clip.mp4;type=video/mp4" \
	http://upload3.video.test/upload/clip.mp4 2>"$W/log/curl3.err")
c3_rc=$?
for _ in $(seq 30); do grep -q '"remote_ip":"10.77.0.103"' "$J" && break; sleep 0.1; done
if grep -q '"remote_ip":"10.77.0.103"' "$J" && out=$(check_journal "$W/log/journal-before-kill.jsonl" "$J" 2>&1) &&
	check_journal "$W/log/journal-before-third.jsonl" "$J" >/dev/null 2>&1; then
	t_ok "state: the restarted leaktap appends the third upload's alert after the earlier ones (curl $c3_rc $c3)"
else
	t_ko "state: the restarted leaktap appends the third upload's alert after the earlier ones" "curl $c3_rc $c3; $out"
fi
stop_leaktap "state (restarted)"
sed 's/^/  journal: /' "$J" | cut -c1-330

t_finish
