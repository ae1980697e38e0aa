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
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh mgmt_net ln$$ build/lab/mgmt
TOOL=$top/tests/lab/mgmt_tool.py
APP_LL=fe80::1e:a7ff:fe00:1 # EUI-64 of the native_sim board MAC 02:1e:a7:00:00:01

t_need dnsmasq ip ping timeout

rm -rf "$W"
mkdir -p "$W/log" "$W/etc"
in_ns() { # seconds host cmd...: cmd in that host's namespace, bounded in time
	local t=$1 h=$2
	shift 2
	ip netns exec "$(t_ns "$h")" timeout -k 2 "$t" "$@"
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

lab_up "$NAME" --appliance || t_abort "tools/lab up failed"
ip netns exec "$(t_ns internet)" timeout -k 2 150 dnsmasq -k -C "$W/etc/dnsmasq.conf" \
	--user=root --group=root >"$W/log/dnsmasq.out" 2>&1 &
PIDS+=($!)
ip netns exec "$(t_ns internet)" timeout -k 2 150 $PY "$TOOL" sntp-server 10.77.0.120 145 \
	>"$W/log/sntp.log" 2>&1 &
PIDS+=($!)

start_leaktap() { # label json
	echo "$2" >"$W/etc/$1.json"
	t_lt_launch "$1" ip netns exec "$(t_ns app)" timeout -k 5 120 "$BIN" --lan lan0 --wan wan0 \
		--config "$W/etc/$1.json"
}
stop_leaktap() { t_lt_stop "$1" 100; }
wait_log() { t_lt_wait_log "$1" $(($2 * 10)); } # pattern seconds: wait for a line in the leaktap log
expect() { # name expected actual
	if [ "$2" = "$3" ]; then t_ok "$1"; else t_ko "$1" "expected '$2', got '$3'"; fi
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
	*"from DHCP"*) case $addr in 10.77.0.20[0-9]) t_ok "dhcp: lease from dnsmasq ($addr)" ;;
		*) t_ko "dhcp: lease from dnsmasq" "$line" ;; esac ;;
	*) t_ko "dhcp: lease from dnsmasq" "$line" ;;
	esac
else
	t_ko "dhcp: address acquired" "$(tail -n 3 "$lt_log")"
	addr=10.77.0.250
fi
grep -q "DHCPACK(eth0) $addr 02:1e:a7:00:00:01 leaktap" "$W/log/dnsmasq.log" &&
	t_ok "dhcp: dnsmasq leased it to the board MAC with hostname leaktap" ||
	t_ko "dhcp: dnsmasq leased it to the board MAC with hostname leaktap" "$(grep DHCPACK "$W/log/dnsmasq.log")"

if in_ns 10 office ping -c 3 -i 0.3 -W 2 -q "$addr" >"$W/log/ping-mgmt.txt" 2>&1; then
	t_ok "ping: office -> appliance $addr"
else
	t_ko "ping: office -> appliance $addr" "$(tail -n 2 "$W/log/ping-mgmt.txt")"
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
	t_ok "ipv6: office -> appliance link-local $APP_LL"
else
	t_ko "ipv6: office -> appliance link-local $APP_LL" "$(tail -n 2 "$W/log/ping6.txt")"
fi

if wait_log 'mgmt: time synced by SNTP' 20; then
	t_ok "sntp: time synced from the server DHCP announced"
	grep -q "answered $addr" "$W/log/sntp.log" && t_ok "sntp: request came from the appliance" ||
		t_ko "sntp: request came from the appliance" "$(cat "$W/log/sntp.log")"
else
	t_ko "sntp: time synced" "$(tail -n 3 "$lt_log"; tail -n 2 "$W/log/sntp.log")"
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
	t_ok "forwarding: office -> internet ping, no loss"
else
	t_ko "forwarding: office -> internet ping, no loss" "$(tail -n 2 "$W/log/ping-fwd.txt")"
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
	t_ok "static: 10.77.0.251/24 used at once"
else
	t_ko "static: 10.77.0.251/24 used at once" "$(tail -n 3 "$lt_log")"
fi
if in_ns 10 office ping -c 3 -i 0.3 -W 2 -q 10.77.0.251 >"$W/log/ping-static.txt" 2>&1; then
	t_ok "static: office -> appliance ping"
else
	t_ko "static: office -> appliance ping" "$(tail -n 2 "$W/log/ping-static.txt")"
fi
got=$(ip -n "$(t_ns office)" neigh show 10.77.0.251 | grep -oE 'lladdr [0-9a-f:]+')
expect "static: the appliance answers ARP with mgmt.mac" "lladdr 02:77:00:00:00:fe" "$got"
got=$(in_ns 5 internet $PY "$TOOL" connect 10.77.0.251 9)
expect "tcp: internet -> appliance:9 connects (from_wan true)" connected "$got"
stop_leaktap static
t_finish
