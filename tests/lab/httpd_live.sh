#!/usr/bin/env bash
# The web server against real clients: build/asan/httpd_live runs lwIP and
# mgmt_httpd on a veth in its own namespace; curl, openssl and python in a
# second namespace check HTTPS answers and headers, the self-signed
# certificate, the port-80 redirect, uploads in browser-sized TLS records,
# a 200 KiB download, malformed requests, keep-alive, and that a bounded
# flood of silent and slow connections leaves the page answering.
# Traffic stays between this test's two namespaces; every loop is bounded
# in count and time.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh httpd_live
BIN=${HTTPD_LIVE_BIN:-build/asan/httpd_live}
S=lhs$$ C=lhc$$
SRV=10.88.0.2
log=build/test-lab/httpd_live.log
tmp=$(mktemp -d)
mkdir -p build/test-lab
T_STEPS=$log.steps
cleanup() {
	[ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null
	ip netns del $S 2>/dev/null
	ip netns del $C 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
: >"$log.steps"

[ -x "$BIN" ] || t_bail "missing $BIN (make build/asan/httpd_live)"
ip netns add $S && ip netns add $C || t_bail "cannot create network namespaces"
ip link add s0 netns $S type veth peer name c0 netns $C
t_port_up $S s0
t_port_up $C c0
ip -n $C addr add 10.88.0.1/24 dev c0

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 ip netns exec $S "$BIN" s0 $SRV 90 >"$log" 2>&1 &
srv_pid=$!
for _ in $(seq 100); do grep -q "listening" "$log" && break; sleep 0.1; done
t_check "server started" grep -q "httpd_live: listening" "$log"

inc() { ip netns exec $C "$@"; }
CURL="curl --http1.1 -sk --max-time 15"

# 1. HTTPS GET with the security headers.
inc $CURL -D "$tmp/h1" -o "$tmp/b1" "https://$SRV/hello?x=1" -H 'Accept-Encoding: gzip'
t_check "https GET 200" grep -q '^HTTP/1.1 200 OK' "$tmp/h1"
t_check "https GET body" grep -q '"path":"/hello","len":0,"sum":0,"gzip":1' "$tmp/b1"
for h in 'Strict-Transport-Security: max-age=' "Content-Security-Policy: default-src 'self'" \
	'X-Content-Type-Options: nosniff' 'X-Frame-Options: DENY' 'Referrer-Policy: no-referrer'; do
	t_check "header $h" grep -qF "$h" "$tmp/h1"
done
inc $CURL -D "$tmp/h2" -o /dev/null "https://$SRV/api/status"
t_check "no-store on /api" grep -qF 'Cache-Control: no-store' "$tmp/h2"

# 2. The certificate: self-signed P-256, the hostname in CN and SAN, ten years.
inc openssl s_client -connect $SRV:443 -servername leaktap-lab </dev/null 2>/dev/null |
	openssl x509 -noout -text >"$tmp/cert" 2>&1
t_check "cert CN" grep -q 'Subject: CN = leaktap-lab' "$tmp/cert"
t_check "cert SAN" grep -q 'DNS:leaktap-lab.local, DNS:leaktap-lab' "$tmp/cert"
t_check "cert P-256" grep -q 'prime256v1' "$tmp/cert"
t_check "cert 10 years" bash -c "y1=\$(grep 'Not Before' $tmp/cert | grep -o '20[0-9][0-9]'); \
	y2=\$(grep 'Not After' $tmp/cert | grep -o '[0-9][0-9][0-9][0-9] GMT' | cut -c1-4); \
	[ \$((y2 - y1)) = 10 ]"

# 3. Port 80 answers only with a redirect.
inc $CURL -D "$tmp/h3" -o "$tmp/b3" "http://$SRV/a%20b?q=1" -H 'Host: box.lan:80'
t_check "http 301" grep -q '^HTTP/1.1 301 ' "$tmp/h3"
t_check "http Location" grep -qF 'Location: https://box.lan/a%20b?q=1' "$tmp/h3"
t_check "http no body" test ! -s "$tmp/b3"

# 4. Uploads: 60000 bytes (curl sends 16 KiB TLS records) arrive whole; 70000 get 413.
$PY -c "import os,sys; sys.stdout.buffer.write(os.urandom(60000))" >"$tmp/up"
want=$($PY -c "
s=0
for b in open('$tmp/up','rb').read(): s=(s*31+b)&0xffffffff
print(s)")
inc $CURL -X PUT --data-binary @"$tmp/up" -H 'Content-Type: application/json' \
	-o "$tmp/b4" "https://$SRV/api/config"
t_check "upload 60000 bytes" grep -q "\"len\":60000,\"sum\":$want," "$tmp/b4"
head -c 70000 /dev/zero >"$tmp/up2"
inc $CURL -X PUT --data-binary @"$tmp/up2" -D "$tmp/h5" -o /dev/null "https://$SRV/api/config"
t_check "upload 70000 bytes: 413" grep -q '^HTTP/1.1 413 ' "$tmp/h5"

# 5. A 200 KiB answer, complete and intact.
inc $CURL -o "$tmp/big" "https://$SRV/big"
want=$($PY -c "
import hashlib
print(hashlib.sha256(bytes((i*7+(i>>10))&255 for i in range(200*1024))).hexdigest())")
t_check "200 KiB download" test "$(sha256sum <"$tmp/big" | cut -d' ' -f1)" = "$want"

# 6. Malformed: 400 and closed; keep-alive: two requests, one connection.
printf 'GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n' |
	inc timeout 15 openssl s_client -quiet -connect $SRV:443 >"$tmp/b6" 2>/dev/null
t_check "malformed: 400" grep -q '^HTTP/1.1 400 Bad Request' "$tmp/b6"
t_check "malformed: only one answer" test "$(grep -c '^HTTP/1.1' "$tmp/b6")" = 1
inc $CURL -o /dev/null -o /dev/null -w '%{num_connects}\n' "https://$SRV/a" "https://$SRV/b" \
	>"$tmp/b7"
t_check "keep-alive reuses the connection" test "$(tr '\n' ' ' <"$tmp/b7")" = "1 0 "

# 7. Flood: 60 silent TCP connections to 443 and 60 trickling requests to 80, for 12 s;
#    a browser-like GET every second must still be answered, each within 5 s.
inc timeout 30 $PY - $SRV >"$tmp/flood" 2>&1 <<'EOF' &
import socket, sys, time
srv = sys.argv[1]
socks = []
end = time.time() + 12
for i in range(120):
    try:
        s = socket.create_connection((srv, 443 if i % 2 else 80), timeout=2)
        if i % 2 == 0:
            s.sendall(b"GET / HTTP/1.1\r\nX-Slow: ")
        socks.append(s)
    except OSError:
        pass
    time.sleep(0.05)
while time.time() < end:
    for s in socks:
        try:
            s.send(b"a")
        except OSError:
            pass
    time.sleep(1)
print("flood opened", len(socks))
EOF
flood_pid=$!
sleep 1
ok=0
for i in $(seq 8); do
	if inc $CURL --max-time 5 -o "$tmp/f$i" "https://$SRV/during-flood-$i" &&
		grep -q "during-flood-$i" "$tmp/f$i"; then
		ok=$((ok + 1))
	fi
	sleep 1
done
wait $flood_pid
echo "flood: $ok of 8 answered; $(cat "$tmp/flood")" >>"$log.steps"
t_check "page answers during a flood (8/8)" test "$ok" = 8
sleep 1
inc $CURL -o "$tmp/b8" "https://$SRV/after"
t_check "page answers after the flood" grep -q '"path":"/after"' "$tmp/b8"

kill -TERM "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
srv_pid=
t_finish
