#!/usr/bin/env bash
# Live ports: leaktap runs in its own network namespace with two veth
# ports and forwards between an "office" host and an "internet" host, as
# it will inline. Checks that IPv4, IPv6, VLAN-tagged and ARP traffic cross
# it both ways, that a TCP transfer arrives intact, and that SIGTERM stops
# it cleanly with a summary. Traffic goes only to this test's own hosts;
# every loop is bounded in count and time.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh live_forward
id=$$
O=lto$id A=lta$id I=lti$id
log=build/test-lab/live_forward.log
mkdir -p build/test-lab
T_STEPS=$log.steps
cleanup() {
	[ -n "${lt_pid:-}" ] && kill "$lt_pid" 2>/dev/null
	for n in $O $A $I; do ip netns del "$n" 2>/dev/null; done
}
trap cleanup EXIT
: >"$log.steps"

ip netns add $O && ip netns add $A && ip netns add $I || t_bail "cannot create network namespaces"
ip link add o0 netns $O type veth peer name lan0 netns $A
ip link add i0 netns $I type veth peer name wan0 netns $A
t_port_up $O o0
t_port_up $A lan0 wan0
t_port_up $I i0
ip -n $O addr add 10.213.0.1/24 dev o0
ip -n $I addr add 10.213.0.2/24 dev i0
ip -n $O addr add fd00:213::1/64 dev o0 nodad
ip -n $I addr add fd00:213::2/64 dev i0 nodad

# leaktap turns GRO/GSO/TSO off on its own ports at start: turn GRO back on to see it do so.
ip netns exec $A ethtool -K lan0 gro on >/dev/null 2>&1
ip netns exec $A "$BIN" --lan lan0 --wan wan0 >"$log" 2>&1 &
lt_pid=$!
for _ in $(seq 50); do grep -q "forwarding between" "$log" && break; sleep 0.1; done

t_check "leaktap started" grep -q "forwarding between" "$log"
t_check "leaktap turned GRO off on its port" sh -c "ip netns exec $A ethtool -k lan0 | grep -q 'generic-receive-offload: off'"
t_check "ipv4 ping office->internet" ip netns exec $O ping -c 3 -i 0.2 -W 2 10.213.0.2
t_check "ipv4 ping internet->office" ip netns exec $I ping -c 3 -i 0.2 -W 2 10.213.0.1
t_check "ipv6 ping across" ip netns exec $O ping -6 -c 3 -i 0.2 -W 2 fd00:213::2
# VLAN-tagged frames (sent raw: this kernel may lack 8021q interfaces),
# seen tagged on the far side by tcpdump, both ways.
vlan_across() { # from-ns from-if to-ns to-if
	rm -f build/test-lab/vlan.pcap
	ip netns exec "$3" timeout 5 tcpdump -U -q -n -c 3 -i "$4" -w build/test-lab/vlan.pcap 'vlan 42 and udp port 4242' 2>/dev/null &
	local td=$!
	sleep 1
	ip netns exec "$1" $PY -c '
import sys
from scapy.all import Ether, Dot1Q, IP, UDP, Raw, sendp
f = Ether(src="02:00:00:00:42:01", dst="02:00:00:00:42:02") / Dot1Q(vlan=42) / IP(src="10.214.0.1", dst="10.214.0.2") / UDP(sport=4242, dport=4242) / Raw(b"tagged")
sendp(f, iface=sys.argv[1], count=3, inter=0.1, verbose=False)
' "$2"
	wait $td
}
t_check "vlan 42 tagged frames office->internet" vlan_across $O o0 $I i0
t_check "vlan 42 tagged frames internet->office" vlan_across $I i0 $O o0
t_check "arp learned across" sh -c "ip -n $O neigh show 10.213.0.2 | grep -q lladdr"

# A 4 MB TCP transfer, checked end to end.
ip netns exec $I timeout 30 $PY -c '
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.213.0.2", 9000)); s.listen(1); s.settimeout(25)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
open(sys.argv[1], "w").write(f"{n} {h.hexdigest()}\n")
' build/test-lab/recv.txt &
srv=$!
sleep 0.3
sent=$(ip netns exec $O timeout 30 $PY -c '
import hashlib, os, socket, random
data = random.Random(7).randbytes(4 * 1000 * 1000)
s = socket.create_connection(("10.213.0.2", 9000), timeout=20); s.sendall(data); s.close()
print(len(data), hashlib.sha256(data).hexdigest())
')
wait $srv
t_check "tcp 4 MB transfer intact" test "$sent" = "$(cat build/test-lab/recv.txt 2>/dev/null)"

kill -TERM $lt_pid
for _ in $(seq 50); do kill -0 $lt_pid 2>/dev/null || break; sleep 0.1; done
wait $lt_pid
rc=$?
lt_pid=
t_check "SIGTERM: clean exit 0" test "$rc" = 0
t_check "summary printed with flows" grep -qE "^flows [1-9]" "$log"
t_check "no sanitizer report" sh -c "! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$log'"
# --state-dir: the alert journal survives kill -9, the kept config is used
# on restart; systemd's notify protocol: READY=1, then watchdog pings.
state=build/test-lab/state
rm -rf "$state" && mkdir -p "$state"
echo '{"threshold_mb": 0, "local_nets": ["10.213.0.1/32", "fd00:213::1/128"]}' >"$state/config.json"
upload_mp4() { # a clear MP4 over an unknown TCP protocol, office -> internet
	ip netns exec $I timeout 20 $PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.213.0.2", 9001)); s.listen(1); s.settimeout(15)
c, _ = s.accept()
while c.recv(65536): pass
' &
	local srv=$!
	sleep 0.3
	ip netns exec $O timeout 20 $PY -c '
import socket, sys
s = socket.create_connection(("10.213.0.2", 9001), timeout=10)
s.sendall(open(sys.argv[1], "rb").read()); s.close()
' build/media/h264_faststart.mp4
	wait $srv
}
notify=build/test-lab/notify.txt
rm -f "$notify" build/test-lab/notify.sock
$PY -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(0.5)
end = time.time() + 20
with open(sys.argv[2], "w") as out:
    while time.time() < end:
        try:
            out.write(s.recv(256).decode() + "\n"); out.flush()
        except socket.timeout:
            pass
' build/test-lab/notify.sock "$notify" &
nl_pid=$!
sleep 0.3
NOTIFY_SOCKET=$PWD/build/test-lab/notify.sock WATCHDOG_USEC=200000 \
	ip netns exec $A "$BIN" --lan lan0 --wan wan0 --state-dir "$state" >"$log.2" 2>&1 &
lt_pid=$!
for _ in $(seq 50); do grep -q "forwarding between" "$log.2" && break; sleep 0.1; done
upload_mp4
sleep 0.5
t_check "alert journalled in the state dir" grep -q '"video":"mp4"' "$state/alerts.jsonl"
t_check "systemd notify: READY=1 and watchdog pings" sh -c "grep -q READY=1 $notify && [ \$(grep -c WATCHDOG=1 $notify) -ge 2 ]"
kill -9 $lt_pid
wait $lt_pid 2>/dev/null
lt_pid=
n1=$(wc -l <"$state/alerts.jsonl")
ip netns exec $A "$BIN" --lan lan0 --wan wan0 --state-dir "$state" >"$log.3" 2>&1 &
lt_pid=$!
for _ in $(seq 50); do grep -q "forwarding between" "$log.3" && break; sleep 0.1; done
upload_mp4
sleep 0.5
kill -TERM $lt_pid
wait $lt_pid
lt_pid=
kill $nl_pid 2>/dev/null
t_check "after kill -9 and restart: kept config used, journal intact and growing" sh -c \
	"[ \$(wc -l <$state/alerts.jsonl) -gt $n1 ] && $PY -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' $state/alerts.jsonl"

tail -n 12 "$log"
t_finish
