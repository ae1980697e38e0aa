#!/usr/bin/env bash
# A/B forwarding comparison of leaktap builds (issue 4), for a machine too
# noisy for one run of tools/bench_forward.sh to decide: the kernel bridge
# and each binary take turns in the same appliance lab (tools/lab up NAME
# --appliance), ROUNDS times, and the medians per path are printed.
# Per turn: ping -i 0.01 (PINGS, default 300: RTT p50/p99/max), iperf3 TCP
# (TCP_S seconds, default 3: Mbit/s), 64-byte UDP frames at -b 2G for 2 s
# (frames/s arriving at the internet host's eth0).
#
#   tools/bench_forward_ab.sh ROUNDS BIN...
#     BIN may be a wrapper script, e.g. one that runs `chrt -f 10 leaktap "$@"`
#     to measure a binary at the real-time priority of leaktap.service.
#   Rows go to build/bench/forward_ab/rows.txt: path tcp small p50 p99 max.
#
# Traffic stays between this run's namespaces (10.77.0.0/24); every client
# and server runs under `timeout`; namespaces and processes are removed on
# exit.
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
[ $# -ge 2 ] && [ "$1" -ge 1 ] 2>/dev/null || {
	sed -n '2,17p' "$0" >&2
	exit 2
}
[ "$(id -u)" = 0 ] || {
	echo "bench_forward_ab: needs root (network namespaces)" >&2
	exit 1
}
rounds=$1
shift
for b in "$@"; do
	[ -x "$b" ] || {
		echo "bench_forward_ab: $b is not executable" >&2
		exit 1
	}
done
# shellcheck source=tools/lab
. tools/lab
NAME=bab$$
R=build/bench/forward_ab
APP=$NAME-app
OFF=$NAME-office
INET=$NAME-internet
lt=
cleanup() {
	trap '' INT TERM
	[ -n "$lt" ] && kill "$lt" 2>/dev/null
	sleep 0.3
	for p in $(ip netns pids "$INET" 2>/dev/null); do kill "$p" 2>/dev/null; done
	lab_down "$NAME"
}
trap cleanup EXIT
trap 'echo "bench_forward_ab: interrupted" >&2; exit 130' INT TERM
mkdir -p "$R"
: >"$R/rows.txt"
lab_up "$NAME" --appliance || exit 1
ip netns exec "$INET" timeout 1800 iperf3 -s -B 10.77.0.100 -p 5201 >/dev/null 2>&1 &
for _ in $(seq 50); do
	[ -n "$(ip netns exec "$INET" ss -Hltn "sport = :5201")" ] && break
	sleep 0.1
done
echo '{"mode": "monitor", "local_nets": ["10.77.0.0/26", "fd77::/120"]}' >"$R/cfg.json"

rtt() { # ping output -> p50 p99 max (us)
	$PY -c '
import re, sys
v = sorted(float(m) * 1000 for m in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read()))
if not v:
    print("nan nan nan"); sys.exit()
r = lambda q: v[min(len(v) - 1, max(0, -(-len(v) * q // 100) - 1))]
print("%.0f %.0f %.0f" % (r(50), r(99), v[-1]))' "$1"
}
rx() { ip -n "$INET" -s -j link show eth0 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }
path_up() {
	if [ "$1" = bridge ]; then
		ip -n "$APP" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 &&
			ip -n "$APP" link set lan0 master br0 && ip -n "$APP" link set wan0 master br0 &&
			ip -n "$APP" link set br0 up
	else
		ip netns exec "$APP" timeout 600 "$1" --lan lan0 --wan wan0 --config "$R/cfg.json" \
			>/dev/null 2>"$R/leaktap.log" &
		lt=$!
		for _ in $(seq 50); do grep -q "forwarding between" "$R/leaktap.log" && break; sleep 0.1; done
	fi
	for _ in $(seq 50); do ip netns exec "$OFF" ping -c1 -W1 -q 10.77.0.100 >/dev/null 2>&1 && return 0; done
	echo "bench_forward_ab: $1: office cannot reach 10.77.0.100" >&2
	return 1
}
path_down() {
	if [ "$1" = bridge ]; then
		ip -n "$APP" link del br0
	else
		kill "$lt"
		wait "$lt"
		lt=
	fi
	sleep 0.3
}
for r in $(seq "$rounds"); do
	for b in bridge "$@"; do
		path_up "$b" || exit 1
		ip netns exec "$OFF" ping -c 20 -i 0.01 -q 10.77.0.100 >/dev/null
		ip netns exec "$OFF" timeout 60 ping -n -i 0.01 -c "${PINGS:-300}" -W 1 10.77.0.100 >"$R/ping.txt"
		t=$(ip netns exec "$OFF" timeout 60 iperf3 -c 10.77.0.100 -p 5201 -t "${TCP_S:-3}" -J |
			$PY -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
		a=$(rx)
		ip netns exec "$OFF" timeout 30 iperf3 -c 10.77.0.100 -p 5201 -u -l 18 -b 2G -t 2 >/dev/null 2>&1
		sleep 0.3
		c=$(rx)
		echo "$(basename "$b") ${t:-nan} $(((c - a) / 2)) $(rtt "$R/ping.txt")" | tee -a "$R/rows.txt"
		path_down "$b"
	done
done
$PY - "$R/rows.txt" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    try:
        rows.setdefault(f[0], []).append([float(x) for x in f[1:6]])
    except ValueError:
        continue
for k, v in rows.items():
    med = [statistics.median(c) for c in zip(*v)]
    print("median %-24s n=%d  tcp %5.0f Mbit/s  64-byte %7.0f frames/s  rtt p50 %4.0f p99 %5.0f max %6.0f us"
          % ((k, len(v)) + tuple(med)))
EOF
