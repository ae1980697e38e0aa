# shellcheck shell=bash
# Shared part of the lab test scripts (tests/lab/*.sh, tests/web/lab.sh):
# reporting, preconditions, cleanup, servers and leaktap start/stop.
# Namespaces themselves are tools/lab's (lab_up/lab_down/lab_ns/lab_exec),
# which this file sources.
#
# Use, from a script that has cd'ed to the repository top:
#   . tests/lab/lib.sh TAG [NAME WORKDIR]
# TAG names the script in one-line precondition errors; NAME is its
# tools/lab name and WORKDIR (relative to the repo top) its work directory W.
# With a NAME, the EXIT/INT/TERM traps are installed here (t_traps).
#
# Sets: top (repo top), PY (/usr/bin/python3), BIN (LEAKTAP_BIN or
# build/asan/leaktap, made absolute), pass/fail counters, t_start, PIDS
# (background processes killed on exit), lt_pid/lt_log/lt_alerts (the
# running leaktap).
#
# Reporting (every script ends with "N passed, N failed", exit 1 on failure):
#   t_say TEXT...          indented information line
#   t_ok NAME              PASS line
#   t_ko NAME [DETAIL]     FAIL line
#   t_check NAME CMD...    PASS if CMD succeeds; its output goes to $T_STEPS
#                          (default $W/log/steps.log); detail on failure: $T_WHY
#   t_finish               runtime, counts, exit status
#   t_abort TEXT           setup failure: FAIL setup, then t_finish
#   t_bail TEXT            before anything is set up: one line, "0 passed, 1 failed"
# Preconditions (t_bail on failure):
#   t_need CMD... (= t_need_root; t_need_cmds CMD...; t_need_bin)
#   t_need_cmds's message adds $T_CMD_HINT;
#   t_lock (flock on $W/.lock)
# Cleanup: t_traps installs t_cleanup on EXIT and "FAIL interrupted" on
#   INT/TERM. t_cleanup stops lt_pid and PIDS (TERM, up to 1 s,
#   then KILL), calls the script's t_cleanup_more if it defines one, then
#   lab_down $NAME.
# Lab helpers:
#   t_ns HOST                      namespace name of a lab host
#   t_port_up NETNS IFACE...       (own namespaces, not tools/lab's) offloads
#                                  off, IFACEs and lo up
#   t_start_server LABEL HOST LIFE CMD...   CMD in HOST under timeout, log
#                                  $W/log/LABEL.log, pid into PIDS
#   t_wait_port HOST t|u IP:PORT   until something listens there (5 s); a bare
#                                  PORT: on any address; a bare
#                                  PORT: on any address
#   t_wait_for SECONDS CMD...      until CMD succeeds (bounded)
#   t_now; t_jq JSON EXPR (python expression over r); t_ts_of ALERT-JSON
#   t_sinklines; t_wait_sink N     tests/lab/sink.py's log $W/log/sink.jsonl
#   t_dnsmasq_conf FILE PIDFILE COMMENT LINE...   private dnsmasq config (.test)
#   t_nginx_head FILE COMMENT [TOP-LINE...]  private nginx config (TOP-LINEs
#                                  first, e.g. load_module) up to the http
#                                  block's common lines; the caller appends the rest;
#                                  worker_connections $T_NGINX_CONNS (64)
#   t_mp4 OUT DURATION LOG FFMPEG-ARGS...   testsrc2+noise H.264 clip, remade
#                                  when missing or older than the script
#   t_random OUT SEED BYTES        reproducible random file
#   t_selfsigned CN DIR            DIR/key.pem + DIR/cert.pem for CN (log DIR/openssl.log)
#   t_nginx_tls_upload IP:PORT BACKEND   nginx server block (printed): TLS with
#                                  $W/nginx/{cert,key}.pem, /upload/ proxied to BACKEND
#   t_sha FILE                     SHA-256 of FILE (hex)
# leaktap:
#   t_lt_launch LABEL CMD...       CMD (the leaktap command line with its
#                                  wrappers) in the background: stdout
#                                  $W/log/alerts-LABEL.jsonl (lt_alerts),
#                                  stderr $W/log/leaktap-LABEL.log (lt_log);
#                                  LABEL "": alerts.jsonl, leaktap.log;
#                                  stdin (its console) $T_LT_IN or /dev/null
#   t_lt_wait_log REGEX TENTHS     until lt_log has REGEX while leaktap lives
#   t_ping_ok HOST IP TRIES        one ping of IP from HOST succeeds (bounded)
#   t_lt_forwarding IP             "forwarding between" logged (10 s), then the
#                                  office reaches IP through the bridge
#   t_alert0 REMOTE-IP [FILE]      first alert line (update 0) for REMOTE-IP
#   t_block_alert LABEL REMOTE-IP VIDEO   PASS/FAIL: that alert blocks, kind video,
#                                  video VIDEO, from 10.77.0.10, > 10^7 bytes; sets alert
#   t_sanitizer_check LABEL LOG    PASS/FAIL "LABEL: no sanitizer report"
#   t_otp                          the first-boot password leaktap printed on lt_log
#   t_https_up URL                 until URL answers 200 from the office (~20 s);
#                                  t_code = the last HTTP status
#   t_lt_stop LABEL [TENTHS]       SIGTERM, bounded wait, checks exit 0 and
#                                  no sanitizer report in lt_log
# Every client and server must run under `timeout`; loops here are bounded.

top=$PWD
T_TAG=${1:-${T_TAG:-lab}}
NAME=${2:-${NAME:-}}
[ -n "${3:-}" ] && W=$top/$3
PY=/usr/bin/python3
BIN=${LEAKTAP_BIN:-build/asan/leaktap}
case $BIN in /*) ;; *) BIN=$top/$BIN ;; esac
pass=0 fail=0
t_start=$(date +%s.%N)
PIDS=()
lt_pid=
lt_log=
lt_alerts=
T_WHY=

# --- reporting -------------------------------------------------------------------
t_say() { echo "  $*"; }
t_ok() {
	pass=$((pass + 1))
	echo "PASS $1"
}
t_ko() {
	fail=$((fail + 1))
	echo "FAIL $1${2:+: $2}"
}
t_check() { # name, then a command that must succeed (its output goes to the steps log)
	local name=$1
	shift
	if "$@" >>"${T_STEPS:-$W/log/steps.log}" 2>&1; then t_ok "$name"; else t_ko "$name" "$T_WHY"; fi
}
t_finish() {
	echo "runtime $($PY -c "import sys,time; print('%.1f' % (time.time()-float(sys.argv[1])))" "$t_start") s"
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] && exit 0
	exit 1
}
t_abort() { # setup failure: counts as a failure and ends the run
	t_ko "setup" "$*"
	t_finish
}
t_bail() { # before anything is set up
	echo "$T_TAG: $*"
	echo "0 passed, 1 failed"
	exit 1
}

# --- preconditions -----------------------------------------------------------------
t_need_root() { [ "$(id -u)" = 0 ] || t_bail "needs root (network namespaces)"; }
t_need_cmds() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || t_bail "missing $c${T_CMD_HINT:+ ($T_CMD_HINT)}"
	done
}
t_need_bin() { [ -x "$BIN" ] || t_bail "$BIN not built (make asan)"; }
t_need() { # cmd...: root, these commands and the leaktap binary
	t_need_root
	t_need_cmds "$@"
	t_need_bin
}
t_lock() { # one run per work directory at a time
	mkdir -p "$W"
	exec 9>"$W/.lock"
	flock -n 9 || t_bail "another run holds $W/.lock"
}

# --- cleanup -------------------------------------------------------------------------
# shellcheck source=tools/lab
. tools/lab
t_cleanup() {
	local p
	trap '' INT TERM
	for p in $lt_pid "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in $lt_pid "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	if declare -F t_cleanup_more >/dev/null; then t_cleanup_more; fi
	lab_down "$NAME"
}
t_traps() {
	trap t_cleanup EXIT
	trap 't_ko interrupted; t_finish' INT TERM
}

# --- lab helpers ---------------------------------------------------------------------
t_ns() { lab_ns "$NAME" "$1"; }
t_port_up() { # netns iface...: a userspace bridge must see wire-sized frames (no GRO/GSO/TSO)
	local n=$1 i
	shift
	for i in "$@"; do
		ip netns exec "$n" ethtool -K "$i" gro off gso off tso off tx off rx off >/dev/null 2>&1
		ip netns exec "$n" ip link set "$i" up
	done
	ip netns exec "$n" ip link set lo up
}
t_start_server() { # label host lifetime cmd...
	local label=$1 host=$2 life=$3
	shift 3
	ip netns exec "$(t_ns "$host")" timeout -k 2 "$life" "$@" >"$W/log/$label.log" 2>&1 &
	PIDS+=($!)
}
t_wait_port() { # host t|u ip:port (or a bare port: any address)
	local i f="src $3"
	case $3 in *:*) ;; *) f="sport = :$3" ;; esac
	for i in $(seq 50); do
		[ -n "$(ip netns exec "$(t_ns "$1")" ss -Hln"$2" "$f" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}
t_wait_for() { # seconds, then a command that must become true
	local t=$1 i
	shift
	for i in $(seq $((t * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
t_now() { date +%s.%N; }
t_jq() { # python expression over the JSON line $1 -> printed
	$PY -c 'import json,sys; r=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
t_ts_of() { # alert JSON line -> its ts as epoch seconds
	$PY -c 'import datetime,json,sys; print(datetime.datetime.strptime(json.loads(sys.argv[1])["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp())' "$1"
}
t_sinklines() { wc -l <"$W/log/sink.jsonl" 2>/dev/null || echo 0; }
t_wait_sink() { # until the sink has logged more than N connections (bounded, 10 s)
	local i
	for i in $(seq 100); do
		[ "$(t_sinklines)" -gt "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- servers' private configuration --------------------------------------------------
t_dnsmasq_conf() { # file pid-file comment line...: answers .test names only
	local f=$1 pid=$2 comment=$3 l
	shift 3
	{
		echo "# $comment: private DNS; answers .test names only."
		printf '%s\n' no-resolv no-hosts no-poll bind-interfaces listen-address=10.77.0.53 local=/test/
		for l in "$@"; do echo "$l"; done
		echo "pid-file=$pid"
	} >"$f"
}
t_nginx_head() { # file comment [top-line...]: global part and the http block's common lines, block left open
	local f=$1 comment=$2
	shift 2
	{
		echo "# $comment: private nginx (not the system's /etc/nginx)."
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$f"
	cat >>"$f" <<EOF
user root;
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/log/nginx-error.log info;
events { worker_connections ${T_NGINX_CONNS:-64}; }
http {
    client_body_temp_path $W/nginx/tmp/body;
    proxy_temp_path $W/nginx/tmp/proxy;
    fastcgi_temp_path $W/nginx/tmp/fastcgi;
    uwsgi_temp_path $W/nginx/tmp/uwsgi;
    scgi_temp_path $W/nginx/tmp/scgi;
    keepalive_timeout 5;
EOF
}
t_mp4() { # out duration log ffmpeg-output-args...: 640x360 testsrc2 with noise, H.264
	local out=$1 dur=$2 log=$3
	shift 3
	[ -s "$out" ] && [ "$out" -nt "$0" ] && return 0
	ffmpeg -nostdin -hide_banner -v error -y -f lavfi -i "testsrc2=size=640x360:rate=30:duration=$dur" \
		-vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$@" "$out" >>"$log" 2>&1
}
t_random() { # out seed bytes: the same bytes on every run
	[ -s "$1" ] && [ "$1" -nt "$0" ] && return 0
	$PY -c 'import random,sys; open(sys.argv[1],"wb").write(random.Random(int(sys.argv[2])).randbytes(int(sys.argv[3])))' \
		"$1" "$2" "$3"
}

t_selfsigned() { # cn dir: a self-signed EC certificate for the lab's TLS server
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=$1" -addext "subjectAltName=DNS:$1" \
		-keyout "$2/key.pem" -out "$2/cert.pem" >"$2/openssl.log" 2>&1
}
t_nginx_tls_upload() { # ip:port backend: HTTPS terminated here, uploads buffered to backend
	cat <<EOF
    server {
        listen $1 ssl;
        ssl_certificate $W/nginx/cert.pem;
        ssl_certificate_key $W/nginx/key.pem;
        server_name _;
        client_max_body_size 256m;
        location /upload/ {
            client_body_buffer_size 1m;
            proxy_pass $2;
            proxy_http_version 1.1;
        }
    }
EOF
}
t_sha() { sha256sum <"$1" | cut -c1-64; }

# --- leaktap ---------------------------------------------------------------------------
t_lt_launch() { # label cmd...: start the leaktap command line in the background
	local label=$1
	shift
	lt_alerts=$W/log/alerts${label:+-$label}.jsonl
	lt_log=$W/log/leaktap${label:+-$label}.log
	# explicit: a background job's stdin would be /dev/null whatever the caller's is
	"$@" <"${T_LT_IN:-/dev/null}" >"$lt_alerts" 2>"$lt_log" &
	lt_pid=$!
}
t_lt_wait_log() { # regex tenths: until the leaktap log has it, while leaktap lives
	local i
	for i in $(seq "$2"); do
		grep -qE "$1" "$lt_log" && return 0
		kill -0 "$lt_pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -qE "$1" "$lt_log"
}
t_ping_ok() { # host ip tries: the path is up when one ping gets through
	local i
	for i in $(seq "$3"); do
		ip netns exec "$(t_ns "$1")" timeout -k 2 3 ping -c 1 -W 1 -q "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
t_lt_forwarding() { # ip: leaktap bridges (its log says so) and the office reaches ip through it
	t_lt_wait_log "forwarding between" 100 && t_ping_ok office "$1" 30
}
t_otp() { grep -ao 'first-boot password: [A-Za-z0-9]\{16\}' "$lt_log" | head -n 1 | sed 's/.*: //'; }
t_https_up() { # url: the management page answers (self-signed certificate)
	local i
	for i in $(seq 60); do
		t_code=$(lab_exec "$NAME" office timeout 5 curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)
		[ "$t_code" = 200 ] && return 0
		sleep 0.25
	done
	return 1
}
t_alert0() { # remote-ip [file]: the first alert line (update 0) for that remote (default lt_alerts)
	grep -F "\"remote_ip\":\"$1\"" "${2:-$lt_alerts}" | grep -F '"update":0' | head -n 1
}
t_block_alert() { # label remote-ip video: PASS if the office's alert for it blocks video past 10 MB; sets alert
	local name="$1: alert update 0, action block, kind video, video $3"
	alert=$(t_alert0 "$2")
	t_say "alert: $alert"
	if [ -n "$alert" ] && [ "$(t_jq "$alert" "r['action']=='block' and r['kind']=='video' and r['video']=='$3' and r['lan_ip']=='10.77.0.10' and r['bytes_out'] > 10**7")" = True ]; then
		t_ok "$name"
		return 0
	fi
	t_ko "$name" "$(head -c 300 "$lt_alerts")"
	return 1
}
t_sanitizer_check() { # label log
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error' "$2"; then
		t_ko "${1:+$1: }no sanitizer report" "see $2"
	else
		t_ok "${1:+$1: }no sanitizer report"
	fi
}
t_lt_stop() { # label [tenths]: SIGTERM (timeout passes it on), bounded wait, exit status, sanitizers
	local rc i
	kill -TERM "$lt_pid" 2>/dev/null
	for i in $(seq "${2:-150}"); do
		kill -0 "$lt_pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$lt_pid"
	rc=$?
	lt_pid=
	if [ "$rc" = 0 ]; then t_ok "${1:+$1: }leaktap exits 0 on SIGTERM"; else t_ko "${1:+$1: }leaktap exits 0 on SIGTERM" "exit $rc; $(tail -n 3 "$lt_log")"; fi
	t_sanitizer_check "$1" "$lt_log"
}

# A lab script (NAME given) cleans up on every exit.
if [ -n "$NAME" ]; then t_traps; fi
