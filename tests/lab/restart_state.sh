#!/usr/bin/env bash
# Lab test: the state leaktap keeps in --state-dir survives kill -9, and a full
# state medium does not stop forwarding. leaktap is the appliance between the
# office switch and the router (tools/lab up ls1 --appliance).
#
#   ls1-office  10.77.0.10 --[br-lan]-- lan0 [ls1-app: leaktap] wan0 --[br-wan]-- ls1-internet
#   ls1-office2 10.77.0.11 --/                                                     10.77.0.100,101,103 nginx :80
#
# DIR/config.json: block mode, threshold_mb 0 (block at the first proof of
# video), quarantine_s 600, local_nets 10.77.0.0/26. No --config is given, so
# the config can only come from DIR.
#  1 start: the log says mode block (config loaded from DIR). office POSTs a
#    real MP4 to .100 and office2 to .101: both are cut; DIR/alerts.jsonl gets
#    alert_id 1 and 2 (action block); DIR/quarantine.json lists both pairs;
#    DIR/state.json says next_alert_id 3.
#  2 kill -9 (the leaktap process itself), restart with the same DIR:
#    the log says "next alert id 3, 2 quarantines restored"; alerts.jsonl
#    starts with exactly its bytes from before the kill and every line is
#    JSON; office -> .100 (quarantined) is refused at connection start while
#    office -> .103 (not quarantined) gets its HTTP answer; an MP4 upload of
#    office -> .103 alerts with alert_id 3 (ids do not repeat); exit 0 on
#    SIGTERM, no sanitizer report.
#  3 full medium: DIR is a 64 KiB tmpfs, filled up, in a private mount
#    namespace (unshare -m); config from --config (monitor). An MP4 upload
#    alerts on stdout, the append fails: the console shows one
#    "FAULT: ... storage full" line, and forwarding continues (the upload
#    completes with HTTP 200 and a second request gets its answer); exit 0,
#    no sanitizer report.
#
# Usage (root): tests/lab/restart_state.sh   (LEAKTAP_BIN overrides the
# binary, default build/asan/leaktap). Output: PASS/FAIL lines, then
# "N passed, N failed"; exit 1 on any failure. Work files in
# build/lab/restart_state. Every client and server runs under `timeout`;
# namespaces and processes are removed on exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
BIN=${LEAKTAP_BIN:-build/asan/leaktap}
case $BIN in /*) ;; *) BIN=$top/$BIN ;; esac
PY=/usr/bin/python3
NAME=ls$$
W=$top/build/lab/restart_state
M=$W/media
pass=0 fail=0

say() { echo "  $*"; }
ok() {
	pass=$((pass + 1))
	echo "PASS $1"
}
ko() {
	fail=$((fail + 1))
	echo "FAIL $1${2:+: $2}"
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] && exit 0
	exit 1
}
abort() {
	ko "setup" "$*"
	finish
}
bail() {
	echo "restart_state: $*"
	echo "0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" = 0 ] || bail "needs root (network namespaces)"
for c in ffmpeg nginx curl ip ss flock pgrep unshare; do
	command -v $c >/dev/null 2>&1 || bail "missing $c"
done
[ -x "$BIN" ] || bail "$BIN not built (make release asan)"

# shellcheck source=tools/lab
. tools/lab
PIDS=()
lt_pid=
cleanup() {
	local p
	[ -n "$lt_pid" ] && kill "$lt_pid" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in $lt_pid "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	lab_down "$NAME"
}
trap cleanup EXIT
trap 'ko interrupted; finish' INT TERM

mkdir -p "$W"
exec 9>"$W/.lock"
flock -n 9 || bail "another run holds $W/.lock"
rm -rf "${W:?}/log" "${W:?}/state" "${W:?}/nginx" "${W:?}/etc"
mkdir -p "$W"/{log,state,nginx/tmp,etc} "$M"

if ! [ -s "$M/clip.mp4" ]; then
	ffmpeg -nostdin -hide_banner -v error -y -f lavfi -i "testsrc2=size=640x360:rate=30:duration=2" \
		-vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -b:v 8M -pix_fmt yuv420p \
		"$M/clip.mp4" >"$W/log/ffmpeg.log" 2>&1 || abort "ffmpeg (media) failed"
fi
say "media: clip.mp4 $(stat -c %s "$M/clip.mp4") bytes"

cat >"$W/nginx/nginx.conf" <<EOF
# restart_state lab: private nginx (not the system's /etc/nginx).
user root;
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/log/nginx-error.log info;
events { worker_connections 64; }
http {
    access_log $W/log/nginx-access.log;
    client_body_temp_path $W/nginx/tmp/body;
    proxy_temp_path $W/nginx/tmp/proxy;
    fastcgi_temp_path $W/nginx/tmp/fastcgi;
    uwsgi_temp_path $W/nginx/tmp/uwsgi;
    scgi_temp_path $W/nginx/tmp/scgi;
    keepalive_timeout 5;
    server {
        listen 10.77.0.100:80;
        listen 10.77.0.101:80;
        listen 10.77.0.103:80;
        client_max_body_size 64m;
        location /upload/ {
            client_body_in_file_only clean;
            client_body_buffer_size 1m;
            proxy_pass http://127.0.0.1:8082/stored;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
        }
        location / { return 200 "hello\n"; }
    }
    server {
        listen 127.0.0.1:8082;
        access_log off;
        location / { return 200 "stored\n"; }
    }
}
EOF
S=$W/state
cat >"$S/config.json" <<EOF
{"mode": "block", "threshold_mb": 0, "quarantine_s": 600, "local_nets": ["10.77.0.0/26"]}
EOF
cat >"$W/etc/monitor.json" <<EOF
{"mode": "monitor", "threshold_mb": 0, "local_nets": ["10.77.0.0/26"]}
EOF

ns() { lab_ns "$NAME" "$1"; }
host() { # host timeout cmd...: run in the lab host, bounded
	local h=$1
	shift
	ip netns exec "$(ns "$h")" timeout -k 2 "$@"
}
wait_port() { # host ip:port
	for _ in $(seq 50); do
		[ -n "$(ip netns exec "$(ns "$1")" ss -Hltn "src $2" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}
# Start a leaktap command line (with its wrappers); waits until it forwards.
start_leaktap() { # label command...
	local label=$1
	shift
	lt_out=$W/log/stdout-$label.jsonl
	lt_log=$W/log/leaktap-$label.log
	"$@" >"$lt_out" 2>"$lt_log" &
	lt_pid=$!
	for _ in $(seq 100); do
		grep -q "forwarding between" "$lt_log" && break
		kill -0 $lt_pid 2>/dev/null || break
		sleep 0.1
	done
	grep -q "forwarding between" "$lt_log" || return 1
	for _ in $(seq 30); do
		host office 3 ping -c 1 -W 1 -q 10.77.0.103 >/dev/null 2>&1 && return 0
	done
	return 1
}
LT=(ip netns exec "$NAME-app" timeout -k 5 120 "$BIN" --lan lan0 --wan wan0)
stop_leaktap() { # label
	local rc
	kill -TERM "$lt_pid" 2>/dev/null
	for _ in $(seq 150); do kill -0 "$lt_pid" 2>/dev/null || break; sleep 0.1; done
	wait "$lt_pid"
	rc=$?
	lt_pid=
	if [ "$rc" = 0 ]; then ok "$1: leaktap exits 0 on SIGTERM"; else ko "$1: leaktap exits 0 on SIGTERM" "exit $rc"; fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error' "$lt_log"; then
		ko "$1: no sanitizer report" "see $lt_log"
	else
		ok "$1: no sanitizer report"
	fi
}
upload() { # host ip -> "curl-exit http-code"
	local out rc
	out=$(host "$1" 25 curl -sS -o /dev/null --max-time 20 -w '%{http_code}' \
		-F "file=@$M/clip.mp4;type=video/mp4" "http://$2/upload/clip.mp4" 2>>"$W/log/curl.err")
	rc=$?
	echo "$rc $out"
}
get() { # host ip -> http code (000 = no answer)
	host "$1" 10 curl -s -o /dev/null --max-time 4 -w '%{http_code}' "http://$2/" 2>/dev/null
}
field() { # JSON line, key
	$PY -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"
}

lab_up "$NAME" --appliance || abort "tools/lab up failed"
ip netns exec "$NAME-internet" timeout -k 2 200 nginx -e "$W/log/nginx-error.log" -p "$W/nginx" -c "$W/nginx/nginx.conf" \
	-g 'daemon off;' >"$W/log/nginx.log" 2>&1 &
PIDS+=($!)
wait_port internet 10.77.0.100:80 || abort "nginx did not start"

# =====================================================================================
echo "== 1. alerts, quarantines and ids written to the state dir"
J=$S/alerts.jsonl
start_leaktap run1 "${LT[@]}" --state-dir "$S" || abort "leaktap did not start: $(tail -n 3 "$lt_log")"
if grep -q 'mode block' "$lt_log"; then
	ok "start: config.json read from the state dir (mode block)"
else
	ko "start: config.json read from the state dir (mode block)" "$(grep mode "$lt_log")"
fi
r1=$(upload office 10.77.0.100)
r2=$(upload office2 10.77.0.101)
for _ in $(seq 30); do [ "$(grep -c . "$J" 2>/dev/null)" -ge 2 ] && break; sleep 0.1; done
say "uploads: office->.100 '$r1', office2->.101 '$r2'; journal $(grep -c . "$J" 2>/dev/null) line(s)"
l1=$(grep -m1 '"remote_ip":"10.77.0.100"' "$J" 2>/dev/null)
l2=$(grep -m1 '"remote_ip":"10.77.0.101"' "$J" 2>/dev/null)
if [ -n "$l1" ] && [ -n "$l2" ] && [ "$(field "$l1" alert_id)" = 1 ] && [ "$(field "$l2" alert_id)" = 2 ] &&
	[ "$(field "$l1" action)" = block ] && [ "${r1%% *}" != 0 ] && [ "${r2%% *}" != 0 ]; then
	ok "both uploads cut; alert_id 1 and 2 (block) in DIR/alerts.jsonl"
else
	ko "both uploads cut; alert_id 1 and 2 (block) in DIR/alerts.jsonl" "curl '$r1' '$r2'; $(head -c 300 "$J" 2>/dev/null)"
fi
# Written as each block alert goes out, before the next frame: no wait needed.
q=$(cat "$S/quarantine.json" 2>/dev/null)
if grep -q '"lan_ip":"10.77.0.10","remote_ip":"10.77.0.100"' <<<"$q" &&
	grep -q '"lan_ip":"10.77.0.11","remote_ip":"10.77.0.101"' <<<"$q"; then
	ok "DIR/quarantine.json lists both quarantines"
else
	ko "DIR/quarantine.json lists both quarantines" "${q:-missing}"
fi
if grep -q '"next_alert_id":3' "$S/state.json" 2>/dev/null; then
	ok "DIR/state.json: next_alert_id 3"
else
	ko "DIR/state.json: next_alert_id 3" "$(cat "$S/state.json" 2>&1)"
fi

# =====================================================================================
echo "== 2. kill -9, restart with the same state dir"
cp "$J" "$W/log/journal-before-kill.jsonl"
lt_child=$(pgrep -P "$lt_pid" | head -n 1)
kill -9 "$lt_child" 2>/dev/null
wait "$lt_pid" 2>/dev/null
lt_pid=
start_leaktap run2 "${LT[@]}" --state-dir "$S" || abort "leaktap restart failed: $(tail -n 3 "$lt_log")"
if grep -q 'next alert id 3, 2 quarantines restored' "$lt_log" && grep -q 'mode block' "$lt_log"; then
	ok "restart: config kept, next alert id 3, 2 quarantines restored"
else
	ko "restart: config kept, next alert id 3, 2 quarantines restored" "$(grep -E 'state dir|mode' "$lt_log")"
fi
before=$(stat -c %s "$W/log/journal-before-kill.jsonl")
if cmp -s -n "$before" "$W/log/journal-before-kill.jsonl" "$J" &&
	$PY -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$J" 2>/dev/null; then
	ok "restart: alerts.jsonl keeps its $before bytes from before the kill, every line JSON"
else
	ko "restart: alerts.jsonl keeps its bytes from before the kill, every line JSON"
fi
g100=$(get office 10.77.0.100)
g101=$(get office2 10.77.0.101)
g103=$(get office 10.77.0.103)
say "after restart: office->.100 http '$g100', office2->.101 http '$g101', office->.103 http '$g103'"
if [ "$g100" = 000 ] && [ "$g101" = 000 ] && [ "$g103" = 200 ]; then
	ok "restart: quarantined pairs refused, other hosts served"
else
	ko "restart: quarantined pairs refused, other hosts served" ".100 $g100, .101 $g101, .103 $g103"
fi
r3=$(upload office 10.77.0.103)
for _ in $(seq 30); do grep -q '"remote_ip":"10.77.0.103"' "$J" 2>/dev/null && break; sleep 0.1; done
l3=$(grep -m1 '"remote_ip":"10.77.0.103"' "$J" 2>/dev/null)
if [ -n "$l3" ] && [ "$(field "$l3" alert_id)" = 3 ]; then
	ok "restart: the next alert gets alert_id 3 (ids do not repeat)"
else
	ko "restart: the next alert gets alert_id 3 (ids do not repeat)" "curl '$r3'; ${l3:-no alert}"
fi
stop_leaktap "restart"

# =====================================================================================
echo "== 3. full state medium: fault on the console, forwarding continues"
F=$W/full
mkdir -p "$F"
# A private mount namespace: the 64 KiB tmpfs exists only for this leaktap.
start_leaktap full unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs -o size=64k tmpfs "$1" &&
	{ dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; shift; exec "$@"; }' sh "$F" \
	"${LT[@]}" --config "$W/etc/monitor.json" --state-dir "$F" ||
	abort "leaktap (full medium) did not start: $(tail -n 3 "$lt_log")"
r4=$(upload office 10.77.0.100)
for _ in $(seq 30); do grep -q '"remote_ip":"10.77.0.100"' "$lt_out" && break; sleep 0.1; done
g=$(get office 10.77.0.103)
say "full medium: upload '$r4', then GET http '$g'; console: $(grep -m1 FAULT "$lt_log")"
if grep -q '"remote_ip":"10.77.0.100"' "$lt_out" && [ "$(grep -c 'FAULT: state dir.*storage full' "$lt_log")" = 1 ]; then
	ok "full medium: the alert is reported and one FAULT line says storage full"
else
	ko "full medium: the alert is reported and one FAULT line says storage full" "$(tail -n 3 "$lt_log")"
fi
if [ "$r4" = "0 200" ] && [ "$g" = 200 ]; then
	ok "full medium: forwarding continues (upload completes, next request answered)"
else
	ko "full medium: forwarding continues" "upload '$r4', GET '$g'"
fi
stop_leaktap "full medium"
finish
