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
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh web-lab lw$$ build/lab/web
M=$W/media
APP=10.77.0.250
SHOTS=$top/build/web-shots

T_CMD_HINT=tools/bootstrap
t_need ffmpeg dnsmasq curl ip ss flock chromium chromedriver
# Chromium and its driver, if run.py was killed: only processes in our namespaces
t_cleanup_more() {
	local n p
	for n in office office2 internet app; do
		for p in $(ip netns pids "$(t_ns $n)" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
}
t_lock
rm -rf "${W:?}/log" "${W:?}/etc" "${W:?}/state"
mkdir -p "$W"/{log,etc,state} "$M" "$SHOTS"
export LAB_DIR=$W/etc
lab_down "$NAME" # a run killed with -9 leaves its namespaces; this lab name is ours

t_mp4 "$M/clip.mp4" 1.1 "$W/log/ffmpeg.log" -qp 0 -movflags +faststart || t_abort "ffmpeg failed"
t_dnsmasq_conf "$W/etc/dnsmasq.conf" "$W/etc/dnsmasq.pid" "web lab" \
	host-record=upload.video.test,10.77.0.100 host-record=cam.video.test,10.77.0.101 \
	host-record=rec.video.test,10.77.0.102
cat >"$W/etc/config.json" <<EOF
{"mode": "monitor", "threshold_mb": 5, "local_nets": ["10.77.0.0/26", "fd77::/120"],
 "mgmt": {"dhcp": false, "address": "$APP/24", "hostname": "leaktap"}}
EOF

lab_up "$NAME" --appliance || t_abort "tools/lab up failed"
t_start_server sink internet 280 $PY tests/lab/mgmt_lab.py sink 80
t_start_server dnsmasq internet 280 dnsmasq -k -C "$W/etc/dnsmasq.conf" --user=root --group=root
for _ in $(seq 50); do
	[ -n "$(ip netns exec "$(t_ns internet)" ss -Hltn 'sport = :80')" ] &&
		[ -n "$(ip netns exec "$(t_ns internet)" ss -Hlun 'sport = :53')" ] && break
	sleep 0.1
done
[ -n "$(ip netns exec "$(t_ns internet)" ss -Hltn 'sport = :80')" ] || t_abort "sink did not start"

t_lt_launch "" ip netns exec "$(t_ns app)" timeout -k 5 280 "$BIN" --lan lan0 --wan wan0 --config "$W/etc/config.json" \
	--state-dir "$W/state"
t_lt_wait_log "first-boot password:" 150 && t_lt_wait_log "forwarding between" 150
OTP=$(t_otp)
[ ${#OTP} = 16 ] || t_abort "no one-time password on leaktap's stderr: $(tail -n 3 "$lt_log")"
t_https_up "https://$APP/" || t_abort "no HTTPS answer from https://$APP/ (last: ${t_code:-none})"

# background traffic: the status page must see the LAN counters move
ip netns exec "$(t_ns office2)" timeout -k 2 240 ping -i 0.5 -q 10.77.0.53 >/dev/null 2>&1 &
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
	t_ko "browser tests" "run.py ended without a result line (see $W/log/browser.log)"
fi
grep -E 'status page:' "$W/log/browser.log" | sed 's/^ */  /'
tools/page_weight 2>/dev/null | tail -n 1 | sed 's/^/  /'
echo "  screenshots: $(find "$SHOTS" -maxdepth 1 -name '*.png' | wc -l) in $SHOTS"

t_lt_stop "" 100
t_finish
