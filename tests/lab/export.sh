#!/usr/bin/env bash
# Export lab test: alerts leave the appliance through its own lwIP stack to a
# real syslog collector (UDP and TCP) and to Debian's mosquitto broker.
#
#   NAME-office 10.77.0.10 --[br-lan]-- lan0 [NAME-app: leaktap, mgmt 10.77.0.250] wan0 --[br-wan]-- NAME-internet
#                                                                                                     10.77.0.53  collector.py :5514 udp+tcp
#                                                                                                                 mosquitto :1883 (persistence on)
#                                                                                                     10.77.0.100-103 sink.py :80
#
# leaktap runs in monitor mode with threshold_mb 1 and a static management
# address; each 3 MB MP4 POST from the office to a new remote gives one alert.
# Checks:
#  1 UDP syslog: the alert arrives as RFC 5424 with the alert's fields in
#    structured data, within 1 s of the alert's ts.
#  2 TCP syslog (octet counting): same, within 1 s.
#  3 MQTT: the alert arrives on leaktap/leaktap/alert within 1 s; the status
#    topic holds a retained document.
#  4 broker outage: mosquitto stopped for 30 s while three alerts happen; after
#    it is back, all three arrive at a durable (clean-session false) subscriber.
#  5 leaktap exits 0 on SIGTERM; no sanitizer report.
#  6 the last will: after kill -9 the broker's retained status turns "offline".
# Usage (root): tests/lab/export.sh; LEAKTAP_BIN overrides build/asan/leaktap.
# Ends with "N passed, N failed". Work files in build/lab/export.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh export lx$$ build/lab/export

t_need mosquitto mosquitto_sub ffmpeg curl
mq_pid="" sub_pid=""
t_cleanup_more() { # the broker and its subscriber are restarted, so not in PIDS
	local p
	for p in $mq_pid $sub_pid; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $mq_pid $sub_pid; do kill -9 "$p" 2>/dev/null; done
}

rm -rf "${W:?}"
mkdir -p "$W"/{log,mq,media}
inet() { ip netns exec "$(t_ns internet)" "$@"; }
office() { ip netns exec "$(t_ns office)" "$@"; }

ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=320x240:rate=25:duration=2" \
	-vf noise=alls=30:allf=t -c:v libx264 -preset ultrafast -qp 0 -pix_fmt yuv420p \
	-movflags +faststart "$W/media/clip.mp4" || t_abort "ffmpeg"
[ "$(stat -c %s "$W/media/clip.mp4")" -gt 1500000 ] || t_abort "clip.mp4 smaller than the threshold"

lab_up "$NAME" --appliance >"$W/log/lab.log" 2>&1 || t_abort "tools/lab up"

# Collector: one JSON line per syslog message with its arrival time.
cat >"$W/collector.py" <<'EOF'
import json, socket, sys, threading, time
out = open(sys.argv[1], "a", buffering=1)
lock = threading.Lock()
def emit(proto, msg):
    with lock:
        out.write(json.dumps({"t": time.time(), "proto": proto, "msg": msg}) + "\n")
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.77.0.53", 5514))
    while True:
        d, _ = s.recvfrom(65535)
        emit("udp", d.decode("utf-8", "replace"))
def conn(c):
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            return
        buf += d
        while True:  # RFC 6587 octet counting: "LEN SP MSG"
            sp = buf.find(b" ")
            if sp <= 0:
                break
            n = int(buf[:sp])
            if len(buf) < sp + 1 + n:
                break
            emit("tcp", buf[sp + 1:sp + 1 + n].decode("utf-8", "replace"))
            buf = buf[sp + 1 + n:]
threading.Thread(target=udp, daemon=True).start()
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("10.77.0.53", 5514))
t.listen(4)
while True:
    c, _ = t.accept()
    threading.Thread(target=conn, args=(c,), daemon=True).start()
EOF
inet timeout 300 $PY "$W/collector.py" "$W/syslog.jsonl" >"$W/log/collector.log" 2>&1 &
PIDS+=($!)
# upload sink for the remotes 10.77.0.100-105
t_start_server sink internet 300 $PY tests/lab/mgmt_lab.py sink 80
t_wait_port internet t 0.0.0.0:80 || t_abort "sink did not start"
cat >"$W/mq/mosquitto.conf" <<EOF
listener 1883 10.77.0.53
allow_anonymous true
persistence true
persistence_location $W/mq/
log_dest file $W/log/mosquitto.log
EOF
start_broker() {
	inet timeout 300 mosquitto -c "$W/mq/mosquitto.conf" >>"$W/log/mosquitto.out" 2>&1 &
	mq_pid=$!
	for _ in $(seq 50); do inet ss -Hltn 'sport = :1883' | grep -q . && return 0; sleep 0.1; done
	return 1
}
start_broker || t_abort "mosquitto did not start"
# A durable subscriber: the broker keeps its QoS 1 messages while it is away.
inet timeout 300 mosquitto_sub -h 10.77.0.53 -i lt-export-test -c -q 1 -v \
	-t 'leaktap/+/alert' -F '%U %t %p' >"$W/mqtt.txt" 2>"$W/log/sub.log" &
sub_pid=$!
sleep 1

# leaktap: config with a static address and the targets; proto changes per run.
start_leaktap() { # proto label
	cat >"$W/cfg-$2.json" <<EOF
{"mode": "monitor", "threshold_mb": 1, "local_nets": ["10.77.0.0/26", "fd77::/120"],
 "mgmt": {"dhcp": false, "address": "10.77.0.250/24", "hostname": "leaktap"},
 "syslog": {"host": "10.77.0.53", "port": 5514, "proto": "$1"},
 "mqtt": {"host": "10.77.0.53", "port": 1883}}
EOF
	t_lt_launch "$2" ip netns exec "$(t_ns app)" timeout -k 5 280 "$BIN" --lan lan0 --wan wan0 --config "$W/cfg-$2.json"
	for _ in $(seq 100); do office ping -c 1 -W 1 -q 10.77.0.250 >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
stop_leaktap() { t_lt_stop "$1" 150; } # label
upload() { # remote-ip
	office timeout 30 curl -s -o /dev/null -H 'Content-Type: video/mp4' --data-binary @"$W/media/clip.mp4" \
		"http://$1/upload/clip.mp4"
}

# Upload to remote $2 under leaktap run $1; the alert line in $a (FAIL if none).
upload_alert() { # label remote-ip
	upload "$2"
	t_wait_for 10 grep -q "\"remote_ip\":\"$2\"" "$W/log/alerts-$1.jsonl"
	sleep 2
	a=$(t_alert0 "$2" "$W/log/alerts-$1.jsonl")
	[ -n "$a" ] && return 0
	t_ko "$1: an alert for $2"
	return 1
}
# Seconds between an alert's ts and the first arrival at a receiver whose
# records match the alert id; prints "none" when nothing arrived.
latency() { # alert-line arrival-file kind(syslog-udp|syslog-tcp|mqtt)
	$PY - "$1" "$2" "$3" <<'EOF'
import json, sys, datetime, re
a = json.loads(sys.argv[1])
ts = datetime.datetime.strptime(a["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
best = None
for line in open(sys.argv[2]):
    if sys.argv[3].startswith("syslog"):
        r = json.loads(line)
        if r["proto"] != sys.argv[3][7:]:
            continue
        m = r["msg"]
        if not re.match(r"^<13[23]>1 \S+ leaktap leaktap - alert \[leaktap@32473 ", m):
            continue
        if 'alert_id="%d"' % a["alert_id"] not in m or 'update="0"' not in m:
            continue
        if 'remote_ip="%s"' % a["remote_ip"] not in m or 'video="mp4"' not in m:
            continue
        t = r["t"]
    else:
        t, topic, payload = line.split(" ", 2)
        t = float(t)
        p = json.loads(payload)
        if p.get("alert_id") != a["alert_id"] or p.get("update") != 0:
            continue
    best = t if best is None else min(best, t)
print("none" if best is None else "%.3f" % (best - ts))
EOF
}
within_1s() { # name latency
	case $2 in
	none) t_ko "$1" "did not arrive" ;;
	*) if $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 1.0 else 1)" "$2"; then
		t_ok "$1 (${2} s after the alert)"
	else t_ko "$1" "arrived ${2} s after the alert"; fi ;;
	esac
}

# --- 1 + 3: UDP syslog and MQTT -------------------------------------------------
start_leaktap udp udp || t_abort "leaktap (udp) did not answer ping at 10.77.0.250"
if upload_alert udp 10.77.0.100; then
	within_1s "syslog udp: RFC 5424 alert arrives within 1 s" "$(latency "$a" "$W/syslog.jsonl" syslog-udp)"
	within_1s "mqtt: alert on leaktap/leaktap/alert within 1 s" "$(latency "$a" "$W/mqtt.txt" mqtt)"
fi
st=$(inet timeout 5 mosquitto_sub -h 10.77.0.53 -t leaktap/leaktap/status -C 1 -W 3 --retained-only 2>/dev/null)
if echo "$st" | $PY -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if isinstance(d, dict) and d else 1)' 2>/dev/null; then
	t_ok "mqtt: retained status document on leaktap/leaktap/status"
else
	t_ko "mqtt: retained status document on leaktap/leaktap/status" "got '${st:0:80}'"
fi

# --- 4: broker outage of 30 s -------------------------------------------------------
kill -TERM "$mq_pid"
wait "$mq_pid" 2>/dev/null
mq_pid=
t0=$SECONDS
for ip in 10.77.0.101 10.77.0.102 10.77.0.103; do
	upload $ip
	sleep 3
done
while [ $((SECONDS - t0)) -lt 30 ]; do sleep 1; done
start_broker || t_abort "mosquitto did not restart"
sleep 1
got=0
for ip in 10.77.0.101 10.77.0.102 10.77.0.103; do
	a=$(t_alert0 $ip "$W/log/alerts-udp.jsonl")
	[ -n "$a" ] || continue
	id=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["alert_id"])' "$a")
	t_wait_for 15 grep -q "\"alert_id\":$id,\"update\":0\|\"alert_id\": *$id, *\"update\": *0" "$W/mqtt.txt" && got=$((got + 1))
done
if [ "$got" = 3 ]; then
	t_ok "mqtt: 3 alerts raised during a 30 s broker outage all arrive after it"
else
	t_ko "mqtt: 3 alerts raised during a 30 s broker outage all arrive after it" "$got of 3"
fi
stop_leaktap udp

# --- 2: TCP syslog ------------------------------------------------------------------
start_leaktap tcp tcp || t_abort "leaktap (tcp) did not answer ping"
if upload_alert tcp 10.77.0.104; then
	within_1s "syslog tcp: octet-counted RFC 5424 alert arrives within 1 s" "$(latency "$a" "$W/syslog.jsonl" syslog-tcp)"
fi
stop_leaktap tcp

# --- 6: the last will: a vanished appliance is reported "offline" by the broker -----
start_leaktap udp will || t_abort "leaktap (will) did not answer ping"
t_wait_for 15 sh -c "ip netns exec $(t_ns internet) timeout 3 mosquitto_sub -h 10.77.0.53 -t leaktap/leaktap/status -C 1 -W 2 2>/dev/null | grep -q online"
# $lt_pid is timeout(1); leaktap is its child.
kill -9 $(pgrep -P "$lt_pid") "$lt_pid"
wait "$lt_pid" 2>/dev/null
lt_pid=
t0=$SECONDS
# keep-alive 10 s: the broker gives up after 1.5 x 10 s and publishes the will (retained)
if t_wait_for 30 sh -c "ip netns exec $(t_ns internet) timeout 3 mosquitto_sub -h 10.77.0.53 -t leaktap/leaktap/status -C 1 -W 2 2>/dev/null | grep -q '\"offline\"'"; then
	t_ok "mqtt: last will: status says offline $((SECONDS - t0)) s after kill -9"
else
	t_ko "mqtt: last will: status says offline within 30 s of kill -9"
fi
t_finish
