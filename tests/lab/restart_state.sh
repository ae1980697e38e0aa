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
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh restart_state ls$$ build/lab/restart_state
M=$W/media

t_need ffmpeg nginx curl ip ss flock pgrep unshare
t_lock
rm -rf "${W:?}/log" "${W:?}/state" "${W:?}/nginx" "${W:?}/etc"
mkdir -p "$W"/{log,state,nginx/tmp,etc} "$M"

t_mp4 "$M/clip.mp4" 2 "$W/log/ffmpeg.log" -b:v 8M || t_abort "ffmpeg (media) failed"
t_say "media: clip.mp4 $(stat -c %s "$M/clip.mp4") bytes"

t_nginx_head "$W/nginx/nginx.conf" "restart_state lab"
cat >>"$W/nginx/nginx.conf" <<EOF
    access_log $W/log/nginx-access.log;
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

host() { # host timeout cmd...: run in the lab host, bounded
	local h=$1
	shift
	ip netns exec "$(t_ns "$h")" timeout -k 2 "$@"
}
# Start a leaktap command line (with its wrappers); waits until it forwards.
start_leaktap() { # label command...
	t_lt_launch "$@"
	lt_out=$lt_alerts
	t_lt_forwarding 10.77.0.103
}
LT=(ip netns exec "$NAME-app" timeout -k 5 120 "$BIN" --lan lan0 --wan wan0)
stop_leaktap() { # label
	t_lt_stop "$1" 150
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

lab_up "$NAME" --appliance || t_abort "tools/lab up failed"
ip netns exec "$NAME-internet" timeout -k 2 200 nginx -e "$W/log/nginx-error.log" -p "$W/nginx" -c "$W/nginx/nginx.conf" \
	-g 'daemon off;' >"$W/log/nginx.log" 2>&1 &
PIDS+=($!)
t_wait_port internet t 10.77.0.100:80 || t_abort "nginx did not start"

# =====================================================================================
echo "== 1. alerts, quarantines and ids written to the state dir"
J=$S/alerts.jsonl
start_leaktap run1 "${LT[@]}" --state-dir "$S" || t_abort "leaktap did not start: $(tail -n 3 "$lt_log")"
if grep -q 'mode block' "$lt_log"; then
	t_ok "start: config.json read from the state dir (mode block)"
else
	t_ko "start: config.json read from the state dir (mode block)" "$(grep mode "$lt_log")"
fi
r1=$(upload office 10.77.0.100)
r2=$(upload office2 10.77.0.101)
for _ in $(seq 30); do [ "$(grep -c . "$J" 2>/dev/null)" -ge 2 ] && break; sleep 0.1; done
t_say "uploads: office->.100 '$r1', office2->.101 '$r2'; journal $(grep -c . "$J" 2>/dev/null) line(s)"
l1=$(grep -m1 '"remote_ip":"10.77.0.100"' "$J" 2>/dev/null)
l2=$(grep -m1 '"remote_ip":"10.77.0.101"' "$J" 2>/dev/null)
if [ -n "$l1" ] && [ -n "$l2" ] && [ "$(field "$l1" alert_id)" = 1 ] && [ "$(field "$l2" alert_id)" = 2 ] &&
	[ "$(field "$l1" action)" = block ] && [ "${r1%% *}" != 0 ] && [ "${r2%% *}" != 0 ]; then
	t_ok "both uploads cut; alert_id 1 and 2 (block) in DIR/alerts.jsonl"
else
	t_ko "both uploads cut; alert_id 1 and 2 (block) in DIR/alerts.jsonl" "curl '$r1' '$r2'; $(head -c 300 "$J" 2>/dev/null)"
fi
# Written as each block alert goes out, before the next frame: no wait needed.
q=$(cat "$S/quarantine.json" 2>/dev/null)
if grep -q '"lan_ip":"10.77.0.10","remote_ip":"10.77.0.100"' <<<"$q" &&
	grep -q '"lan_ip":"10.77.0.11","remote_ip":"10.77.0.101"' <<<"$q"; then
	t_ok "DIR/quarantine.json lists both quarantines"
else
	t_ko "DIR/quarantine.json lists both quarantines" "${q:-missing}"
fi
if grep -q '"next_alert_id":3' "$S/state.json" 2>/dev/null; then
	t_ok "DIR/state.json: next_alert_id 3"
else
	t_ko "DIR/state.json: next_alert_id 3" "$(cat "$S/state.json" 2>&1)"
fi

# =====================================================================================
echo "== 2. kill -9, restart with the same state dir"
cp "$J" "$W/log/journal-before-kill.jsonl"
lt_child=$(pgrep -P "$lt_pid" | head -n 1)
kill -9 "$lt_child" 2>/dev/null
wait "$lt_pid" 2>/dev/null
lt_pid=
start_leaktap run2 "${LT[@]}" --state-dir "$S" || t_abort "leaktap restart failed: $(tail -n 3 "$lt_log")"
if grep -q 'next alert id 3, 2 quarantines restored' "$lt_log" && grep -q 'mode block' "$lt_log"; then
	t_ok "restart: config kept, next alert id 3, 2 quarantines restored"
else
	t_ko "restart: config kept, next alert id 3, 2 quarantines restored" "$(grep -E 'state dir|mode' "$lt_log")"
fi
before=$(stat -c %s "$W/log/journal-before-kill.jsonl")
if cmp -s -n "$before" "$W/log/journal-before-kill.jsonl" "$J" &&
	$PY -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$J" 2>/dev/null; then
	t_ok "restart: alerts.jsonl keeps its $before bytes from before the kill, every line JSON"
else
	t_ko "restart: alerts.jsonl keeps its bytes from before the kill, every line JSON"
fi
g100=$(get office 10.77.0.100)
g101=$(get office2 10.77.0.101)
g103=$(get office 10.77.0.103)
t_say "after restart: office->.100 http '$g100', office2->.101 http '$g101', office->.103 http '$g103'"
if [ "$g100" = 000 ] && [ "$g101" = 000 ] && [ "$g103" = 200 ]; then
	t_ok "restart: quarantined pairs refused, other hosts served"
else
	t_ko "restart: quarantined pairs refused, other hosts served" ".100 $g100, .101 $g101, .103 $g103"
fi
r3=$(upload office 10.77.0.103)
for _ in $(seq 30); do grep -q '"remote_ip":"10.77.0.103"' "$J" 2>/dev/null && break; sleep 0.1; done
l3=$(grep -m1 '"remote_ip":"10.77.0.103"' "$J" 2>/dev/null)
if [ -n "$l3" ] && [ "$(field "$l3" alert_id)" = 3 ]; then
	t_ok "restart: the next alert gets alert_id 3 (ids do not repeat)"
else
	t_ko "restart: the next alert gets alert_id 3 (ids do not repeat)" "curl '$r3'; ${l3:-no alert}"
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
	t_abort "leaktap (full medium) did not start: $(tail -n 3 "$lt_log")"
r4=$(upload office 10.77.0.100)
for _ in $(seq 30); do grep -q '"remote_ip":"10.77.0.100"' "$lt_out" && break; sleep 0.1; done
g=$(get office 10.77.0.103)
t_say "full medium: upload '$r4', then GET http '$g'; console: $(grep -m1 FAULT "$lt_log")"
if grep -q '"remote_ip":"10.77.0.100"' "$lt_out" && [ "$(grep -c 'FAULT: state dir.*storage full' "$lt_log")" = 1 ]; then
	t_ok "full medium: the alert is reported and one FAULT line says storage full"
else
	t_ko "full medium: the alert is reported and one FAULT line says storage full" "$(tail -n 3 "$lt_log")"
fi
if [ "$r4" = "0 200" ] && [ "$g" = 200 ]; then
	t_ok "full medium: forwarding continues (upload completes, next request answered)"
else
	t_ko "full medium: forwarding continues" "upload '$r4', GET '$g'"
fi
stop_leaktap "full medium"
t_finish
