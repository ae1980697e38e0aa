#!/usr/bin/env bash
# The serial console of the real firmware through a pty: tests/console/cli_pty.py
# types at build/asan/leaktap running inline in lab lv2 (static management
# address 10.77.0.250, a fresh --state-dir), and also checks the banner
# (version, board, ports, management address, first-boot password) and that
# passwd-reset's one-time password works for POST /api/login (curl -k from the
# office), while the first-boot password then fails.
#
#   lv2-office 10.77.0.10 --[br-lan]-- lan0 [lv2-app: leaktap on a pty] wan0 --[br-wan]-- lv2-internet
#
# Usage (root): tests/console/real.sh; LEAKTAP_BIN overrides build/asan/leaktap.
# Ends with "N passed, N failed" (cli_pty.py's count plus this script's).
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
BIN=${LEAKTAP_BIN:-build/asan/leaktap}
case $BIN in /*) ;; *) BIN=$top/$BIN ;; esac
PY=/usr/bin/python3
NAME=lr$$
W=$top/build/lab/console_real

bail() { echo "console-real: $*"; echo "0 passed, 1 failed"; exit 1; }
[ "$(id -u)" = 0 ] || bail "needs root (network namespaces)"
command -v curl >/dev/null || bail "missing curl"
[ -x "$BIN" ] || bail "$BIN not built (make asan)"

# shellcheck source=tools/lab
. tools/lab
trap 'lab_down "$NAME"' EXIT
rm -rf "${W:?}"
mkdir -p "$W/state"
cat >"$W/config.json" <<EOF
{"mode": "monitor", "threshold_mb": 20, "local_nets": ["10.77.0.0/26"],
 "mgmt": {"dhcp": false, "address": "10.77.0.250/24", "hostname": "leaktap"}}
EOF
lab_up "$NAME" --appliance >"$W/lab.log" 2>&1 || bail "tools/lab up $NAME failed (old lab left? tools/lab down $NAME)"

ver=$("$BIN" --version | awk '{print $2}')
# POST /api/login from the office; prints the HTTP status. The password is
# JSON-safe (one-time passwords are letters, digits and dashes).
login="ip netns exec $(lab_ns "$NAME" office) curl -sk -o /dev/null --max-time 15 -w '%{http_code}' \
 -H 'Content-Type: application/json' -d '{\"password\":\"{pw}\"}' https://10.77.0.250/api/login"

# The pty child: leaktap in the app namespace; ASan reports go to a file.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:log_path=$W/asan \
	timeout -k 5 170 $PY tests/console/cli_pty.py --timeout 15 \
	--banner "leaktap $ver on native_sim" --banner "lan=lan0 wan=wan0" \
	--banner "management: 10.77.0.250/24 (static)" --login "$login" \
	-- ip netns exec "$(lab_ns "$NAME" app)" "$BIN" --lan lan0 --wan wan0 \
	--config "$W/config.json" --state-dir "$W/state" | tee "$W/pty.log"
rc=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$W/pty.log" | tail -n 1)
p=${line%% passed*}
f=$(echo "$line" | awk '{print $3}')
# A sanitizer report in the firmware fails the suite even if the checks passed.
if ls "$W"/asan* >/dev/null 2>&1; then
	echo "FAIL sanitizer report: $(ls "$W"/asan*)"
	f=$((${f:-0} + 1))
else
	echo "ok   no sanitizer report"
	p=$((${p:-0} + 1))
fi
[ -n "$line" ] || f=$((${f:-0} + 1))
echo "${p:-0} passed, ${f:-0} failed"
[ "$rc" = 0 ] && [ "${f:-0}" = 0 ]
