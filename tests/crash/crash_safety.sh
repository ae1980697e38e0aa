#!/usr/bin/env bash
# Crash safety of persistent storage: CYCLES times (default 200), start the
# torture program (tests/crash/stor_torture.c: config writes and alert-line
# bursts through the real stor_file driver) on one state dir, SIGKILL it
# after a random delay (0-150 ms, bounded), then verify the dir against what
# the program had acknowledged: every object parses with a good CRC, the
# config is the last acknowledged one or the one in flight, journal lines are
# contiguous with at most the last one torn. Each run starts by recovering
# what the previous kill left (a torn journal tail is cut), as the appliance
# does at start.
#
# Two negative controls follow (a torn config, an acknowledged line removed):
# the verifier must reject both, so this test can fail.
#
# Usage: tests/crash/crash_safety.sh [CYCLES]   (TORTURE overrides the binary,
# default build/asan/crash/stor_torture). Output: figures, then
# "N passed, N failed"; exit 1 on any failure. Work dir build/crash (removed
# and recreated at start).
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${TORTURE:-build/asan/crash/stor_torture}
CYCLES=${1:-200}
W=$PWD/build/crash
pass=0 fail=0
t0=$SECONDS

if ! [ -x "$BIN" ]; then
	echo "crash_safety: $BIN not built (make build/asan/crash/stor_torture)"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -rf "$W"
mkdir -p "$W"
D=$W/state
ACKS=$W/acks
: >"$ACKS"
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; }
trap cleanup EXIT

corrupt=0 lost=0 bad_cycles=0 cfg_kept=0 line_kept=0 torn=0 temps=0 crashed=0
RANDOM=4242 # the delays replay from run to run
for ((i = 1; i <= CYCLES; i++)); do
	"$BIN" "$D" run "$i" >>"$ACKS" 2>>"$W/run.log" &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 150)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	pid=
	# 137 = killed as planned; anything else means the run stopped on its own.
	if [ "$rc" != 137 ]; then
		crashed=$((crashed + 1))
		echo "cycle $i: torture exited $rc before the kill (see $W/run.log)"
	fi
	out=$("$BIN" "$D" verify "$ACKS" 2>&1)
	vrc=$?
	echo "$out" >>"$W/verify.log"
	if [ "$vrc" != 0 ]; then
		bad_cycles=$((bad_cycles + 1))
		echo "cycle $i: $out"
	fi
	c=$(sed -nE 's/.* corrupt=([0-9]+).*/\1/p' <<<"$out")
	l=$(sed -nE 's/.* lost=([0-9]+).*/\1/p' <<<"$out")
	corrupt=$((corrupt + ${c:-1}))
	lost=$((lost + ${l:-1}))
	grep -q 'inflight_cfg_kept=1' <<<"$out" && cfg_kept=$((cfg_kept + 1))
	grep -q 'inflight_line_kept=1' <<<"$out" && line_kept=$((line_kept + 1))
	grep -q 'torn=1' <<<"$out" && torn=$((torn + 1))
	t=$(sed -nE 's/.* temps=([0-9]+).*/\1/p' <<<"$out")
	temps=$((temps + ${t:-0}))
done
cfg_acked=$(grep -c '^C ' "$ACKS")
line_acked=$(grep -c '^L ' "$ACKS")
echo "cycles $CYCLES in $((SECONDS - t0)) s: $cfg_acked config writes and $line_acked alert lines acknowledged"
echo "corrupt files: $corrupt (must be 0); acknowledged writes lost: $lost (must be 0)"
echo "write in flight at the kill: config kept $cfg_kept times, alert line kept $line_kept times, else lost (allowed)"
echo "torn journal tails found: $torn (cut at the next start); temp files left by a kill: $temps (removed at the next open)"

check() { # name condition-result
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		echo "PASS $1"
	else
		fail=$((fail + 1))
		echo "FAIL $1"
	fi
}
check "no corrupt object in $CYCLES kills" "$corrupt"
check "no acknowledged write lost in $CYCLES kills" "$lost"
check "every cycle verified" "$bad_cycles"
check "torture ran until killed every time" "$crashed"
[ "$cfg_acked" -ge "$CYCLES" ] && [ "$line_acked" -ge "$CYCLES" ]
check "the runs wrote (>= $CYCLES configs and lines acknowledged)" "$?"

# Negative controls: the verifier must see damage.
N=$W/neg
cp -r "$D" "$N"
cp "$ACKS" "$W/acks.neg"
sz=$(stat -c %s "$N/config.json")
truncate -s $((sz / 2)) "$N/config.json"
"$BIN" "$N" verify "$W/acks.neg" >"$W/neg1.log" 2>&1
[ $? != 0 ] && grep -q '^CORRUPT' "$W/neg1.log"
check "control: a torn config.json is reported corrupt" "$?"
rm -rf "$N"
cp -r "$D" "$N"
j=$N/alerts.jsonl
[ -s "$j" ] || j=$N/alerts.1.jsonl
sed -i '$d' "$j"
sed -i '/^L /d' "$W/acks.neg"
last=$(tail -n 1 "$j" | sed -nE 's/^\{"seq":([0-9]+),.*/\1/p')
echo "L $((last + 2))" >>"$W/acks.neg"
"$BIN" "$N" verify "$W/acks.neg" >"$W/neg2.log" 2>&1
[ $? != 0 ] && grep -q '^LOST' "$W/neg2.log"
check "control: an acknowledged alert line missing is reported lost" "$?"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
