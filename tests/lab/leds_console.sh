#!/usr/bin/env bash
# LEDs and console of the real firmware (build/asan/leaktap), inline in a lab:
#
#   lv1-office 10.77.0.10 --[br-lan]-- upl==lan0 [lv1-app: leaktap, mgmt 10.77.0.250] wan0==upw --[br-wan]-- lv1-internet
#                                                                                              10.77.0.100-102 sink.py :80
#
# leaktap runs with LEAKTAP_LED_LOG=1 (docs/leds.md): one console line per LED
# pattern change, "leds: t=MS power=on lan=on wan=on mode=on alert=off fault=off".
# Its console (stdin) is a FIFO this script types into; stderr is the console's
# output. Checks, in order, each on the LED timeline:
#  1 boot: power fast (booting) then on; mode on (monitor); no fault; links on;
#    the banner names version, board, ports, 10.77.0.250/24 and a first-boot password.
#  2 link loss: `ip link set upl down` (lan0's peer) -> lan off, fault still off,
#    status line lan=down; back up -> lan on. The same for wan (upw).
#  3 an alert: a 2 MB MP4 POST over threshold_mb 1 -> alert fast; status alerts=1;
#    GET /api/status (logged in with the banner password) shows leds.alert fast.
#  4 acknowledge: console `ack` -> alert off.
#  5 a block: console `config set quarantine_s 6`, `config set mode block` ->
#    mode double; an upload is cut, alert on while the quarantine holds, and it
#    ends (alert leaves on) 6 s later.
#  6 exit 0 on SIGTERM, no sanitizer report.
#  7 full disk: state dir on a 64 KiB tmpfs (private mount namespace), filled;
#    an alert cannot be saved -> fault on, exactly one FAULT console line, and
#    forwarding continues (the next request is answered).
# Usage (root): tests/lab/leds_console.sh; LEAKTAP_BIN overrides build/asan/leaktap.
# Ends with "N passed, N failed". Work files in build/lab/leds_console.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
BIN=${LEAKTAP_BIN:-build/asan/leaktap}
case $BIN in /*) ;; *) BIN=$top/$BIN ;; esac
PY=/usr/bin/python3
NAME=lv$$
W=$top/build/lab/leds_console
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
check() { # name condition-command... (the command's success is the check)
	local n=$1
	shift
	if "$@"; then ok "$n"; else ko "$n" "$why"; fi
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }
abort() { ko setup "$*"; finish; }
bail() { echo "leds_console: $*"; echo "0 passed, 1 failed"; exit 1; }

[ "$(id -u)" = 0 ] || bail "needs root (network namespaces)"
for c in ffmpeg curl ip unshare mkfifo; do
	command -v $c >/dev/null || bail "missing $c"
done
[ -x "$BIN" ] || bail "$BIN not built (make asan)"

# shellcheck source=tools/lab
. tools/lab
PIDS=()
lt_pid=
cleanup() {
	local p
	for p in $lt_pid "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $lt_pid "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	exec 7>&- 2>/dev/null
	lab_down "$NAME"
}
trap cleanup EXIT
trap 'ko interrupted; finish' INT TERM

rm -rf "${W:?}"
mkdir -p "$W"/{log,media,state,full}
ns() { lab_ns "$NAME" "$1"; }
office() { ip netns exec "$(ns office)" timeout -k 2 30 "$@"; }

ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=320x240:rate=25:duration=2" \
	-vf noise=alls=30:allf=t -c:v libx264 -preset ultrafast -qp 0 -pix_fmt yuv420p \
	-movflags +faststart "$W/media/clip.mp4" || abort "ffmpeg"
[ "$(stat -c %s "$W/media/clip.mp4")" -gt 1500000 ] || abort "clip.mp4 smaller than the threshold"

lab_up "$NAME" --appliance >"$W/log/lab.log" 2>&1 || abort "tools/lab up $NAME (is an old one left? tools/lab down $NAME)"

cat >"$W/sink.py" <<'EOF'
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        while n > 0:
            d = self.rfile.read(min(n, 65536))
            if not d:
                break
            n -= len(d)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
S((sys.argv[1], 80), H).serve_forever()
EOF
for ip in 10.77.0.100 10.77.0.101 10.77.0.102; do
	ip netns exec "$(ns internet)" timeout 300 $PY "$W/sink.py" $ip >>"$W/log/sink.log" 2>&1 &
	PIDS+=($!)
done

cat >"$W/monitor.json" <<EOF
{"mode": "monitor", "threshold_mb": 1, "quarantine_s": 600, "local_nets": ["10.77.0.0/26"],
 "mgmt": {"dhcp": false, "address": "10.77.0.250/24", "hostname": "leaktap"}}
EOF

# The console: a FIFO held open here (fd 7), so leaktap's stdin never ends.
mkfifo "$W/console"
exec 7<>"$W/console"
type_line() { printf '%s\r' "$1" >&7; }

LOG= OUT=
# Start leaktap (label, then wrapper + args); waits for the banner's prompt and a ping.
start_leaktap() { # label command...
	local label=$1
	shift
	LOG=$W/log/leaktap-$label.log
	OUT=$W/log/alerts-$label.jsonl
	LEAKTAP_LED_LOG=1 "$@" <"$W/console" >"$OUT" 2>"$LOG" &
	lt_pid=$!
	for _ in $(seq 150); do
		grep -q "leaktap> " "$LOG" && break
		kill -0 $lt_pid 2>/dev/null || return 1
		sleep 0.1
	done
	for _ in $(seq 50); do office ping -c 1 -W 1 -q 10.77.0.250 >/dev/null 2>&1 && return 0; done
	return 1
}
stop_leaktap() { # label
	local rc=0
	kill -TERM "$lt_pid" 2>/dev/null
	wait "$lt_pid" || rc=$?
	lt_pid=
	why="exit $rc"
	check "$1: leaktap exits 0 on SIGTERM" [ "$rc" = 0 ]
	why="see $LOG"
	check "$1: no sanitizer report" \
		bash -c "! grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error' '$LOG'"
}
LT=(ip netns exec "$(ns app)" timeout -k 5 200 "$BIN" --lan lan0 --wan wan0)

# LED timeline lines (console) from byte $1 of the log on.
leds_since() { tail -c "+$1" "$LOG" | tr -d '\r\000' | grep -ao 'leds: t=[0-9]* [a-z= ]*'; }
# A byte offset in the console log (tail -c +OFFSET reads from there).
mark() { echo $(($(stat -c %s "$LOG") + 1)); }
# Wait up to $2 s for a LED line matching ERE $3 from byte $1 on; prints it.
wait_leds() { # from seconds regex
	local end=$((SECONDS + $2)) l
	while [ $SECONDS -le $end ]; do
		l=$(leds_since "$1" | grep -E -m1 "$3") && { echo "$l"; return 0; }
		sleep 0.1
	done
	return 1
}
# The last LED line so far.
leds_now() { leds_since 1 | tail -n 1; }
ms_of() { echo "$1" | sed -n 's/^leds: t=\([0-9]*\).*/\1/p'; }
upload() { # remote-ip -> curl's "exit code http code"
	local out rc
	out=$(office curl -s -o /dev/null --max-time 20 -w '%{http_code}' -H 'Content-Type: video/mp4' \
		--data-binary @"$W/media/clip.mp4" "http://$1/upload/clip.mp4")
	rc=$?
	echo "$rc $out"
}
get() { office curl -s -o /dev/null --max-time 10 -w '%{http_code}' "http://$1/"; }

# ===== 1. boot ===================================================================
start_leaktap main "${LT[@]}" --config "$W/monitor.json" --state-dir "$W/state" ||
	abort "leaktap did not start: $(tail -n 3 "$LOG")"
sleep 0.5
first=$(leds_since 1 | head -n 1)
why="first LED line: '$first'"
check "boot: the first LED line shows power fast (booting)" \
	bash -c "echo '$first' | grep -qE ' power=fast '"
l=$(wait_leds 1 3 ' power=on ')
why="'$l'"
check "boot: then power on, mode on (monitor), links on, alert off, fault off" \
	bash -c "echo '$l' | grep -qE 'power=on lan=on wan=on mode=on alert=off fault=off'"
ban=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\r//g' "$LOG")
why="$(echo "$ban" | head -n 8 | tr '\n' '|')"
check "banner: version, board, ports, management 10.77.0.250/24, first-boot password" \
	bash -c "echo \"\$1\" | grep -qE '^leaktap [0-9]+\.[0-9]+\.[0-9]+ on native_sim' &&
		echo \"\$1\" | grep -q 'lan=lan0 wan=wan0' &&
		echo \"\$1\" | grep -q '^management: *10.77.0.250/24 (static)' &&
		echo \"\$1\" | grep -qE '^first-boot password: [^ ]+'" _ "$ban"

# ===== 2. link loss ==============================================================
m=$(mark)
ip -n "$(ns sw)" link set upl down
t0=$(date +%s%N)
l=$(wait_leds "$m" 3 ' lan=off ')
t1=$(date +%s%N)
why="'$l' (after $(((t1 - t0) / 1000000)) ms); last: '$(leds_now)'"
check "link loss: lan LED off within 3 s ($(((t1 - t0) / 1000000)) ms), fault none" \
	bash -c "echo '$l' | grep -qE 'lan=off wan=on .* fault=off'"
why="$(tail -c "+$m" "$LOG" | grep -ao 'status: [a-z= ]*' | tail -n 1)"
check "link loss: the console status line says lan=down" \
	bash -c "tail -c '+$m' '$LOG' | grep -aq 'status: ready lan=down wan=up'"
m=$(mark)
ip -n "$(ns sw)" link set upl up
l=$(wait_leds "$m" 5 ' lan=on ')
why="'$l'; last: '$(leds_now)'"
check "link back: lan LED on again" bash -c "echo '$l' | grep -qE 'lan=on wan=on'"
m=$(mark)
ip -n "$(ns sw)" link set upw down
l=$(wait_leds "$m" 3 ' wan=off ')
why="'$l'; last: '$(leds_now)'"
check "link loss: wan peer down -> wan LED off, lan stays on" \
	bash -c "echo '$l' | grep -qE 'lan=on wan=off .* fault=off'"
m=$(mark)
ip -n "$(ns sw)" link set upw up
l=$(wait_leds "$m" 5 ' wan=on ')
why="'$l'; last: '$(leds_now)'"
check "link back: wan LED on again" bash -c "echo '$l' | grep -qE 'lan=on wan=on'"
for _ in $(seq 30); do office ping -c 1 -W 1 -q 10.77.0.250 >/dev/null 2>&1 && break; done

# ===== 3. an alert ===============================================================
m=$(mark)
r=$(upload 10.77.0.100)
l=$(wait_leds "$m" 5 ' alert=fast ')
why="upload '$r'; '$l'; last: '$(leds_now)'"
check "alert: MP4 upload over the threshold -> alert LED fast (unacknowledged)" \
	bash -c "echo '$l' | grep -q 'alert=fast fault=off' && grep -q '\"remote_ip\":\"10.77.0.100\"' '$OUT'"
why="$(tail -c "+$m" "$LOG" | grep -ao 'status: [a-z= ]*' | tail -n 1)"
check "alert: the console status line says alerts=1" \
	bash -c "tail -c '+$m' '$LOG' | grep -aq 'status: .*alerts=1 '"

# The web page's view of the same LEDs: GET /api/status "leds", logged in with
# the banner's first-boot password.
pw=$(tr -d '\r\000' <"$LOG" | sed -n 's/^first-boot password: \([A-Za-z0-9-]*\).*/\1/p' | head -n 1)
csrf=$(office curl -sk -c "$W/jar" -H 'Content-Type: application/json' \
	-d "{\"password\":\"$pw\"}" https://10.77.0.250/api/login | sed -n 's/.*"csrf": *"\([0-9a-f]*\)".*/\1/p')
# A first-boot session must change the password before it may read anything.
office curl -sk -b "$W/jar" -o /dev/null -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
	-d "{\"old\":\"$pw\",\"new\":\"lab-leds-console-pw\"}" https://10.77.0.250/api/password
office curl -sk -b "$W/jar" -o "$W/status.json" https://10.77.0.250/api/status
why="password '$pw'; $(head -c 300 "$W/status.json")"
check "alert: GET /api/status shows leds.alert fast and leds.lan on" $PY -c '
import json, sys
l = json.load(open(sys.argv[1]))["leds"]
sys.exit(0 if l["alert"]["pattern"] == "fast" and l["lan"]["pattern"] == "on" else 1)' "$W/status.json"

# ===== 4. acknowledge ============================================================
m=$(mark)
type_line ack
l=$(wait_leds "$m" 3 ' alert=off ')
why="'$l'; last: '$(leds_now)'; console: $(tail -c "+$m" "$LOG" | tr -d '\r\000' | tr '\n' '|' | cut -c1-300)"
check "ack: console ack -> alert LED off" bash -c "echo '$l' | grep -q 'alert=off fault=off'"

# ===== 5. a block ================================================================
m=$(mark)
type_line "config set quarantine_s 6"
type_line "config set mode block"
l=$(wait_leds "$m" 3 ' mode=double ')
why="'$l'; console: $(tail -c "+$m" "$LOG" | tr -d '\r\000' | tr '\n' '|' | cut -c1-300)"
check "block: console config set mode block -> mode LED double" \
	bash -c "echo '$l' | grep -q 'mode=double alert=off'"
m=$(mark)
r=$(upload 10.77.0.101)
lon=$(wait_leds "$m" 5 ' alert=on ')
g=$(get 10.77.0.101)
why="upload '$r'; '$lon'; last: '$(leds_now)'"
check "block: the upload is cut and the alert LED is on (solid) while the quarantine holds" \
	bash -c "[ '${r%% *}' != 0 ] && echo '$lon' | grep -q 'alert=on'"
why="GET '$g'"
check "block: the quarantined remote is unreachable while the LED is on" [ "$g" != 200 ]
loff=$(wait_leds "$m" 15 ' alert=(fast|off) ')
ton=$(ms_of "$lon")
toff=$(ms_of "$loff")
held=$((${toff:-0} - ${ton:-0}))
why="on '$lon', then '$loff'"
check "block: the quarantine ends: alert LED leaves on after ${held} ms (quarantine_s 6)" \
	bash -c "[ -n '$loff' ] && [ -n '$ton' ] && [ $held -ge 4500 ] && [ $held -le 9000 ]"
g=$(get 10.77.0.101)
why="GET after the quarantine: '$g'"
check "block: after the quarantine the remote answers again" [ "$g" = 200 ]
type_line ack
stop_leaktap main

# ===== 7. full disk ==============================================================
# A private mount namespace: the 64 KiB tmpfs exists only for this leaktap.
F=$W/full
start_leaktap full unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs -o size=64k tmpfs "$1" &&
	{ dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; shift; exec "$@"; }' sh "$F" \
	"${LT[@]}" --config "$W/monitor.json" --state-dir "$F" ||
	abort "leaktap (full disk) did not start: $(tail -n 3 "$LOG")"
m=$(mark)
r=$(upload 10.77.0.102)
l=$(wait_leds "$m" 5 ' fault=on')
why="upload '$r'; '$l'; last: '$(leds_now)'"
check "full disk: fault LED on" bash -c "echo '$l' | grep -q 'fault=on'"
n=$(grep -ac 'FAULT: state dir.*storage full' "$LOG")
why="$n FAULT lines: $(grep -a FAULT "$LOG" | head -n 3 | tr '\n' '|')"
check "full disk: exactly one console FAULT line (storage full)" [ "$n" = 1 ]
g=$(get 10.77.0.100)
r2=$(upload 10.77.0.101)
why="first upload '$r', GET '$g', second upload '$r2'"
check "full disk: forwarding continues (uploads complete, next request answered)" \
	bash -c "[ '$r' = '0 200' ] && [ '$g' = 200 ] && [ '$r2' = '0 200' ]"
sleep 1
n=$(grep -ac 'FAULT' "$LOG")
why="$n FAULT lines after a second alert"
check "full disk: still one FAULT line after the next failed write" [ "$n" = 1 ]
stop_leaktap "full disk"
finish
