#!/usr/bin/env bash
# Forwarding benchmark (issue 4): leaktap inline (release build) against the
# Linux kernel bridge, on the same veths of one appliance lab (tools/lab up
# NAME --appliance), in the same run:
#   (a) TCP throughput, office -> internet, iperf3 10 s
#   (b) small-frame rate: 64-byte frames (UDP payload 18 B), iperf3 -u 5 s at
#       an unreachable -b, frames received per second on the internet host
#   (c) round-trip latency at light load: ping -i 0.01 -c 500, p50/p99
#   (d) loss at 100 Mbit/s of mixed sizes (64/512/1514-byte frames), 5 s,
#       sender's and receiver's counts
# Prints the markdown section "## Forwarding (issue 4)" and writes it to
# build/bench/forward.md (raw outputs in build/bench/forward/).
#
#   tools/bench_forward.sh [--profile] [--no-rt]
#     --profile  also record where leaktap's time goes during (a) and (b)
#                (perf record, strace -c) into build/bench/forward/profile-*.txt
#     --no-rt    run leaktap at normal priority; by default it runs as
#                board/native_sim/leaktap.service deploys it: SCHED_FIFO 10
#                (chrt -f 10). The kernel bridge runs in softirq either way.
#   LEAKTAP_BIN  binary to measure (default build/leaktap)
#
# Traffic stays between this run's namespaces (10.77.0.0/24); every client and
# server runs under `timeout`; namespaces and processes are removed on exit.
set -u
cd "$(dirname "$0")/.."
top=$PWD
BIN=${LEAKTAP_BIN:-$top/build/leaktap}
PY=/usr/bin/python3
OUTMD=$top/build/bench/forward.md
R=$top/build/bench/forward
NAME=bf$$
SRV=10.77.0.100
TCP_S=10
SMALL_S=5
MIX_S=5
PINGS=500
profile=0
RT="chrt -f 10"
for a in "$@"; do
	case $a in
	--profile) profile=1 ;;
	--no-rt) RT= ;;
	-h | --help)
		sed -n '2,24p' "$0"
		exit 0
		;;
	*)
		echo "bench_forward: unknown argument $a" >&2
		exit 2
		;;
	esac
done

die() {
	echo "bench_forward: FAIL $*" >&2
	exit 1
}
missing=
for c in iperf3:iperf3 ethtool:ethtool ping:iputils-ping ip:iproute2 ss:iproute2 timeout:coreutils; do
	command -v "${c%%:*}" >/dev/null 2>&1 || missing="$missing ${c#*:}"
done
[ -z "$missing" ] || die "missing packages:$missing (apt-get install$missing)"
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$BIN" ] || die "$BIN missing (make release)"

# shellcheck source=tools/lab
. tools/lab
ns() { lab_ns "$NAME" "$1"; }
APP=$(ns app)
OFF=$(ns office)
INET=$(ns internet)

PIDS=()
lt_pid=
cleanup() {
	local p
	trap '' INT TERM
	for p in "${PIDS[@]}" $lt_pid; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}" $lt_pid; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	for n in office office2 internet app sw; do
		for p in $(ip netns pids "$(ns $n)" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	lab_down "$NAME"
}
trap cleanup EXIT
trap 'echo "bench_forward: interrupted" >&2; exit 130' INT TERM

rm -rf "$R"
mkdir -p "$R"
lab_up "$NAME" --appliance || die "tools/lab up $NAME --appliance failed"
ip -n "$INET" link set lo up

# --- offloads: off on every veth, verified ----------------------------------
VETHS="office:eth0 office2:eth0 internet:eth0 sw:o1 sw:o2 sw:i1 sw:upl sw:upw app:lan0 app:wan0"
FEAT='^(generic-receive-offload|generic-segmentation-offload|tcp-segmentation-offload|tx-checksumming|rx-checksumming):'
offload_check() { # -> prints "ns:if feature" for every offload still on
	local v
	for v in $VETHS; do
		ip netns exec "$(ns "${v%%:*}")" ethtool -k "${v#*:}" 2>/dev/null | grep -E "$FEAT" |
			grep ': on' | sed "s|^|${v}: |"
	done
}
on=$(offload_check)
if [ -n "$on" ]; then # one more try, as tools/lab does it
	for v in $VETHS; do
		ip netns exec "$(ns "${v%%:*}")" ethtool -K "${v#*:}" gro off gso off tso off tx off rx off >/dev/null 2>&1
	done
	on=$(offload_check)
fi
offloads="GRO, GSO, TSO, rx/tx checksum offload off on all 10 veths (verified with ethtool -k)"
[ -z "$on" ] || offloads="WARNING: offloads still on: $(echo "$on" | tr '\n' ';')"
offload_check_done=$(for v in $VETHS; do
	printf '%s ' "$v"
	ip netns exec "$(ns "${v%%:*}")" ethtool -k "${v#*:}" 2>/dev/null | grep -E "$FEAT" | awk '{printf "%s ", $2}'
	echo
done)
printf '%s\n' "$offload_check_done" >"$R/offloads.txt"

# --- iperf3 servers (3 ports for the mixed test), bounded lifetime ---------
for port in 5201 5202 5203; do
	ip netns exec "$INET" timeout -k 2 900 iperf3 -s -B $SRV -p $port >"$R/iperf3-server-$port.log" 2>&1 &
	PIDS+=($!)
done
for port in 5201 5202 5203; do
	for _ in $(seq 50); do
		[ -n "$(ip netns exec "$INET" ss -Hltn "sport = :$port")" ] && break
		sleep 0.1
	done
	[ -n "$(ip netns exec "$INET" ss -Hltn "sport = :$port")" ] || die "iperf3 server on $port did not start"
done

# --- the two paths -----------------------------------------------------------------
reach() { # bounded: the office reaches the internet host
	for _ in $(seq 50); do
		ip netns exec "$OFF" ping -c 1 -W 1 -q $SRV >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
path_up() {
	case $1 in
	bridge)
		ip -n "$APP" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 &&
			ip -n "$APP" link set lan0 master br0 &&
			ip -n "$APP" link set wan0 master br0 &&
			ip -n "$APP" link set br0 up || die "bridge: cannot make br0"
		;;
	leaktap)
		# shellcheck disable=SC2086 # RT is a command prefix or empty
		ip netns exec "$APP" timeout -s TERM -k 5 900 $RT "$BIN" --lan lan0 --wan wan0 \
			--config "$R/config.json" >"$R/leaktap.log" 2>&1 &
		lt_pid=$!
		for _ in $(seq 50); do grep -q "forwarding between" "$R/leaktap.log" && break; sleep 0.1; done
		grep -q "forwarding between" "$R/leaktap.log" || die "leaktap did not start: $(tail -n 1 "$R/leaktap.log")"
		# lt_pid is timeout(1); leaktap itself is its child (for the profilers)
		lt_child=$(cat "/proc/$lt_pid/task/$lt_pid/children" 2>/dev/null | awk '{print $1}')
		;;
	esac
	reach || die "$1: office cannot reach $SRV"
}
path_down() {
	case $1 in
	bridge) ip -n "$APP" link del br0 ;;
	leaktap)
		kill -TERM "$lt_pid"
		for _ in $(seq 50); do kill -0 "$lt_pid" 2>/dev/null || break; sleep 0.1; done
		wait "$lt_pid"
		echo "exit status $?" >>"$R/leaktap.log"
		lt_pid=
		;;
	esac
	sleep 0.5
}
cat >"$R/config.json" <<'EOF'
{"mode": "monitor", "local_nets": ["10.77.0.0/26", "fd77::/120"]}
EOF

udp_rcvbuf_errors() { # internet host: datagrams its sockets had no room for
	ip netns exec "$INET" cat /proc/net/snmp | awk '/^Udp:/ { if (h) { print $6; exit } h = 1 }'
}
counter() { # ns if rx|tx packets|bytes
	ip -n "$1" -s -j link show "$2" | $PY -c \
		'import json,sys; print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]][sys.argv[2]])' "$3" "$4"
}
client() { # label seconds-limit iperf3 args... -> $R/label.json
	local label=$1 lim=$2
	shift 2
	ip netns exec "$OFF" timeout -k 2 "$lim" iperf3 -c $SRV -J "$@" >"$R/$label.json" 2>"$R/$label.err"
}
# Where leaktap's time goes, on extra runs after the measured ones (perf and
# strace slow it down, strace a lot): perf record during 5 s, then strace -c
# during another 5 s, of the same load.
profile_load() { # label iperf3-args...
	local label=$1 pp
	shift
	command -v perf >/dev/null 2>&1 && {
		timeout -s INT 8 perf record -F 999 -g -p "$lt_child" -o "$R/perf-$label.data" >"$R/perf-$label.log" 2>&1 &
		pp=$!
		sleep 0.3
		client "profile-perf-$label" 25 -p 5201 -t 5 "$@"
		wait "$pp"
		{
			echo "### perf record -F 999 -g -p LEAKTAP during: iperf3 -c 10.77.0.100 -t 5${*:+ $*}"
			perf report -i "$R/perf-$label.data" --stdio --no-children --sort dso,symbol 2>/dev/null |
				grep -E '^ +[0-9.]+%' | head -40
		} >"$R/profile-$label.txt"
	}
	command -v strace >/dev/null 2>&1 && {
		timeout -s INT 6 strace -c -p "$lt_child" -o "$R/strace-$label.txt" >/dev/null 2>&1 &
		pp=$!
		sleep 0.3
		client "profile-strace-$label" 25 -p 5201 -t 5 "$@"
		wait "$pp"
		{
			echo "### strace -c -p LEAKTAP during: iperf3 -c 10.77.0.100 -t 5${*:+ $*}"
			cat "$R/strace-$label.txt"
		} >>"$R/profile-$label.txt"
	}
	sleep 1
}

run_path() { # bridge|leaktap
	local p=$1 a b
	echo "bench_forward: $p ..." >&2
	path_up "$p"
	# (c) latency at light load, first, on a quiet system
	ip netns exec "$OFF" ping -c 20 -i 0.01 -q $SRV >/dev/null 2>&1
	ip netns exec "$OFF" timeout 30 ping -n -i 0.01 -c $PINGS -W 1 $SRV >"$R/$p-ping.txt" 2>&1
	sleep 0.5
	# (a) TCP throughput
	client "$p-tcp" $((TCP_S + 20)) -p 5201 -t $TCP_S
	sleep 1
	# (b) 64-byte frames: 14 Ethernet + 20 IP + 8 UDP + 18 payload + 4 FCS
	a=$(counter "$INET" eth0 rx packets)
	client "$p-small" $((SMALL_S + 20)) -p 5201 -u -l 18 -b 2G -t $SMALL_S
	sleep 0.5
	b=$(counter "$INET" eth0 rx packets)
	echo "$((b - a))" >"$R/$p-small.rx"
	sleep 1
	# (d) 100 Mbit/s (UDP payload) of mixed sizes, three streams at once
	local ta tb ra rb ea eb pids=""
	ta=$(counter "$OFF" eth0 tx packets)
	ra=$(counter "$INET" eth0 rx packets)
	ea=$(udp_rcvbuf_errors)
	client "$p-mix-64" $((MIX_S + 20)) -p 5201 -u -l 18 -b 5M -t $MIX_S &
	pids="$pids $!"
	client "$p-mix-512" $((MIX_S + 20)) -p 5202 -u -l 470 -b 25M -t $MIX_S &
	pids="$pids $!"
	client "$p-mix-1514" $((MIX_S + 20)) -p 5203 -u -l 1472 -b 70M -t $MIX_S &
	pids="$pids $!"
	for pid in $pids; do wait "$pid"; done
	sleep 0.5
	tb=$(counter "$OFF" eth0 tx packets)
	rb=$(counter "$INET" eth0 rx packets)
	eb=$(udp_rcvbuf_errors)
	echo "$((tb - ta)) $((rb - ra)) $((eb - ea))" >"$R/$p-mix.if"
	if [ "$p" = leaktap ] && [ $profile = 1 ]; then
		profile_load tcp
		profile_load small -u -l 18 -b 2G
	fi
	path_down "$p"
}

sched="normal priority (--no-rt)"
[ -n "$RT" ] && sched="SCHED_FIFO 10 (\`$RT\`, as leaktap.service)"
knobs=$(grep -E 'CONFIG_(PKT_BATCH|PORT_PCAP_TX_BATCH|LOOP_BUSY_POLL_US|PORT_PCAP_BUFFER_KB) ' build/autoconf.h 2>/dev/null |
	awk '{printf "%s%s=%s", sep, $2, $3; sep=", "}')
load0=$(cut -d' ' -f1-3 /proc/loadavg)
run_path bridge
run_path leaktap
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report --------------------------------------------------------------------
$PY - "$R" "$offloads" "$(nproc)" "$(uname -r)" "$(iperf3 --version | head -n 1)" \
	"$("$BIN" --version 2>/dev/null)" "$TCP_S" "$SMALL_S" "$MIX_S" "$PINGS" "$load0" "$load1" \
	"$sched" "${knobs:-build/autoconf.h not found}" >"$OUTMD" <<'EOF'
import json, os, re, sys
R, offloads, ncpu, kernel, iperf_v, lt_v = sys.argv[1:7]
TCP_S, SMALL_S, MIX_S, PINGS = (int(x) for x in sys.argv[7:11])
load0, load1, sched, knobs = sys.argv[11:15]

def load(name):
    try:
        with open(os.path.join(R, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def tcp(p):
    j = load(f"{p}-tcp.json")
    if not j or "end" not in j:
        return None, None
    return j["end"]["sum_received"]["bits_per_second"], j["end"]["sum_sent"].get("retransmits")

def udp(name):
    j = load(name)
    if not j or "end" not in j:
        return None
    s, r = j["end"]["sum_sent"], j["end"]["sum_received"]
    return {"sent": s["packets"], "recv": r["packets"] - r["lost_packets"], "lost": r["lost_packets"],
            "secs": s["seconds"], "rsecs": r["seconds"]}

def small(p):
    u = udp(f"{p}-small.json")
    try:
        rx = int(open(os.path.join(R, f"{p}-small.rx")).read())
    except (OSError, ValueError):
        rx = None
    return u, rx

def pings(p):
    try:
        txt = open(os.path.join(R, f"{p}-ping.txt")).read()
    except OSError:
        return None
    v = sorted(float(m) * 1000 for m in re.findall(r"time=([0-9.]+) ms", txt))
    if not v:
        return None
    rank = lambda q: v[min(len(v) - 1, max(0, -(-len(v) * q // 100) - 1))]
    return {"n": len(v), "p50": rank(50), "p99": rank(99), "max": v[-1], "min": v[0]}

def mix(p):
    streams = {k: udp(f"{p}-mix-{k}.json") for k in ("64", "512", "1514")}
    try:
        tx, rx, rcvbuf = (int(x) for x in open(os.path.join(R, f"{p}-mix.if")).read().split())
    except (OSError, ValueError):
        tx = rx = rcvbuf = None
    return streams, tx, rx, rcvbuf

def f(x, fmt="{:.0f}"):
    return "n/a" if x is None else fmt.format(x)

def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b

paths = ("bridge", "leaktap")
T = {p: tcp(p) for p in paths}
S = {p: small(p) for p in paths}
L = {p: pings(p) for p in paths}
X = {p: mix(p) for p in paths}
rate = {p: (S[p][1] / S[p][0]["secs"] if S[p][0] and S[p][1] is not None else None) for p in paths}
app_rate = {p: (S[p][0]["recv"] / S[p][0]["rsecs"] if S[p][0] else None) for p in paths}
sent_rate = {p: (S[p][0]["sent"] / S[p][0]["secs"] if S[p][0] else None) for p in paths}

out = []
w = out.append
w("## Forwarding (issue 4)\n")
w(f"leaktap (`{lt_v}`, release build, mode monitor) inline in the appliance namespace of "
  f"`tools/lab up NAME --appliance`, against a Linux kernel bridge (`br0` enslaving the same "
  f"`lan0`/`wan0`) in the same run. Path: office eth0 -> br-lan -> lan0 -> [leaktap | br0] -> "
  f"wan0 -> br-wan -> internet eth0 (both paths cross the same two lab switch bridges). "
  f"{offloads}. {ncpu} CPUs, kernel {kernel}, {iperf_v}; load average at start {load0}, at end {load1} "
  f"(other work on the machine shares the CPUs and adds noise). leaktap scheduling: {sched}; "
  f"build options: {knobs}.\n")
w("| measure | kernel bridge | leaktap | leaktap / bridge | target |")
w("| --- | ---: | ---: | ---: | --- |")
tr = ratio(T["leaktap"][0], T["bridge"][0])
w(f"| (a) TCP throughput, {TCP_S} s (Mbit/s, receiver) | {f(T['bridge'][0] and T['bridge'][0] / 1e6)} "
  f"| {f(T['leaktap'][0] and T['leaktap'][0] / 1e6)} | {f(tr, '{:.2f}')} | >= 0.5 "
  f"{'(met)' if tr is not None and tr >= 0.5 else '(MISSED)'} |")
w(f"| (a) TCP retransmits | {f(T['bridge'][1])} | {f(T['leaktap'][1])} | | |")
sr = ratio(rate["leaktap"], rate["bridge"])
w(f"| (b) 64-byte frames received by the internet host (frames/s, eth0 rx) | {f(rate['bridge'])} "
  f"| {f(rate['leaktap'])} | {f(sr, '{:.2f}')} | >= 0.3 {'(met)' if sr is not None and sr >= 0.3 else '(MISSED)'} |")
w(f"| (b) 64-byte frames offered by the sender (frames/s) | {f(sent_rate['bridge'])} | {f(sent_rate['leaktap'])} | | |")
w(f"| (b) ... of which read by the iperf3 receiver (frames/s) | {f(app_rate['bridge'])} | {f(app_rate['leaktap'])} | | |")
for k, lab in (("p50", "p50"), ("p99", "p99"), ("max", "max")):
    b, l = (L[p] and L[p][k] for p in paths)
    w(f"| (c) RTT {lab}, ping -i 0.01 (us) | {f(b)} | {f(l)} | | |")
add50 = L["leaktap"]["p50"] - L["bridge"]["p50"] if L["leaktap"] and L["bridge"] else None
add99 = L["leaktap"]["p99"] - L["bridge"]["p99"] if L["leaktap"] and L["bridge"] else None
w(f"| (c) added RTT, leaktap - bridge (us) | | p50 {f(add50, '{:+.0f}')}, p99 {f(add99, '{:+.0f}')} | | "
  f"p99 <= 200 {'(met)' if add99 is not None and add99 <= 200 else '(MISSED)'} |")
for p in paths:
    st, tx, rx, rcvbuf = X[p]
    sent = sum(s["sent"] for s in st.values() if s) if all(st.values()) else None
    recv = sum(s["recv"] for s in st.values() if s) if all(st.values()) else None
    lost = sum(s["lost"] for s in st.values() if s) if all(st.values()) else None
    X[p] = (st, tx, rx, sent, recv, lost, rcvbuf)
def mixcell(p):
    st, tx, rx, sent, recv, lost, rcvbuf = X[p]
    return f"sent {f(sent)}, received {f(recv)}, lost {f(lost)}"
ml = X["leaktap"][5]
w(f"| (d) 100 Mbit/s mixed UDP, {MIX_S} s: iperf3 datagrams | {mixcell('bridge')} | {mixcell('leaktap')} | "
  f"| no loss {'(met)' if ml == 0 else '(MISSED)' if ml is not None else '(n/a)'} |")
w(f"| (d) frames: office eth0 tx / internet eth0 rx | {f(X['bridge'][1])} / {f(X['bridge'][2])} "
  f"| {f(X['leaktap'][1])} / {f(X['leaktap'][2])} | | |")
w(f"| (d) datagrams dropped by the receiver's full socket buffer (UDP RcvbufErrors) | {f(X['bridge'][6])} "
  f"| {f(X['leaktap'][6])} | | |")
w("")
w("Per stream at 100 Mbit/s (leaktap; sent / received by iperf3, lost):\n")
for k, lab in (("64", "64-byte frames, 5 Mbit/s payload"), ("512", "512-byte frames, 25 Mbit/s"),
               ("1514", "1514-byte frames, 70 Mbit/s")):
    s = X["leaktap"][0][k]
    w(f"- {lab}: {f(s and s['sent'])} / {f(s and s['recv'])}, lost {f(s and s['lost'])}")
w("")
w(f"Ratios: TCP throughput leaktap/bridge **{f(tr, '{:.2f}')}** (target >= 0.5); 64-byte frame rate "
  f"leaktap/bridge **{f(sr, '{:.2f}')}** (target >= 0.3); added RTT at light load p50 "
  f"**{f(add50, '{:+.0f}')} us**, p99 **{f(add99, '{:+.0f}')} us** (target p99 <= 200 us); loss at 100 Mbit/s "
  f"through leaktap: **{f(ml)}** datagrams (target 0).\n")
w("Notes: (b) counts frames arriving on the internet host's eth0 (what the path delivered); the "
  "sender and the forwarder share the 2 CPUs, and the kernel bridge forwards in the sender's "
  "softirq, so the bridge's rate is bounded by the sender, leaktap's by its own loop. "
  "(c) RTT is one ping round trip, so the added latency covers two crossings of the appliance.\n")
try:
    lt_log = open(os.path.join(R, "leaktap.log")).read().splitlines()
    last = [l for l in lt_log if l.startswith("leaktap: forwarded") or "drop" in l or l.startswith("exit status")]
    if last:
        w("leaktap's own count at exit (whole run): " + "; ".join(last) + "\n")
except OSError:
    pass
for label in ("tcp", "small"):
    try:
        prof = open(os.path.join(R, f"profile-{label}.txt")).read().strip()
    except OSError:
        continue
    w(f"Profile of leaktap ({label}; extra run after the measured ones, --profile):\n")
    w("```")
    w(prof)
    w("```")
    w("")
w("Commands (run by `tools/bench_forward.sh`; office = NAME-office, internet = NAME-internet 10.77.0.100):\n")
w("```")
w("tools/lab up NAME --appliance                 # offloads off: ethtool -K IF gro off gso off tso off tx off rx off")
w("# bridge path:  ip -n NAME-app link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0;")
w("#               ip -n NAME-app link set lan0 master br0; ... wan0 master br0; ip -n NAME-app link set br0 up")
w("# leaktap path: ip netns exec NAME-app chrt -f 10 build/leaktap --lan lan0 --wan wan0 --config config.json")
w("#               (chrt -f 10 left out with --no-rt)")
w("#               (config: {\"mode\": \"monitor\", \"local_nets\": [\"10.77.0.0/26\", \"fd77::/120\"]})")
w("ip netns exec NAME-internet iperf3 -s -B 10.77.0.100 -p 5201   # and -p 5202, -p 5203")
w(f"ip netns exec NAME-office ping -n -i 0.01 -c {PINGS} -W 1 10.77.0.100                  # (c)")
w(f"ip netns exec NAME-office iperf3 -c 10.77.0.100 -J -p 5201 -t {TCP_S}                 # (a)")
w(f"ip netns exec NAME-office iperf3 -c 10.77.0.100 -J -p 5201 -u -l 18 -b 2G -t {SMALL_S}   # (b) + eth0 rx counter")
w(f"ip netns exec NAME-office iperf3 -c 10.77.0.100 -J -p 5201 -u -l 18 -b 5M -t {MIX_S} &   # (d), three at once")
w(f"ip netns exec NAME-office iperf3 -c 10.77.0.100 -J -p 5202 -u -l 470 -b 25M -t {MIX_S} &")
w(f"ip netns exec NAME-office iperf3 -c 10.77.0.100 -J -p 5203 -u -l 1472 -b 70M -t {MIX_S}")
w("```")
print("\n".join(out))
EOF
cat "$OUTMD"
