#!/usr/bin/env bash
# Inline lab test: leaktap as the appliance between the office switch and
# the router, with real clients and servers, in block and monitor mode.
#
# Topology (tools/lab up NAME --appliance, NAME = lib<pid>):
#
#   NAME-office 10.77.0.10 fd77::10 --o1-[br-lan]-upl--- lan0 [NAME-app: leaktap] wan0 ---upw-[br-wan]-i1-- NAME-internet
#                                         (NAME-sw)                                           (NAME-sw)    10.77.0.53 dnsmasq
#                                                                                                          10.77.0.100 sink.py :80 upload.video.test
#                                                                                                          10.77.0.109 sink.py :80 bulk.data.test
#                                                                                                          10.77.0.113 sink.py :80 backup.allowed.test
#                                                                                                          10.77.0.107 nginx :443 secure.video.test -> sink
#                                                                                                          10.77.0.111 nginx :80 www.shop.test (+fd77::111)
#
# leaktap runs `--lan lan0 --wan wan0 --config CFG` in NAME-app (alerts =
# stdout -> alerts file, stderr -> log) with local_nets
# ["10.77.0.0/26", "fd77::/120"]: the office (.10, .53 DNS) is local, the
# servers at .100+ / fd77::100+ are "the internet"; allow
# ["backup.allowed.test"] (by name only: leaktap learns its address from the
# DNS answer it forwards). Names come from the lab's dnsmasq, so leaktap sees
# the DNS answers.
#
# Servers: plain-HTTP uploads go to tests' own Python sink (tests/lab/sink.py,
# copied to the work dir): per TCP connection it counts every byte it received (headers +
# body), answers "100 Continue", extracts the multipart file part and hashes
# it, and when the connection ends (complete, EOF or reset) appends one JSON
# line: bytes, end, file SHA-256, and wall-clock times (accept, last byte,
# end). HTTPS goes to nginx (self-signed cert), which terminates TLS and
# proxies the buffered body to the same sink on 127.0.0.1:8081.
#
# What is measured:
#  1 block mode (threshold_mb 10, quarantine_s 600): a ~50 MB real MP4
#    (ffmpeg testsrc2+noise, lossless H.264, faststart) POSTed with curl -F
#    to upload.video.test: curl's exit code (reset: 55/56), the bytes that
#    reached the server on that connection (<= 10^7 + 1 MiB): the larger of
#    what the sink read and what its TCP accepted in order (TCP_INFO
#    tcpi_bytes_received; a reset drops unread queued data), the alert line
#    (update 0, action block, kind video, video mp4), and the time from the
#    alert's ts (the packet time at which leaktap saw the pair cross 10 MB,
#    live capture time = wall clock of this machine) to the wall-clock moment
#    curl exited (must be <= 1 s). curl's %{size_upload} (bytes handed to the
#    socket, not bytes delivered) is reported for information. A second
#    identical curl within quarantine_s must fail with time_total < 1 s and
#    the sink must see no new connection.
#  2 block mode, negatives: same MP4 over HTTPS (curl -k, secure.video.test)
#    arrives intact (sink's file SHA-256 = client's); the same MP4 in clear
#    HTTP to the allow-listed backup.allowed.test arrives intact (SHA-256
#    equal on both ends, curl exit 0) with no alert for it; a 50 MB random
#    file POST (bulk.data.test) intact; small HTTP GET; ping IPv4/IPv6; DNS
#    lookup.
#  3 monitor mode (leaktap restarted): the MP4 upload to upload.video.test
#    completes intact, and the alerts for that pair are exactly one update 0
#    plus consecutive updates, all with the same alert_id and action "alert".
#  4 each leaktap run exits 0 on SIGTERM; no sanitizer report in its log.
#
# Usage (root): tests/lab/inline_block.sh   (LEAKTAP_BIN overrides the binary,
# default build/asan/leaktap). Output: PASS/FAIL lines, then
# "N passed, N failed"; exit 1 on any failure. Work files in build/lab/inline.
# Traffic stays between this run's namespaces; every client and server runs
# under `timeout`; namespaces and processes are removed on exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh inline_block lib$$ build/lab/inline
M=$W/media
THRESHOLD=10000000
MIB=1048576

t_need ffmpeg nginx dnsmasq curl openssl ethtool ip ss flock
t_cleanup_more() { rm -rf "$W/nginx/tmp" 2>/dev/null; }
t_lock
rm -rf "${W:?}/log" "${W:?}/etc" "${W:?}/nginx" "${W:?}/dns"
mkdir -p "$W"/{log,etc,nginx/tmp,www,dns} "$M"
: >"$W/log/sink.jsonl"
export LAB_DIR=$W/etc

# --- media -----------------------------------------------------------------------
# ~50 MB real MP4: 640x360 testsrc2 with noise, lossless H.264 (incompressible),
# moov first (faststart) so the head is ftyp + moov with the video track.
t_mp4 "$M/upload.mp4" 4.3 "$W/log/ffmpeg.log" -qp 0 -movflags +faststart || t_abort "ffmpeg failed"
t_random "$M/random.bin" 7 50000000 || t_abort "random file"
mp4_size=$(stat -c %s "$M/upload.mp4")
[ "$mp4_size" -ge 45000000 ] && [ "$mp4_size" -le 60000000 ] || t_abort "upload.mp4 is $mp4_size bytes, not ~50 MB"
mp4_sha=$(t_sha "$M/upload.mp4")
rnd_sha=$(t_sha "$M/random.bin")
t_say "media: upload.mp4 $mp4_size bytes ($(head -c 12 "$M/upload.mp4" | od -An -c | tr -s ' ')), random.bin 50000000 bytes"

# --- servers' private configuration ---------------------------------------------
cp tests/lab/sink.py "$W/sink.py" || t_abort "tests/lab/sink.py missing"

t_selfsigned secure.video.test "$W/nginx" || t_abort "openssl"
printf '<html><head><title>Shop</title></head><body><h1>Spring sale</h1></body></html>\n' >"$W/www/index.html"
t_nginx_head "$W/nginx/nginx.conf" "leaktap inline lab"
cat >>"$W/nginx/nginx.conf" <<EOF
    types { text/html html; }
    default_type application/octet-stream;
    log_format lab '\$remote_addr \$server_addr \$server_port \$host "\$request" \$status \$request_length \$body_bytes_sent';
    access_log $W/log/nginx-access.log lab;
EOF
t_nginx_tls_upload 10.77.0.107:443 http://127.0.0.1:8081 >>"$W/nginx/nginx.conf"
cat >>"$W/nginx/nginx.conf" <<EOF
    server {
        listen 10.77.0.111:80;
        server_name _;
        root $W/www;
        location / { }
    }
}
EOF
t_dnsmasq_conf "$W/dns/dnsmasq.conf" "$W/dns/dnsmasq.pid" "leaktap inline lab" local-ttl=300 \
	host-record=upload.video.test,10.77.0.100 host-record=secure.video.test,10.77.0.107 \
	host-record=bulk.data.test,10.77.0.109 host-record=backup.allowed.test,10.77.0.113 \
	host-record=www.shop.test,10.77.0.111,fd77::111 log-queries "log-facility=$W/log/dnsmasq.log"

cfg() { # mode -> config file
	cat >"$W/etc/$1.json" <<EOF
{"mode": "$1", "threshold_mb": 10, "quarantine_s": 600,
 "local_nets": ["10.77.0.0/26", "fd77::/120"], "allow": ["backup.allowed.test"]}
EOF
	echo "$W/etc/$1.json"
}

# --- helpers ----------------------------------------------------------------------
office() { lab_exec "$NAME" office timeout -k 2 "$@"; }
# Start leaktap in the appliance namespace with a config file; waits until it forwards
# (the path is up when the office reaches the DNS server through it).
start_leaktap() { # cfg-file label
	t_lt_launch "$2" ip netns exec "$(t_ns app)" timeout -k 5 170 "$BIN" --lan lan0 --wan wan0 --config "$1"
	t_lt_forwarding 10.77.0.53
}
stop_leaktap() { # label: SIGTERM, wait (bounded), check exit status and sanitizers
	t_lt_stop "$1" 100
	grep -E "^(frames|flows|video)" "$lt_log" | sed 's/^/  leaktap: /'
}
# curl -F upload from the office; sets c_rc c_out (time_total size_upload http_code) c_end
upload() { # url file [extra curl args]
	local url=$1 file=$2
	shift 2
	c_out=$(office 60 curl -sS -o "$W/log/curl-body.txt" -F "file=@$file;type=video/mp4" \
		--max-time 50 -w '%{time_total} %{size_upload} %{http_code}' "$@" "$url" 2>"$W/log/curl-err.txt")
	c_rc=$?
	c_end=$(t_now)
}

# --- lab ----------------------------------------------------------------------------
lab_up "$NAME" --appliance || t_abort "tools/lab up failed"
t_start_server sink internet 175 $PY "$W/sink.py" "$W/log/sink.jsonl" \
	10.77.0.100:80 10.77.0.109:80 10.77.0.113:80 127.0.0.1:8081
t_start_server nginx internet 175 nginx -e "$W/log/nginx-error.log" -p "$W/nginx" -c "$W/nginx/nginx.conf" -g 'daemon off;'
t_start_server dnsmasq internet 175 dnsmasq -k -C "$W/dns/dnsmasq.conf" --user=root --group=root
t_wait_port internet t 10.77.0.100:80 && t_wait_port internet t 10.77.0.113:80 && t_wait_port internet t 127.0.0.1:8081 || t_abort "sink did not start"
t_wait_port internet t 10.77.0.107:443 && t_wait_port internet t 10.77.0.111:80 || t_abort "nginx did not start ($(tail -n 1 "$W/log/nginx-error.log"))"
t_wait_port internet u 10.77.0.53:53 || t_abort "dnsmasq did not start"

# Offloads: every veth end of the lab (hosts, switch ports, appliance ports).
offloads_off() {
	local n i bad=0 v
	for n in office office2 internet sw app; do
		for i in $(ip -n "$(t_ns $n)" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1); do
			v=$(ip netns exec "$(t_ns $n)" ethtool -k "$i" | grep -E '^(generic-receive-offload|generic-segmentation-offload|tcp-segmentation-offload):')
			if echo "$v" | grep -q ': on'; then
				echo "offload on: $n $i: $v"
				bad=1
			fi
		done
	done
	return $bad
}
t_check "setup: GRO/GSO/TSO off on every veth" offloads_off

# =====================================================================================
# 1. block mode
# =====================================================================================
start_leaktap "$(cfg block)" block || t_abort "leaktap (block) did not start: $(tail -n 3 "$W/log/leaktap-block.log")"
t_say "leaktap (block) forwarding, pid $lt_pid"

n0=$(t_sinklines)
upload http://upload.video.test/upload/meeting.mp4 "$M/upload.mp4"
t_say "blocked upload: curl exit $c_rc, time_total/size_upload/http_code = $c_out ($(head -c 200 "$W/log/curl-err.txt"))"
case $c_rc in
55 | 56) t_ok "block: curl fails with a reset (exit $c_rc)" ;;
*) t_ko "block: curl fails with a reset" "exit $c_rc" ;;
esac
if t_wait_sink "$n0"; then
	rec=$(sed -n "$((n0 + 1))p" "$W/log/sink.jsonl")
	# what reached the server: the larger of what the application read and
	# what the server's TCP accepted in order (TCP_INFO; on a reset, unread
	# data in the receive queue never reaches the application)
	got=$(t_jq "$rec" 'max(r["bytes"], r["tcp_bytes"] or 0)')
	t_say "server: $(t_jq "$rec" '"read by the server %s bytes (headers+body), accepted by its TCP %s, end=%s, complete=%s" % (r["bytes"], r["tcp_bytes"], r["end"], r["complete"])')"
	if [ "$(t_jq "$rec" 'r["complete"]')" = False ] && [ "$got" -le $((THRESHOLD + MIB)) ]; then
		t_ok "block: server received $got bytes <= 10^7 + 1 MiB"
	else
		t_ko "block: server received <= 10^7 + 1 MiB" "$got bytes, complete=$(t_jq "$rec" 'r["complete"]')"
	fi
	srv_last=$(t_jq "$rec" 'r["t_last"]')
	srv_end=$(t_jq "$rec" 'r["t_end"]')
else
	t_ko "block: server received <= 10^7 + 1 MiB" "the sink logged no connection"
	srv_last=0 srv_end=0
fi
t_block_alert block 10.77.0.100 mp4
fp_ok() { # the alert's fields from the carrier and the file (docs/alerts.md)
	$PY - "$alert" "$M/upload.mp4" <<'PYEOF'
import hashlib, json, sys
r = json.loads(sys.argv[1])
fp = hashlib.sha256(open(sys.argv[2], "rb").read(65536)).hexdigest()
want = {"remote_name": "upload.video.test", "file": "upload.mp4", "fingerprint": fp,
        "remote_port": 80, "l4": "tcp", "lan_mac": "02:77:00:00:00:10"}
bad = {k: r.get(k) for k, v in want.items() if r.get(k) != v}
assert not bad, bad
PYEOF
}
t_check "block: alert names host, file, MAC and the file's fingerprint" fp_ok
if [ -n "$alert" ]; then
	# alert ts = packet time at which leaktap saw the pair cross 10 MB (live: wall clock)
	t_alert=$(t_ts_of "$alert")
	d=$($PY -c 'import sys; a,c,s,e=map(float,sys.argv[1:]); print("%.3f %.3f %.3f" % (c-a, e-a, s-a))' "$t_alert" "$c_end" "$srv_end" "$srv_last")
	set -- $d
	t_say "crossing (alert ts) -> curl exit: $1 s; -> server saw the reset: $2 s; server's last byte - crossing: $3 s"
	if $PY -c 'import sys; sys.exit(not (-0.05 <= float(sys.argv[1]) <= 1.0))' "$1"; then
		t_ok "block: curl fails within 1 s of the crossing ($1 s)"
	else
		t_ko "block: curl fails within 1 s of the crossing" "$1 s"
	fi
else
	t_ko "block: curl fails within 1 s of the crossing" "no alert"
fi

# Quarantine: the same upload again, seconds later.
n1=$(t_sinklines)
upload http://upload.video.test/upload/meeting.mp4 "$M/upload.mp4"
t_say "quarantined upload: curl exit $c_rc, time_total/size_upload/http_code = $c_out ($(head -c 200 "$W/log/curl-err.txt"))"
sleep 1
t_q=${c_out%% *}
if [ "$c_rc" != 0 ] && $PY -c 'import sys; sys.exit(not float(sys.argv[1]) < 1.0)' "${t_q:-99}" && [ "$(t_sinklines)" = "$n1" ] &&
	[ -z "$(ip netns exec "$(t_ns internet)" ss -Htn state established 'sport = :80' 2>/dev/null)" ]; then
	t_ok "block: quarantined pair: second curl fails at once (exit $c_rc, ${t_q} s), no connection reaches the server"
else
	t_ko "block: quarantined pair: second curl fails at once, nothing reaches the server" "exit $c_rc, ${t_q} s, sink connections $n1 -> $(t_sinklines)"
fi

# =====================================================================================
# 2. block mode, traffic that must pass
# =====================================================================================
n2=$(t_sinklines)
upload https://secure.video.test/upload/meeting.mp4 "$M/upload.mp4" -k
t_say "https upload: curl exit $c_rc, time_total/size_upload/http_code = $c_out"
rec=$(t_wait_sink "$n2" && sed -n "$((n2 + 1))p" "$W/log/sink.jsonl")
if [ "$c_rc" = 0 ] && [ "${c_out##* }" = 200 ] && [ -n "$rec" ] &&
	[ "$(t_jq "$rec" 'r.get("file_sha256")')" = "$mp4_sha" ]; then
	t_ok "pass: HTTPS MP4 upload intact (server SHA-256 = client's)"
else
	t_ko "pass: HTTPS MP4 upload intact" "curl $c_rc $c_out; sink: $rec"
fi

# Allow-listed by name: the same MP4 in clear text, well past the threshold,
# must pass untouched. The allow entry is a name only, so this also checks
# that leaktap bound the name to 10.77.0.113 from the DNS answer it forwarded.
na=$(t_sinklines)
upload http://backup.allowed.test/upload/meeting.mp4 "$M/upload.mp4"
t_say "allow-listed upload: curl exit $c_rc, time_total/size_upload/http_code = $c_out ($(head -c 200 "$W/log/curl-err.txt"))"
rec=$(t_wait_sink "$na" && sed -n "$((na + 1))p" "$W/log/sink.jsonl")
if [ "$c_rc" = 0 ] && [ "${c_out##* }" = 200 ] && [ -n "$rec" ] &&
	[ "$(t_jq "$rec" 'r.get("file_sha256")')" = "$mp4_sha" ] &&
	[ "$(t_jq "$rec" 'r["local"]')" = 10.77.0.113:80 ]; then
	t_ok "pass: clear-text MP4 upload to allow-listed backup.allowed.test intact (server SHA-256 = client's, $(t_jq "$rec" 'r["bytes"]') bytes)"
else
	t_ko "pass: clear-text MP4 upload to allow-listed backup.allowed.test intact" "curl $c_rc $c_out; sink: $rec"
fi
if grep -q '"remote_ip":"10.77.0.113"' "$lt_alerts"; then
	t_ko "pass: no alert for the allow-listed host" "$(grep '"remote_ip":"10.77.0.113"' "$lt_alerts" | head -c 300)"
else
	t_ok "pass: no alert for the allow-listed host"
fi

n3=$(t_sinklines)
upload http://bulk.data.test/upload/random.bin "$M/random.bin"
t_say "random upload: curl exit $c_rc, time_total/size_upload/http_code = $c_out"
rec=$(t_wait_sink "$n3" && sed -n "$((n3 + 1))p" "$W/log/sink.jsonl")
if [ "$c_rc" = 0 ] && [ "${c_out##* }" = 200 ] && [ -n "$rec" ] &&
	[ "$(t_jq "$rec" 'r.get("file_sha256")')" = "$rnd_sha" ]; then
	t_ok "pass: 50 MB random POST intact (server SHA-256 = client's)"
else
	t_ko "pass: 50 MB random POST intact" "curl $c_rc $c_out; sink: $rec"
fi

get_ok() { office 15 curl -sS --max-time 10 http://www.shop.test/ | cmp - "$W/www/index.html"; }
t_check "pass: small HTTP GET" get_ok
t_check "pass: ping IPv4" ip netns exec "$(t_ns office)" timeout 10 ping -c 3 -i 0.2 -W 2 -q 10.77.0.111
t_check "pass: ping IPv6" ip netns exec "$(t_ns office)" timeout 10 ping -6 -c 3 -i 0.2 -W 2 -q fd77::111
dns_ok() { office 10 getent ahosts www.shop.test | grep -q '^10.77.0.111 '; }
t_check "pass: DNS lookup" dns_ok
n_block_alerts=$(grep -c . "$lt_alerts")
other=$(grep -v '"remote_ip":"10.77.0.100"' "$lt_alerts" | head -n 3)
if [ -z "$other" ]; then
	t_ok "pass: no alert for anything but the blocked pair"
else
	t_ko "pass: no alert for anything but the blocked pair" "$other"
fi

stop_leaktap "block"
t_say "block-mode alerts: $n_block_alerts line(s) before SIGTERM, $(grep -c . "$lt_alerts") after"

# =====================================================================================
# 3. monitor mode
# =====================================================================================
start_leaktap "$(cfg monitor)" monitor || t_abort "leaktap (monitor) did not start: $(tail -n 3 "$W/log/leaktap-monitor.log")"
n4=$(t_sinklines)
upload http://upload.video.test/upload/meeting.mp4 "$M/upload.mp4"
t_say "monitored upload: curl exit $c_rc, time_total/size_upload/http_code = $c_out"
rec=$(t_wait_sink "$n4" && sed -n "$((n4 + 1))p" "$W/log/sink.jsonl")
if [ "$c_rc" = 0 ] && [ "${c_out##* }" = 200 ] && [ -n "$rec" ] &&
	[ "$(t_jq "$rec" 'r.get("file_sha256")')" = "$mp4_sha" ]; then
	t_ok "monitor: MP4 upload completes intact (server SHA-256 = client's, $(t_jq "$rec" 'r["bytes"]') bytes)"
else
	t_ko "monitor: MP4 upload completes intact" "curl $c_rc $c_out; sink: $rec"
fi
t_say "monitor-mode alerts before SIGTERM: $(grep -c . "$lt_alerts") line(s)"
stop_leaktap "monitor"
mon_check() {
	$PY - "$lt_alerts" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pair = [r for r in rows if r.get("lan_ip") == "10.77.0.10" and r.get("remote_ip") == "10.77.0.100"]
for r in rows:
    print(json.dumps(r)[:400])
assert len(rows) == len(pair), "alerts for other pairs"
assert [r["update"] for r in pair] == list(range(len(pair))), [r["update"] for r in pair]
assert len({r["alert_id"] for r in pair}) == 1
assert all(r["action"] == "alert" and r["kind"] == "video" for r in pair)
assert pair[0]["bytes_out"] > 10**7
EOF
}
if mon_check >"$W/log/monitor-alerts.txt" 2>&1; then
	t_ok "monitor: exactly one alert (update 0) for the pair, $(($(grep -c . "$lt_alerts") - 1)) update(s), action alert"
else
	t_ko "monitor: exactly one alert (update 0) for the pair, action alert" "$(tail -n 3 "$W/log/monitor-alerts.txt")"
fi
sed 's/^/  monitor alert: /' "$lt_alerts" | cut -c1-400

t_finish
