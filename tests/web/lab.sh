#!/usr/bin/env bash
# Browser tests (tests/web/run.py, real headless Chromium) against the real
# appliance in the lab: leaktap inline between the office switch and the router,
# first boot (empty state directory), its page on https://10.77.0.250.
#
#   lq2-office  10.77.0.10 (Chromium + the upload) --[br-lan]-- lan0 [lq2-app: leaktap, mgmt 10.77.0.250] wan0 --[br-wan]-- lq2-internet
#   lq2-office2 10.77.0.11 (a bounded ping: an office is never silent)                                                     10.77.0.53 dnsmasq
#                                                                                                    10.77.0.100-102 upload sink :80
#
# leaktap: build/asan/leaktap --lan lan0 --wan wan0 --config CFG --state-dir DIR
# (monitor, threshold_mb 5, local_nets 10.77.0.0/26, mgmt static 10.77.0.250/24).
# The one-time password is read from its stderr; the browser runs in the office
# namespace (tools/lab exec: its own mount namespace with the lab's resolver) with
# --upload-cmd = curl -F of a real 12 MB MP4 from the office through the bridge
# to three hosts (rec., cam., upload.video.test: three alerts, three
# destinations). Screenshots: build/web-shots/ (FAIL-<test>.png on a failure).
# Prints run.py's PASS/FAIL lines, the status page's load time and the page
# weight, then "N passed, N failed"; leaktap must exit 0 on SIGTERM with
# no sanitizer report (two more checks).
#
# Usage (root): tests/web/lab.sh [run.py options] (LEAKTAP_BIN overrides the
# binary). Work files in build/lab/web. Every process runs under `timeout`;
# namespaces and processes are removed on exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
BIN=${LEAKTAP_BIN:-build/asan/leaktap}
case $BIN in /*) ;; *) BIN=$top/$BIN ;; esac
PY=/usr/bin/python3
NAME=lw$$
W=$top/build/lab/web
M=$W/media
APP=10.77.0.250
SHOTS=$top/build/web-shots
pass=0 fail=0

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

[ "$(id -u)" = 0 ] || abort "needs root (network namespaces)"
for c in ffmpeg dnsmasq curl ip ss flock chromium chromedriver; do
	command -v $c >/dev/null 2>&1 || abort "missing $c (tools/bootstrap)"
done
[ -x "$BIN" ] || abort "$BIN not built (make asan)"

# shellcheck source=tools/lab
. tools/lab
PIDS=()
lt_pid=
cleanup() {
	local p n
	trap '' INT TERM
	[ -n "$lt_pid" ] && kill "$lt_pid" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in $lt_pid "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	# Chromium and its driver, if run.py was killed: only processes in our namespaces
	for n in office office2 internet app; do
		for p in $(ip netns pids "$(lab_ns "$NAME" $n)" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	lab_down "$NAME"
}
trap cleanup EXIT
trap 'ko interrupted; finish' INT TERM

mkdir -p "$W"
exec 9>"$W/.lock"
flock -n 9 || abort "another run holds $W/.lock"
rm -rf "${W:?}/log" "${W:?}/etc" "${W:?}/state"
mkdir -p "$W"/{log,etc,state} "$M" "$SHOTS"
export LAB_DIR=$W/etc
lab_down "$NAME" # a run killed with -9 leaves its namespaces; this lab name is ours

if ! [ -s "$M/clip.mp4" ] || ! [ "$M/clip.mp4" -nt "$0" ]; then
	ffmpeg -nostdin -hide_banner -v error -y -f lavfi -i "testsrc2=size=640x360:rate=30:duration=1.1" \
		-vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -qp 0 -pix_fmt yuv420p \
		-movflags +faststart "$M/clip.mp4" >"$W/log/ffmpeg.log" 2>&1 || abort "ffmpeg failed"
fi
cat >"$W/etc/dnsmasq.conf" <<EOF
# web lab: private DNS; answers .test names only.
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=10.77.0.53
local=/test/
host-record=upload.video.test,10.77.0.100
host-record=cam.video.test,10.77.0.101
host-record=rec.video.test,10.77.0.102
pid-file=$W/etc/dnsmasq.pid
EOF
cat >"$W/etc/config.json" <<EOF
{"mode": "monitor", "threshold_mb": 5, "local_nets": ["10.77.0.0/26", "fd77::/120"],
 "mgmt": {"dhcp": false, "address": "$APP/24", "hostname": "leaktap"}}
EOF

ns() { lab_ns "$NAME" "$1"; }
lab_up "$NAME" --appliance || abort "tools/lab up failed"
ip netns exec "$(ns internet)" timeout -k 2 280 $PY tests/lab/mgmt_lab.py sink 80 >"$W/log/sink.log" 2>&1 &
PIDS+=($!)
ip netns exec "$(ns internet)" timeout -k 2 280 dnsmasq -k -C "$W/etc/dnsmasq.conf" --user=root --group=root \
	>"$W/log/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	[ -n "$(ip netns exec "$(ns internet)" ss -Hltn 'sport = :80')" ] &&
		[ -n "$(ip netns exec "$(ns internet)" ss -Hlun 'sport = :53')" ] && break
	sleep 0.1
done
[ -n "$(ip netns exec "$(ns internet)" ss -Hltn 'sport = :80')" ] || abort "sink did not start"

lt_log=$W/log/leaktap.log
ip netns exec "$(ns app)" timeout -k 5 280 "$BIN" --lan lan0 --wan wan0 --config "$W/etc/config.json" \
	--state-dir "$W/state" >"$W/log/alerts.jsonl" 2>"$lt_log" &
lt_pid=$!
for _ in $(seq 150); do
	grep -q "first-boot password:" "$lt_log" && grep -q "forwarding between" "$lt_log" && break
	kill -0 $lt_pid 2>/dev/null || break
	sleep 0.1
done
OTP=$(grep -ao 'first-boot password: [A-Za-z0-9]\{16\}' "$lt_log" | head -n 1 | sed 's/.*: //')
[ ${#OTP} = 16 ] || abort "no one-time password on leaktap's stderr: $(tail -n 3 "$lt_log")"
for _ in $(seq 60); do
	code=$(lab_exec "$NAME" office timeout 5 curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "https://$APP/" 2>/dev/null)
	[ "$code" = 200 ] && break
	sleep 0.25
done
[ "$code" = 200 ] || abort "no HTTPS answer from https://$APP/ (last: ${code:-none})"

# background traffic: the status page must see the LAN counters move
ip netns exec "$(ns office2)" timeout -k 2 240 ping -i 0.5 -q 10.77.0.53 >/dev/null 2>&1 &
PIDS+=($!)

# three destinations, so that the destinations test has rows to approve and reject
upload=
for h in rec.video.test cam.video.test upload.video.test; do
	upload="$upload${upload:+ && }curl -sS -o /dev/null --max-time 30 -F 'file=@$M/clip.mp4;type=video/mp4' http://$h/upload/clip.mp4"
done
rm -f "$SHOTS"/*.png
lab_exec "$NAME" office timeout -k 5 240 tests/web/run.sh "https://$APP" --otp "$OTP" \
	--shots "$SHOTS" --upload-cmd "$upload" "$@" 2>&1 | tee "$W/log/browser.log" | grep -v '^[0-9]* passed, '
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$W/log/browser.log" | tail -n 1)
if [ -n "$line" ]; then
	pass=$((pass + $(echo "$line" | awk '{print $1}')))
	fail=$((fail + $(echo "$line" | awk '{print $3}' | tr -d ',')))
	echo "  browser: $line"
else
	ko "browser tests" "run.py ended without a result line (see $W/log/browser.log)"
fi
grep -E 'status page:' "$W/log/browser.log" | sed 's/^ */  /'
tools/page_weight 2>/dev/null | tail -n 1 | sed 's/^/  /'
echo "  screenshots: $(find "$SHOTS" -maxdepth 1 -name '*.png' | wc -l) in $SHOTS"

kill -TERM "$lt_pid" 2>/dev/null
for _ in $(seq 100); do kill -0 "$lt_pid" 2>/dev/null || break; sleep 0.1; done
wait "$lt_pid"
rc=$?
lt_pid=
[ "$rc" = 0 ] && ok "leaktap exits 0 on SIGTERM" || ko "leaktap exits 0 on SIGTERM" "exit $rc; $(tail -n 3 "$lt_log")"
if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error' "$lt_log"; then
	ko "no sanitizer report" "see $lt_log"
else
	ok "no sanitizer report"
fi
finish
