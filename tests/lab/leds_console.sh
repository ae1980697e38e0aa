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
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh leds_console lv$$ build/lab/leds_console

t_need ffmpeg curl ip unshare mkfifo
t_cleanup_more() { exec 7>&- 2>/dev/null; }

rm -rf "${W:?}"
mkdir -p "$W"/{log,media,state,full}
office() { ip netns exec "$(t_ns office)" timeout -k 2 30 "$@"; }

ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=320x240:rate=25:duration=2" \
	-vf noise=alls=30:allf=t -c:v libx264 -preset ultrafast -qp 0 -pix_fmt yuv420p \
	-movflags +faststart "$W/media/clip.mp4" || t_abort "ffmpeg"
[ "$(stat -c %s "$W/media/clip.mp4")" -gt 1500000 ] || t_abort "clip.mp4 smaller than the threshold"

lab_up "$NAME" --appliance >"$W/log/lab.log" 2>&1 || t_abort "tools/lab up $NAME (is an old one left? tools/lab down $NAME)"

# upload sink for the remotes 10.77.0.100-102
t_start_server sink internet 300 $PY tests/lab/mgmt_lab.py sink 80
t_wait_port internet t 0.0.0.0:80 || t_abort "sink did not start"

cat >"$W/monitor.json" <<EOF
{"mode": "monitor", "threshold_mb": 1, "quarantine_s": 600, "local_nets": ["10.77.0.0/26"],
 "mgmt": {"dhcp": false, "address": "10.77.0.250/24", "hostname": "leaktap"}}
EOF

# The console: a FIFO held open here (fd 7), so leaktap's stdin never ends.
mkfifo "$W/console"
exec 7<>"$W/console"
type_line() { printf '%s\r' "$1" >&7; }

LOG="" OUT=""
# Start leaktap (label, then wrapper + args); waits for the banner's prompt and a ping.
start_leaktap() { # label command...
	local label=$1
	shift
	LEAKTAP_LED_LOG=1 T_LT_IN=$W/console t_lt_launch "$label" "$@"
	LOG=$lt_log
	OUT=$lt_alerts
	t_lt_wait_log "leaktap> " 150 || kill -0 "$lt_pid" 2>/dev/null || return 1
	t_ping_ok office 10.77.0.250 50
}
stop_leaktap() { t_lt_stop "$1" 150; } # label
LT=(ip netns exec "$(t_ns app)" timeout -k 5 200 "$BIN" --lan lan0 --wan wan0)

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
	t_abort "leaktap did not start: $(tail -n 3 "$LOG")"
sleep 0.5
first=$(leds_since 1 | head -n 1)
T_WHY="first LED line: '$first'"
t_check "boot: the first LED line shows power fast (booting)" \
	bash -c "echo '$first' | grep -qE ' power=fast '"
l=$(wait_leds 1 3 ' power=on ')
T_WHY="'$l'"
t_check "boot: then power on, mode on (monitor), links on, alert off, fault off" \
	bash -c "echo '$l' | grep -qE 'power=on lan=on wan=on mode=on alert=off fault=off'"
ban=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\r//g' "$LOG")
T_WHY="$(echo "$ban" | head -n 8 | tr '\n' '|')"
t_check "banner: version, board, ports, management 10.77.0.250/24, first-boot password" \
	bash -c "echo \"\$1\" | grep -qE '^leaktap [0-9]+\.[0-9]+\.[0-9]+ on native_sim' &&
		echo \"\$1\" | grep -q 'lan=lan0 wan=wan0' &&
		echo \"\$1\" | grep -q '^management: *10.77.0.250/24 (static)' &&
		echo \"\$1\" | grep -qE '^first-boot password: [^ ]+'" _ "$ban"

# ===== 2. link loss ==============================================================
m=$(mark)
ip -n "$(t_ns sw)" link set upl down
t0=$(date +%s%N)
l=$(wait_leds "$m" 3 ' lan=off ')
t1=$(date +%s%N)
T_WHY="'$l' (after $(((t1 - t0) / 1000000)) ms); last: '$(leds_now)'"
t_check "link loss: lan LED off within 3 s ($(((t1 - t0) / 1000000)) ms), fault none" \
	bash -c "echo '$l' | grep -qE 'lan=off wan=on .* fault=off'"
T_WHY="$(tail -c "+$m" "$LOG" | grep -ao 'status: [a-z= ]*' | tail -n 1)"
t_check "link loss: the console status line says lan=down" \
	bash -c "tail -c '+$m' '$LOG' | grep -aq 'status: ready lan=down wan=up'"
m=$(mark)
ip -n "$(t_ns sw)" link set upl up
l=$(wait_leds "$m" 5 ' lan=on ')
T_WHY="'$l'; last: '$(leds_now)'"
t_check "link back: lan LED on again" bash -c "echo '$l' | grep -qE 'lan=on wan=on'"
m=$(mark)
ip -n "$(t_ns sw)" link set upw down
l=$(wait_leds "$m" 3 ' wan=off ')
T_WHY="'$l'; last: '$(leds_now)'"
t_check "link loss: wan peer down -> wan LED off, lan stays on" \
	bash -c "echo '$l' | grep -qE 'lan=on wan=off .* fault=off'"
m=$(mark)
ip -n "$(t_ns sw)" link set upw up
l=$(wait_leds "$m" 5 ' wan=on ')
T_WHY="'$l'; last: '$(leds_now)'"
t_check "link back: wan LED on again" bash -c "echo '$l' | grep -qE 'lan=on wan=on'"
for _ in $(seq 30); do office ping -c 1 -W 1 -q 10.77.0.250 >/dev/null 2>&1 && break; done

# ===== 3. an alert ===============================================================
m=$(mark)
r=$(upload 10.77.0.100)
l=$(wait_leds "$m" 5 ' alert=fast ')
T_WHY="upload '$r'; '$l'; last: '$(leds_now)'"
t_check "alert: MP4 upload over the threshold -> alert LED fast (unacknowledged)" \
	bash -c "echo '$l' | grep -q 'alert=fast fault=off' && grep -q '\"remote_ip\":\"10.77.0.100\"' '$OUT'"
T_WHY="$(tail -c "+$m" "$LOG" | grep -ao 'status: [a-z= ]*' | tail -n 1)"
t_check "alert: the console status line says alerts=1" \
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
T_WHY="password '$pw'; $(head -c 300 "$W/status.json")"
t_check "alert: GET /api/status shows leds.alert fast and leds.lan on" $PY -c '
import json, sys
l = json.load(open(sys.argv[1]))["leds"]
sys.exit(0 if l["alert"]["pattern"] == "fast" and l["lan"]["pattern"] == "on" else 1)' "$W/status.json"

# ===== 4. acknowledge ============================================================
m=$(mark)
type_line ack
l=$(wait_leds "$m" 3 ' alert=off ')
T_WHY="'$l'; last: '$(leds_now)'; console: $(tail -c "+$m" "$LOG" | tr -d '\r\000' | tr '\n' '|' | cut -c1-300)"
t_check "ack: console ack -> alert LED off" bash -c "echo '$l' | grep -q 'alert=off fault=off'"

# ===== 5. a block ================================================================
m=$(mark)
type_line "config set quarantine_s 6"
type_line "config set mode block"
l=$(wait_leds "$m" 3 ' mode=double ')
T_WHY="'$l'; console: $(tail -c "+$m" "$LOG" | tr -d '\r\000' | tr '\n' '|' | cut -c1-300)"
t_check "block: console config set mode block -> mode LED double" \
	bash -c "echo '$l' | grep -q 'mode=double alert=off'"
m=$(mark)
r=$(upload 10.77.0.101)
lon=$(wait_leds "$m" 5 ' alert=on ')
g=$(get 10.77.0.101)
T_WHY="upload '$r'; '$lon'; last: '$(leds_now)'"
t_check "block: the upload is cut and the alert LED is on (solid) while the quarantine holds" \
	bash -c "[ '${r%% *}' != 0 ] && echo '$lon' | grep -q 'alert=on'"
T_WHY="GET '$g'"
t_check "block: the quarantined remote is unreachable while the LED is on" [ "$g" != 200 ]
loff=$(wait_leds "$m" 15 ' alert=(fast|off) ')
ton=$(ms_of "$lon")
toff=$(ms_of "$loff")
held=$((${toff:-0} - ${ton:-0}))
T_WHY="on '$lon', then '$loff'"
t_check "block: the quarantine ends: alert LED leaves on after ${held} ms (quarantine_s 6)" \
	bash -c "[ -n '$loff' ] && [ -n '$ton' ] && [ $held -ge 4500 ] && [ $held -le 9000 ]"
g=$(get 10.77.0.101)
T_WHY="GET after the quarantine: '$g'"
t_check "block: after the quarantine the remote answers again" [ "$g" = 200 ]
type_line ack
stop_leaktap main

# ===== 7. full disk ==============================================================
# A private mount namespace: the 64 KiB tmpfs exists only for this leaktap.
F=$W/full
start_leaktap full unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs -o size=64k tmpfs "$1" &&
	{ dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; shift; exec "$@"; }' sh "$F" \
	"${LT[@]}" --config "$W/monitor.json" --state-dir "$F" ||
	t_abort "leaktap (full disk) did not start: $(tail -n 3 "$LOG")"
m=$(mark)
r=$(upload 10.77.0.102)
l=$(wait_leds "$m" 5 ' fault=on')
T_WHY="upload '$r'; '$l'; last: '$(leds_now)'"
t_check "full disk: fault LED on" bash -c "echo '$l' | grep -q 'fault=on'"
n=$(grep -ac 'FAULT: state dir.*storage full' "$LOG")
T_WHY="$n FAULT lines: $(grep -a FAULT "$LOG" | head -n 3 | tr '\n' '|')"
t_check "full disk: exactly one console FAULT line (storage full)" [ "$n" = 1 ]
g=$(get 10.77.0.100)
r2=$(upload 10.77.0.101)
T_WHY="first upload '$r', GET '$g', second upload '$r2'"
t_check "full disk: forwarding continues (uploads complete, next request answered)" \
	bash -c "[ '$r' = '0 200' ] && [ '$g' = 200 ] && [ '$r2' = '0 200' ]"
sleep 1
n=$(grep -ac 'FAULT' "$LOG")
T_WHY="$n FAULT lines after a second alert"
t_check "full disk: still one FAULT line after the next failed write" [ "$n" = 1 ]
stop_leaktap "full disk"
t_finish
