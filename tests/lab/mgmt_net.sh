#!/usr/bin/env bash
# Lab test of the management stack: leaktap inline, with its own address.
#
# Topology (tools/lab up NAME --appliance, NAME = ln<pid>):
#
#   NAME-office 10.77.0.10 --[br-lan]-- lan0 [NAME-app: leaktap + lwIP] wan0 --[br-wan]-- NAME-internet
#                                                                                     10.77.0.53  dnsmasq DHCP (no DNS)
#                                                                                     10.77.0.120 SNTP server (mgmt_tool.py)
#
# Run 1, config {"mgmt": {"dhcp": true, "address": "10.77.0.250/24"}}:
#   - the appliance takes a DHCP lease from dnsmasq on the wan side
#     (10.77.0.200-.209) before the static fallback is due, and prints it;
#   - ping from the office to that address answers;
#   - a legacy mDNS query for leaktap.local from the office is answered with
#     that address; ping to its IPv6 link-local address (from its MAC) answers;
#   - SNTP against the server DHCP announced (option 42): "time synced";
#   - TCP to the stack's test listener (port 9, test builds only), over IPv4
#     and IPv6 link-local: from the office it connects, from the internet
#     namespace it is refused (RST);
#   - forwarding keeps working: office <-> internet ping, no loss.
# Run 2, config {"mgmt": {"dhcp": false, "address": "10.77.0.251/24", "from_wan": true,
#                 "mac": "02:77:00:00:00:fe"}}:
#   - the static address is used at once; ping answers, from the configured MAC;
#     from the internet the listener now connects (from_wan allowed).
# Each run: leaktap exits 0 on SIGTERM, no sanitizer report.
#
# Usage (root): tests/lab/mgmt_net.sh  (LEAKTAP_BIN overrides build/asan/leaktap,
# which must be a CONFIG_TEST_FAULTS build for the port-9 listener).
# Output: PASS/FAIL lines, then "N passed, N failed". Work files in build/lab/mgmt.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
BIN=${LEAKTAP_BIN:-build/asan/leaktap}
case $BIN in /*) ;; *) BIN=$top/$BIN ;; esac
PY=/usr/bin/python3
TOOL=$top/tests/lab/mgmt_tool.py
NAME=ln$$
W=$top/build/lab/mgmt
pass=0 fail=0
APP_LL=fe80::1e:a7ff:fe00:1 # EUI-64 of the native_sim board MAC 02:1e:a7:00:00:01

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

[ "$(id -u)" = 0 ] || {
	echo "mgmt_net: needs root (network namespaces)"
	echo "0 passed, 1 failed"
	exit 1
}
for c in dnsmasq ip ping timeout; do
	command -v $c >/dev/null 2>&1 || abort "missing $c"
done
[ -x "$BIN" ] || abort "$BIN not built (make asan)"

# shellcheck source=tools/lab
. tools/lab
PIDS=()
lt_pid=
cleanup() {
	local p
	for p in $lt_pid "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in $lt_pid "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	lab_down "$NAME"
}
trap cleanup EXIT
trap 'ko interrupted; finish' INT TERM

rm -rf "$W"
mkdir -p "$W/log" "$W/etc"
ns() { lab_ns "$NAME" "$1"; }
in_ns() { # seconds host cmd...: cmd in that host's namespace, bounded in time
	local t=$1 h=$2
	shift 2
	ip netns exec "$(ns "$h")" timeout -k 2 "$t" "$@"
}

cat >"$W/etc/dnsmasq.conf" <<EOF
# leaktap management lab: DHCP only (port=0: no DNS), for the appliance.
port=0
interface=eth0
bind-interfaces
dhcp-range=10.77.0.200,10.77.0.209,255.255.255.0,10m
dhcp-option=option:router,10.77.0.53
dhcp-option=option:ntp-server,10.77.0.120
dhcp-authoritative
dhcp-leasefile=$W/log/dnsmasq.leases
log-dhcp
log-facility=$W/log/dnsmasq.log
pid-file=$W/log/dnsmasq.pid
EOF

lab_up "$NAME" --appliance || abort "tools/lab up failed"
ip netns exec "$(ns internet)" timeout -k 2 150 dnsmasq -k -C "$W/etc/dnsmasq.conf" \
	--user=root --group=root >"$W/log/dnsmasq.out" 2>&1 &
PIDS+=($!)
ip netns exec "$(ns internet)" timeout -k 2 150 $PY "$TOOL" sntp-server 10.77.0.120 145 \
	>"$W/log/sntp.log" 2>&1 &
PIDS+=($!)

start_leaktap() { # label json
	echo "$2" >"$W/etc/$1.json"
	lt_log=$W/log/leaktap-$1.log
	ip netns exec "$(ns app)" timeout -k 5 120 "$BIN" --lan lan0 --wan wan0 \
		--config "$W/etc/$1.json" >"$W/log/alerts-$1.jsonl" 2>"$lt_log" &
	lt_pid=$!
}
stop_leaktap() { # label
	local rc
	kill -TERM "$lt_pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$lt_pid" 2>/dev/null || break; sleep 0.1; done
	wait "$lt_pid"
	rc=$?
	lt_pid=
	[ "$rc" = 0 ] && ok "$1: leaktap exits 0 on SIGTERM" || ko "$1: leaktap exits 0 on SIGTERM" "exit $rc"
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error' "$lt_log"; then
		ko "$1: no sanitizer report" "see $lt_log"
	else
		ok "$1: no sanitizer report"
	fi
}
wait_log() { # pattern seconds: wait for a line in the leaktap log
	local i
	for i in $(seq $(($2 * 10))); do
		grep -qE "$1" "$lt_log" && return 0
		kill -0 "$lt_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
expect() { # name expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1" "expected '$2', got '$3'"; fi
}

# =============================================================================
# Run 1: DHCP
# =============================================================================
start_leaktap dhcp '{"mode": "monitor", "mgmt": {"dhcp": true, "address": "10.77.0.250/24"}}'
if wait_log 'mgmt: [0-9.]+/[0-9]+ (from DHCP|static)' 15; then
	line=$(grep -oE 'mgmt: [0-9.]+/[0-9]+ (from DHCP|static)' "$lt_log" | head -n 1)
	echo "  $line"
	addr=$(echo "$line" | sed -E 's|mgmt: ([0-9.]+)/.*|\1|')
	case $line in
	*"from DHCP"*) case $addr in 10.77.0.20[0-9]) ok "dhcp: lease from dnsmasq ($addr)" ;;
		*) ko "dhcp: lease from dnsmasq" "$line" ;; esac ;;
	*) ko "dhcp: lease from dnsmasq" "$line" ;;
	esac
else
	ko "dhcp: address acquired" "$(tail -n 3 "$lt_log")"
	addr=10.77.0.250
fi
grep -q "DHCPACK(eth0) $addr 02:1e:a7:00:00:01 leaktap" "$W/log/dnsmasq.log" &&
	ok "dhcp: dnsmasq leased it to the board MAC with hostname leaktap" ||
	ko "dhcp: dnsmasq leased it to the board MAC with hostname leaktap" "$(grep DHCPACK "$W/log/dnsmasq.log")"

if in_ns 10 office ping -c 3 -i 0.3 -W 2 -q "$addr" >"$W/log/ping-mgmt.txt" 2>&1; then
	ok "ping: office -> appliance $addr"
else
	ko "ping: office -> appliance $addr" "$(tail -n 2 "$W/log/ping-mgmt.txt")"
fi

got=
for _ in $(seq 10); do
	got=$(in_ns 5 office $PY "$TOOL" mdns-query leaktap 10.77.0.10 2>&1) && break
	sleep 0.5
done
expect "mdns: leaktap.local answered with the DHCP address" "$addr" "$got"
got=$(in_ns 5 office $PY "$TOOL" mdns-query someone-else 10.77.0.10 2>&1)
expect "mdns: another name is not answered" "no answer" "$got"

if in_ns 10 office ping -6 -c 2 -i 0.3 -W 2 -q "$APP_LL%eth0" >"$W/log/ping6.txt" 2>&1; then
	ok "ipv6: office -> appliance link-local $APP_LL"
else
	ko "ipv6: office -> appliance link-local $APP_LL" "$(tail -n 2 "$W/log/ping6.txt")"
fi

if wait_log 'mgmt: time synced by SNTP' 20; then
	ok "sntp: time synced from the server DHCP announced"
	grep -q "answered $addr" "$W/log/sntp.log" && ok "sntp: request came from the appliance" ||
		ko "sntp: request came from the appliance" "$(cat "$W/log/sntp.log")"
else
	ko "sntp: time synced" "$(tail -n 3 "$lt_log"; tail -n 2 "$W/log/sntp.log")"
fi

got=$(in_ns 5 office $PY "$TOOL" connect "$addr" 9)
expect "tcp: office -> appliance:9 reaches the stack" connected "$got"
got=$(in_ns 5 internet $PY "$TOOL" connect "$addr" 9)
expect "tcp: internet -> appliance:9 refused (from_wan false)" refused "$got"
got=$(in_ns 5 office $PY "$TOOL" connect "$APP_LL%eth0" 9)
expect "tcp6: office -> [appliance link-local]:9 reaches the stack" connected "$got"
got=$(in_ns 5 internet $PY "$TOOL" connect "$APP_LL%eth0" 9)
expect "tcp6: internet -> [appliance link-local]:9 refused" refused "$got"

if in_ns 10 office ping -c 5 -i 0.2 -W 2 -q 10.77.0.53 >"$W/log/ping-fwd.txt" 2>&1; then
	ok "forwarding: office -> internet ping, no loss"
else
	ko "forwarding: office -> internet ping, no loss" "$(tail -n 2 "$W/log/ping-fwd.txt")"
fi
got=$(in_ns 5 internet $PY "$TOOL" connect 10.77.0.10 9)
expect "forwarding: internet -> office TCP still forwarded (closed port: RST)" refused "$got"
stop_leaktap dhcp
grep -E "^leaktap: (forwarded|mgmt)" "$lt_log" | sed 's/^/  /'
got=$(grep -oE 'mgmt: [0-9]+ frames in, [0-9]+ out, [0-9]+ wan connections refused' "$lt_log" | awk '{print $7}')
expect "status: the two wan connection attempts counted as refused" 2 "$got"

# =============================================================================
# Run 2: static address, wan allowed
# =============================================================================
start_leaktap static '{"mode": "monitor", "mgmt": {"dhcp": false, "address": "10.77.0.251/24", "from_wan": true, "mac": "02:77:00:00:00:fe"}}'
if wait_log 'mgmt: 10.77.0.251/24 static' 5; then
	ok "static: 10.77.0.251/24 used at once"
else
	ko "static: 10.77.0.251/24 used at once" "$(tail -n 3 "$lt_log")"
fi
if in_ns 10 office ping -c 3 -i 0.3 -W 2 -q 10.77.0.251 >"$W/log/ping-static.txt" 2>&1; then
	ok "static: office -> appliance ping"
else
	ko "static: office -> appliance ping" "$(tail -n 2 "$W/log/ping-static.txt")"
fi
got=$(ip -n "$(ns office)" neigh show 10.77.0.251 | grep -oE 'lladdr [0-9a-f:]+')
expect "static: the appliance answers ARP with mgmt.mac" "lladdr 02:77:00:00:00:fe" "$got"
got=$(in_ns 5 internet $PY "$TOOL" connect 10.77.0.251 9)
expect "tcp: internet -> appliance:9 connects (from_wan true)" connected "$got"
stop_leaktap static
finish
