#!/usr/bin/env bash
# HTTPS-load benchmark (issue 5): does serving the web page slow forwarding?
# leaktap (release build) inline in one appliance lab (tools/lab up NAME
# --appliance) with its management address 10.77.0.250, in the same run:
#   alone:  iperf3 TCP office -> internet through leaktap, TCP_S seconds
#   loaded: the same, while 50 HTTPS clients in office2 (tests/lab/mgmt_lab.py
#           load: keep-alive, logged in, as fast as answers come) request
#           /api/status and the page's assets from the appliance
# (plus, first, the same clients for 5 s without iperf3: what the page serves)
# ROUNDS alternating pairs (alone, loaded); the ratio is mean(loaded) /
# mean(alone); target: forwarding drops by less than 10% (ratio > 0.90).
# Prints the markdown section "## Forwarding under HTTPS load (issue 5)" and
# writes it to build/bench/https.md (raw outputs in build/bench/https/).
#
#   tools/bench_https.sh
#   LEAKTAP_BIN  binary to measure (default build/leaktap)
#   CLIENTS (50), TCP_S (10), ROUNDS (3)
#
# Traffic stays between this run's namespaces (10.77.0.0/24); every client and
# server runs under `timeout`; namespaces and processes are removed on exit.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
BIN=${LEAKTAP_BIN:-$top/build/leaktap}
PY=/usr/bin/python3
OUTMD=$top/build/bench/https.md
R=$top/build/bench/https
NAME=bh$$
SRV=10.77.0.100
APP=10.77.0.250
CLIENTS=${CLIENTS:-50}
TCP_S=${TCP_S:-10}
ROUNDS=${ROUNDS:-3}
PATHS=/api/status,/,/app.js,/api/status,/style.css,/favicon.svg
PW=bench-https-password

die() {
	echo "bench_https: FAIL $*" >&2
	exit 1
}
case "$CLIENTS$TCP_S$ROUNDS" in *[!0-9]*) die "CLIENTS, TCP_S, ROUNDS must be numbers" ;; esac
[ "$CLIENTS" -ge 1 ] && [ "$CLIENTS" -le 200 ] && [ "$TCP_S" -ge 2 ] && [ "$TCP_S" -le 60 ] &&
	[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 5 ] || die "CLIENTS 1..200, TCP_S 2..60, ROUNDS 1..5"
for c in iperf3 ethtool ping ip ss curl timeout; do
	command -v $c >/dev/null 2>&1 || die "missing $c (tools/bootstrap)"
done
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$BIN" ] || die "$BIN missing (make release)"

# shellcheck source=tools/lab
. tools/lab
ns() { lab_ns "$NAME" "$1"; }
PIDS=()
lt_pid=
cleanup() {
	local p n
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
trap 'echo "bench_https: interrupted" >&2; exit 130' INT TERM

rm -rf "$R"
mkdir -p "$R/state"
lab_down "$NAME" # left over by a run killed with -9; this lab name is ours
lab_up "$NAME" --appliance || die "tools/lab up $NAME --appliance failed"
export LAB_DIR=$R/etc

ip netns exec "$(ns internet)" timeout -k 2 600 iperf3 -s -B $SRV -p 5201 >"$R/iperf3-server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	[ -n "$(ip netns exec "$(ns internet)" ss -Hltn 'sport = :5201')" ] && break
	sleep 0.1
done

cat >"$R/config.json" <<EOF
{"mode": "monitor", "local_nets": ["10.77.0.0/26", "fd77::/120"],
 "mgmt": {"dhcp": false, "address": "$APP/24", "hostname": "leaktap"}}
EOF
ip netns exec "$(ns app)" timeout -s TERM -k 5 600 "$BIN" --lan lan0 --wan wan0 --config "$R/config.json" \
	--state-dir "$R/state" >"$R/alerts.jsonl" 2>"$R/leaktap.log" &
lt_pid=$!
for _ in $(seq 100); do
	grep -q "forwarding between" "$R/leaktap.log" && grep -q "first-boot password:" "$R/leaktap.log" && break
	kill -0 "$lt_pid" 2>/dev/null || break
	sleep 0.1
done
otp=$(grep -ao 'first-boot password: [A-Za-z0-9]\{16\}' "$R/leaktap.log" | head -n 1 | sed 's/.*: //')
[ -n "$otp" ] || die "leaktap did not start or printed no one-time password: $(tail -n 2 "$R/leaktap.log")"
for _ in $(seq 50); do
	ip netns exec "$(ns office)" ping -c 1 -W 1 -q $SRV >/dev/null 2>&1 && break
done

# Log in (first boot: one-time password, then the forced change; the session stays valid).
curl_app() { # [curl args...] -> from office2, cookie jar $R/jar
	ip netns exec "$(ns office2)" timeout -k 2 20 curl -sk --max-time 15 -b "$R/jar" -c "$R/jar" "$@"
}
for _ in $(seq 40); do
	[ "$(curl_app -o /dev/null -w '%{http_code}' "https://$APP/")" = 200 ] && break
	sleep 0.25
done
csrf=$(curl_app -H 'Content-Type: application/json' -d "{\"password\": \"$otp\"}" "https://$APP/api/login" |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["csrf"])' 2>/dev/null)
[ -n "$csrf" ] || die "login with the one-time password failed"
code=$(curl_app -o "$R/password.json" -w '%{http_code}' -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
	-d "{\"old\": \"$otp\", \"new\": \"$PW\"}" "https://$APP/api/password")
[ "$code" = 200 ] || die "password change: HTTP $code $(cat "$R/password.json")"
cookie=$(awk '$6 == "lt_session" {print $7}' "$R/jar" | head -n 1)
code=$(curl_app -o /dev/null -w '%{http_code}' "https://$APP/api/status")
[ "$code" = 200 ] || die "GET /api/status with the session: HTTP $code"

iperf() { # label
	ip netns exec "$(ns office)" timeout -k 2 $((TCP_S + 20)) iperf3 -c $SRV -p 5201 -J -t "$TCP_S" \
		>"$R/$1.json" 2>"$R/$1.err"
}
load() { # label: CLIENTS clients for TCP_S + 2 s, started 1 s before iperf3
	ip netns exec "$(ns office2)" timeout -k 2 $((TCP_S + 30)) $PY tests/lab/mgmt_lab.py load $APP 443 \
		--clients "$CLIENTS" --seconds $((TCP_S + 2)) --cookie "$cookie" --paths "$PATHS" >"$R/$1.load" 2>&1
}
sleep 1
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# what the page serves with no forwarding load (the same clients, 5 s)
ip netns exec "$(ns office2)" timeout -k 2 30 $PY tests/lab/mgmt_lab.py load $APP 443 \
	--clients "$CLIENTS" --seconds 5 --cookie "$cookie" --paths "$PATHS" >"$R/page-only.load" 2>&1
sleep 1
for i in $(seq "$ROUNDS"); do
	echo "bench_https: round $i: alone ..." >&2
	iperf "alone-$i"
	sleep 1
	echo "bench_https: round $i: with $CLIENTS HTTPS clients ..." >&2
	load "load-$i" &
	lp=$!
	sleep 1
	iperf "loaded-$i"
	wait "$lp"
	sleep 1
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
# one keep-alive client per path, 2 s each, no other load: the answer time of each path
for p in ${PATHS//,/ }; do
	[ -s "$R/path${p//\//_}.load" ] && continue
	ip netns exec "$(ns office2)" timeout -k 2 20 $PY tests/lab/mgmt_lab.py load $APP 443 \
		--clients 1 --seconds 2 --cookie "$cookie" --paths "$p" >"$R/path${p//\//_}.load" 2>&1
done
code=$(curl_app -o "$R/status-after.json" -w '%{http_code}' "https://$APP/api/status")
kill -TERM "$lt_pid"
for _ in $(seq 50); do kill -0 "$lt_pid" 2>/dev/null || break; sleep 0.1; done
wait "$lt_pid"
echo "exit status $?" >>"$R/leaktap.log"
lt_pid=

$PY - "$R" "$ROUNDS" "$CLIENTS" "$TCP_S" "$PATHS" "$(nproc)" "$("$BIN" --version 2>/dev/null)" \
	"$load0" "$load1" "$code" "$(tools/page_weight 2>/dev/null | tail -n 1)" >"$OUTMD" <<'EOF'
import json, os, sys
R, rounds, clients, tcp_s, paths, ncpu, lt_v, load0, load1, code_after, weight = sys.argv[1:]
rounds, clients, tcp_s = int(rounds), int(clients), int(tcp_s)

def jload(name):
    try:
        with open(os.path.join(R, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def bps(name):
    j = jload(name)
    return j["end"]["sum_received"]["bits_per_second"] if j and "end" in j else None

def lload(name):
    try:
        with open(os.path.join(R, name)) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None

f = lambda x, fmt="{:.0f}": "n/a" if x is None else fmt.format(x)
alone = [bps(f"alone-{i}.json") for i in range(1, rounds + 1)]
loaded = [bps(f"loaded-{i}.json") for i in range(1, rounds + 1)]
loads = [lload(f"load-{i}.load") for i in range(1, rounds + 1)]
ok = all(x is not None for x in alone + loaded)
ratio = (sum(loaded) / len(loaded)) / (sum(alone) / len(alone)) if ok and sum(alone) else None
out = []
w = out.append
w("## Forwarding under HTTPS load (issue 5)\n")
w(f"leaktap (`{lt_v}`, release build, mode monitor) inline in `tools/lab up NAME --appliance`, "
  f"its management stack on 10.77.0.250 (static), first boot, logged in. iperf3 TCP office -> "
  f"internet through leaktap for {tcp_s} s, alone and while {clients} HTTPS clients in office2 "
  f"(`tests/lab/mgmt_lab.py load`: Python ssl, keep-alive, one request at a time each, as fast as "
  f"answers come; reconnect 0.1 s after a refused or reset connection) request `{paths}` in turn "
  f"with the session cookie; {rounds} alternating rounds in the same run. {ncpu} CPUs shared by "
  f"leaktap, iperf3 and the load generator; load average at start {load0}, at end {load1}.\n")
w("| round | alone (Mbit/s) | with HTTPS load (Mbit/s) | loaded / alone | HTTPS answers (req/s) | statuses | client errors + refused connections | connections made | latency p50 / p99 (ms) |")
w("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |")
for i in range(rounds):
    a, l, L = alone[i], loaded[i], loads[i]
    r = l / a if a and l is not None else None
    st = ", ".join(f"{k}: {v}" for k, v in sorted(L["status"].items())) if L else "n/a"
    w(f"| {i + 1} | {f(a and a / 1e6)} | {f(l and l / 1e6)} | {f(r, '{:.3f}')} | "
      f"{f(L and L['requests'] / L['seconds'])} | {st} | {f(L and L['errors'])} | {f(L and L['connects'])} | "
      f"{f(L and L['lat_ms_p50'], '{}')} / {f(L and L['lat_ms_p99'], '{}')} |")
P = lload("page-only.load")
if P:
    w(f"| page only (no iperf3), 5 s | | | | {f(P['requests'] / P['seconds'])} | "
      + ", ".join(f"{k}: {v}" for k, v in sorted(P["status"].items()))
      + f" | {P['errors']} | {P['connects']} | {P['lat_ms_p50']} / {P['lat_ms_p99']} |")
w("")
per = []
for p in dict.fromkeys(paths.split(",")):
    L = lload("path" + p.replace("/", "_") + ".load")
    if L:
        per.append(f"`{p}` {L['requests'] / L['seconds']:.0f}/s, p50 {L['lat_ms_p50']} ms")
if per:
    w("One keep-alive client per path, 2 s each, no other load (answers per second, median answer "
      "time): " + "; ".join(per) + ".\n")
met = ratio is not None and ratio > 0.90
if ratio is not None and ratio > 1:
    drop = f"no drop: the loaded runs were {(ratio - 1) * 100:.1f}% faster"
else:
    drop = f"drop {f(ratio is not None and (1 - ratio) * 100, '{:.1f}')}%"
w(f"**Forwarding with {clients} HTTPS clients / alone: {f(ratio, '{:.3f}')}** "
  f"({drop}; target: drop < 10% "
  f"{'(met)' if met else '(MISSED)' if ratio is not None else '(n/a)'}). "
  f"GET /api/status after the load: HTTP {code_after}. Page weight: {weight.replace('page weight: ', '')}.\n")
w("The appliance serves at most `CONFIG_MGMT_HTTP_CONNS` connections at once (docs/mgmt-http.md); "
  "clients beyond that are refused (reset) and retry, so \"client errors + refused\" counts those "
  "attempts, not failures of admitted requests.\n")
try:
    lt = [l for l in open(os.path.join(R, "leaktap.log")).read().splitlines()
          if l.startswith("leaktap: forwarded") or l.startswith("exit status") or "http" in l.lower()]
    if lt:
        w("leaktap at exit: " + "; ".join(lt[-6:]) + "\n")
except OSError:
    pass
print("\n".join(out))
sys.exit(0 if ok else 1)
EOF
rc=$?
cat "$OUTMD"
exit $rc
