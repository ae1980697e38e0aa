#!/usr/bin/env bash
# Lab test of the management plane's API (docs/api.md, docs/mgmt-http.md) on the
# real appliance: leaktap inline between the office switch and the router, its
# web server on its own address 10.77.0.250, every request made with curl (or a
# raw TLS socket for malformed ones) from the office namespaces.
#
#   lq1-office  10.77.0.10 --[br-lan]-- lan0 [lq1-app: leaktap, mgmt 10.77.0.250] wan0 --[br-wan]-- lq1-internet
#   lq1-office2 10.77.0.11 --/                                                                      10.77.0.53 dnsmasq
#                                                                          10.77.0.101-103,109 upload sink :80
#
# leaktap: build/asan/leaktap --lan lan0 --wan wan0 --config CFG --state-dir DIR
# (DIR empty: first boot), CFG = monitor mode, threshold_mb 20, local_nets
# 10.77.0.0/26, mgmt {"dhcp": false, "address": "10.77.0.250/24"}. The one-time
# password is read from its stderr. Uploads go through the bridge to a sink that
# answers with the SHA-256 of what it received (tests/lab/mgmt_lab.py sink).
#
# What is checked (each a PASS/FAIL line):
#  - HTTP :80 answers 301 to https://<host><path>?<query>; the page is served
#    without a session; /api/* without a session is 401.
#  - from the internet namespace (wan side) no HTTP answer at all.
#  - OTP login: 200, cookie HttpOnly/Secure/SameSite=Strict, must_change; that
#    session gets 403 "password change required" except /api/session,
#    /api/password; password change (CSRF missing 403, short 400 new, wrong old
#    400 old, good 200); then the OTP is refused and the new password works.
#  - CSRF missing or wrong on POST/PUT: 403; 404 and 405 (with Allow).
#  - status is live (frame counters grow between two reads).
#  - PUT /api/config with a bad mode, threshold_mb, window_s, quarantine_s,
#    local_nets entry, allow entry, mgmt.address, syslog.port, and non-object
#    bodies: each 400 naming the field; nothing changed afterwards.
#  - threshold: a 12 MB MP4 with threshold_mb 20 gives no alert; PUT
#    threshold_mb 5; the next 12 MB MP4 (another host) gives one, no restart.
#  - allow from the alert: POST /api/allow {"alert_id": N}; the next upload to
#    that host gives no alert (and one to a third host still does).
#  - lockout (from office2): 5 wrong passwords 401, then 429 with Retry-After
#    and retry_s, the right password also 429; office is not locked.
#  - malformed requests over TLS (garbage, 12 KB header, 800 headers, 100 KB
#    body announced, 80 KB chunked, no Host, HTTP/3.7, CL+TE) get their 4xx/5xx;
#    plain bytes to :443 and garbage to :80 do no harm; the API still answers.
#  - flood: 200 connections opened and held (20 after a TLS handshake; the
#    ones the server ends are reopened) and 20 slowloris clients (one header
#    byte per second) for 20 s: a 20 MB upload through the bridge meanwhile
#    arrives intact, the API answers during the flood and within 5 s after it.
#  - mgmt.from_wan true opens the page to the wan side (so the refusal above is
#    the policy, not a missing route); back to false closes it again.
#  - logout: 200, the cookie cleared, the session then 401.
#  - leaktap exits 0 on SIGTERM, no sanitizer report.
#
# Usage (root): tests/lab/mgmt_api.sh (LEAKTAP_BIN overrides the binary, default
# build/asan/leaktap). Output: PASS/FAIL lines, then "N passed, N failed"; exit 1
# on any failure. Work files in build/lab/mgmt_api. Every client and server runs
# under `timeout`; namespaces and processes are removed on exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh mgmt_api lq$$ build/lab/mgmt_api
M=$W/media
APP=10.77.0.250
B=https://$APP
NEWPW=lab-api-password-1

t_need ffmpeg dnsmasq curl ip ss flock
t_lock
rm -rf "${W:?}/log" "${W:?}/etc" "${W:?}/state" "${W:?}/http"
mkdir -p "$W"/{log,etc,state,http} "$M"
export LAB_DIR=$W/etc
lab_down "$NAME" # a run killed with -9 leaves its namespaces; this lab name is ours

# --- media: a real ~12 MB MP4 and a 20 MB random file --------------------------------
t_mp4 "$M/clip.mp4" 1.1 "$W/log/ffmpeg.log" -qp 0 -movflags +faststart || t_abort "ffmpeg failed"
t_random "$M/random.bin" 5 20000000 || t_abort "random file"
clip_size=$(stat -c %s "$M/clip.mp4")
[ "$clip_size" -ge 8000000 ] && [ "$clip_size" -le 18000000 ] || t_abort "clip.mp4 is $clip_size bytes, not ~12 MB"
clip_sha=$(t_sha "$M/clip.mp4")
rnd_sha=$(t_sha "$M/random.bin")
t_say "media: clip.mp4 $clip_size bytes, random.bin 20000000 bytes"

t_dnsmasq_conf "$W/etc/dnsmasq.conf" "$W/etc/dnsmasq.pid" "mgmt_api lab" \
	host-record=up1.video.test,10.77.0.101 host-record=up2.video.test,10.77.0.102 \
	host-record=up3.video.test,10.77.0.103 host-record=bulk.data.test,10.77.0.109
cat >"$W/etc/config.json" <<EOF
{"mode": "monitor", "threshold_mb": 20, "window_s": 600,
 "local_nets": ["10.77.0.0/26", "fd77::/120"],
 "mgmt": {"dhcp": false, "address": "$APP/24", "hostname": "leaktap"}}
EOF

# --- helpers -------------------------------------------------------------------------
since() { $PY -c 'import sys,time; print("%.2f" % (time.time()-float(sys.argv[1])))' "$1"; }
# jget FILE EXPR: python expression over the JSON document in FILE as r
jget() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

# api [opts] METHOD PATH [BODY]: one curl from the office (or office2) namespace to the
# appliance. Cookie jar $JAR (read and written), header X-CSRF-Token: $CSRF when set.
# Sets st (HTTP status, 000 when no answer); headers in $W/http/h, body in $W/http/b.
#   -h HOST  office|office2|internet     -J JAR  other cookie jar     -x  no CSRF header
#   -H 'Name: value' extra header        -T BODYFILE  body from a file
#   -C TYPE  Content-Type of the body (default application/json)
JAR=$W/http/jar
CSRF=
api() {
	local host=office jar=$JAR csrf=$CSRF extra=() ctype=application/json file=
	while [ $# -gt 0 ]; do
		case $1 in
		-h) host=$2; shift 2 ;;
		-J) jar=$2; shift 2 ;;
		-x) csrf=; shift ;;
		-H) extra+=(-H "$2"); shift 2 ;;
		-C) ctype=$2; shift 2 ;;
		-T) file=$2; shift 2 ;;
		*) break ;;
		esac
	done
	local m=$1 path=$2
	[ -n "$file" ] && extra+=(--data-binary "@$file" -H "Content-Type: $ctype")
	[ $# -ge 3 ] && extra+=(--data-binary "$3" -H "Content-Type: $ctype")
	[ -n "$csrf" ] && extra+=(-H "X-CSRF-Token: $csrf")
	: >"$W/http/h"
	: >"$W/http/b"
	st=$(lab_exec "$NAME" "$host" timeout -k 2 25 curl -sk --max-time 20 -o "$W/http/b" -D "$W/http/h" \
		-w '%{http_code}' -b "$jar" -c "$jar" -X "$m" "${extra[@]}" "$B$path" 2>"$W/http/err")
	[ -n "$st" ] || st=000
	{
		echo "> $m $path${3:+ $3} [$host]"
		echo "< $st $(head -c 300 "$W/http/b")"
	} >>"$W/log/requests.log"
}
body() { head -c 400 "$W/http/b"; }
hdr() { grep -i "^$1:" "$W/http/h" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
field() { jget "$W/http/b" "r.get('field')"; }
expect() { # name status [python condition over the body r]
	local name=$1 want=$2 cond=${3:-True}
	if [ "$st" = "$want" ] && [ "$(jget "$W/http/b" "$cond")" = True ]; then
		t_ok "$name"
	else
		t_ko "$name" "got $st $(body | tr '\n' ' '), want $want${3:+ with $3}"
	fi
}
# At most CONFIG_AUTH_HASHES_PER_S (4) password checks per second are made (429
# retry_s 1 beyond): logins here are paced so that only the lockout gives a 429.
login() { # [api opts] password -> st; CSRF of the answer in $got_csrf
	local pw=${*: -1}
	sleep 0.35
	api -x "${@:1:$#-1}" POST /api/login "{\"password\": \"$pw\"}"
	got_csrf=$(jget "$W/http/b" "r.get('csrf','')")
}
alerts_for() { grep -c "\"remote_ip\":\"$1\"" "$lt_alerts" 2>/dev/null; }
# upload URL FILE: curl -F from the office through the bridge; sets u_rc u_sha u_time
upload() {
	local out
	out=$(lab_exec "$NAME" office timeout -k 2 90 curl -sS --max-time 80 -o "$W/log/upload.json" \
		-w '%{time_total}' -F "file=@$2;type=${3:-video/mp4}" "$1" 2>"$W/log/upload.err")
	u_rc=$?
	u_time=${out:-0}
	u_sha=$(jget "$W/log/upload.json" "r['sha256']")
	echo "upload $1 $2: rc $u_rc, $u_time s, sha $u_sha $(head -c 200 "$W/log/upload.err")" >>"$W/log/requests.log"
}

# --- lab -------------------------------------------------------------------------------
lab_up "$NAME" --appliance || t_abort "tools/lab up failed"
t_start_server sink internet 280 $PY tests/lab/mgmt_lab.py sink 80
t_start_server dnsmasq internet 280 dnsmasq -k -C "$W/etc/dnsmasq.conf" --user=root --group=root
for _ in $(seq 50); do [ -n "$(ip netns exec "$(t_ns internet)" ss -Hltn "sport = :80")" ] && break; sleep 0.1; done
[ -n "$(ip netns exec "$(t_ns internet)" ss -Hltn "sport = :80")" ] || t_abort "sink did not start"
t_wait_port internet u 10.77.0.53:53 || t_abort "dnsmasq did not start"

t_lt_launch "" ip netns exec "$(t_ns app)" timeout -k 5 280 "$BIN" --lan lan0 --wan wan0 --config "$W/etc/config.json" \
	--state-dir "$W/state"
t_lt_wait_log "first-boot password:" 150 && t_lt_wait_log "forwarding between" 150
grep -q "forwarding between" "$lt_log" || t_abort "leaktap did not start: $(tail -n 3 "$lt_log")"
OTP=$(t_otp)
if [ ${#OTP} = 16 ]; then
	t_ok "first boot: the console prints a 16-character one-time password"
else
	t_ko "first boot: the console prints a 16-character one-time password" "got '$OTP' ($(grep -i password "$lt_log" | head -n 2))"
fi
t0=$(t_now)
t_https_up "$B/"
[ "$t_code" = 200 ] || t_abort "no HTTPS answer from $B/ (last: ${t_code:-none}); log: $(tail -n 3 "$lt_log")"
t_say "leaktap pid $lt_pid: page answers after $(since "$t0") s"

# =====================================================================================
# redirect, the page, no session, wan side
# =====================================================================================
r=$(lab_exec "$NAME" office timeout -k 2 10 curl -s --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
	"http://$APP/api/status?x=1")
if [ "$r" = "301 https://$APP/api/status?x=1" ]; then
	t_ok "http :80 answers 301 to the same URL over https"
else
	t_ko "http :80 answers 301 to the same URL over https" "got '$r'"
fi
r=$(lab_exec "$NAME" office timeout -k 2 10 curl -sk --max-time 5 --compressed -o "$W/log/index.html" \
	-w '%{http_code} %{content_type}' "$B/")
if [ "${r%% *}" = 200 ] && grep -qi '<html' "$W/log/index.html"; then
	t_ok "the page (/) is served without a session ($r)"
else
	t_ko "the page (/) is served without a session" "got '$r'"
fi
api -x GET /api/status
expect "no session: GET /api/status 401 with an error object" 401 "'error' in r"
[ "$(hdr Cache-Control)" = no-store ] && t_ok "/api answers carry Cache-Control: no-store" ||
	t_ko "/api answers carry Cache-Control: no-store" "got '$(hdr Cache-Control)'"
api -x GET /api/config
expect "no session: GET /api/config 401" 401
api -x PUT /api/config '{"mode": "block"}'
expect "no session: PUT /api/config 401" 401
r=$(ip netns exec "$(t_ns internet)" timeout -k 2 10 curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "$B/" 2>/dev/null)
rc=$?
if [ "${r:-000}" = 000 ]; then
	t_ok "wan side (internet namespace): no HTTP answer (curl exit $rc$([ $rc = 7 ] && echo ', refused'))"
else
	t_ko "wan side (internet namespace): no HTTP answer" "got HTTP $r"
fi

# =====================================================================================
# first boot: one-time password, must-change session, password change
# =====================================================================================
login "wrong-password-0"
expect "login with a wrong password: 401" 401 "'wrong' in r.get('error','')"
api -x POST /api/login '{"pass": 1}'
expect "login without a password string: 400 field password" 400 "r.get('field')=='password'"
api -x -C text/plain POST /api/login '{"password": "x"}'
expect "login with Content-Type text/plain: 415 (no cross-site form posts)" 415
login "$OTP"
expect "login with the one-time password: 200, must_change, 64-hex CSRF" 200 \
	"r.get('must_change') is True and len(r.get('csrf',''))==64"
CSRF=$got_csrf
ck=$(hdr Set-Cookie)
case $ck in
lt_session=*HttpOnly*) ;;
*) ck="bad: $ck" ;;
esac
if [[ $ck == lt_session=* ]] && [[ $ck == *Secure* ]] && [[ $ck == *SameSite=Strict* ]] && [[ $ck == *Path=/* ]]; then
	t_ok "session cookie: lt_session, HttpOnly, Secure, SameSite=Strict, Path=/"
else
	t_ko "session cookie: lt_session, HttpOnly, Secure, SameSite=Strict, Path=/" "Set-Cookie: $ck"
fi
api GET /api/status
expect "must-change session: GET /api/status 403 password change required" 403 "'password change required' in r.get('error','')"
api PUT /api/config '{"mode": "block"}'
expect "must-change session: PUT /api/config 403" 403
api GET /api/session
expect "must-change session: GET /api/session 200 must_change" 200 "r.get('logged_in') is True and r.get('must_change') is True and r.get('csrf')=='$CSRF'"
api -x POST /api/password "{\"old\": \"$OTP\", \"new\": \"$NEWPW\"}"
expect "password change without X-CSRF-Token: 403" 403 "'CSRF' in r.get('error','')"
api POST /api/password "{\"old\": \"$OTP\", \"new\": \"short\"}"
expect "password change, new too short: 400 field new" 400 "r.get('field')=='new'"
api POST /api/password "{\"old\": \"not-the-otp-at-all\", \"new\": \"$NEWPW\"}"
expect "password change, wrong old: 400 field old" 400 "r.get('field')=='old'"
api POST /api/password "{\"old\": \"$OTP\", \"new\": \"$NEWPW\"}"
expect "password change: 200" 200 "r.get('ok') is True"
api GET /api/status
expect "after the change the same session reads /api/status" 200 "'engine' in r"
login -J "$W/http/jar2" "$OTP"
expect "the one-time password no longer logs in: 401" 401
login -J "$W/http/jar2" "$NEWPW"
expect "the new password logs in: 200, not must_change" 200 "r.get('must_change') is False"
JAR=$W/http/jar2
CSRF=$got_csrf

# =====================================================================================
# CSRF, 404, 405, live status
# =====================================================================================
api -x POST /api/alerts/ack '{"all": true}'
expect "POST /api/alerts/ack without X-CSRF-Token: 403" 403 "'CSRF' in r.get('error','')"
api -x -H "X-CSRF-Token: $(printf '%064d' 0)" POST /api/alerts/ack '{"all": true}'
expect "POST /api/alerts/ack with a wrong X-CSRF-Token: 403" 403
api -x POST /api/allow '{"entry": "csrf.example.com"}'
expect "POST /api/allow without X-CSRF-Token: 403" 403
api GET /api/config
cp "$W/http/b" "$W/log/config0.json"
api -x -T "$W/log/config0.json" PUT /api/config
expect "PUT /api/config (valid body) without X-CSRF-Token: 403" 403
api -C application/x-www-form-urlencoded -T "$W/log/config0.json" PUT /api/config
expect "PUT /api/config as a form (session + CSRF): 415" 415
api -x POST /api/logout '{}'
expect "POST /api/logout without X-CSRF-Token: 403 (session kept)" 403
api GET /api/nosuch
expect "GET /api/nosuch: 404 with an error object" 404 "'error' in r"
api GET /nosuch.html
[ "$st" = 404 ] && t_ok "GET /nosuch.html: 404" || t_ko "GET /nosuch.html: 404" "got $st"
api DELETE /api/status
allow=$(hdr Allow)
if [ "$st" = 405 ] && [[ $allow == *GET* ]]; then t_ok "DELETE /api/status: 405, Allow: $allow"; else t_ko "DELETE /api/status: 405 with Allow listing GET" "got $st, Allow: '$allow'"; fi
api -x -J "$W/http/nojar" DELETE /api/status
[ "$st" = 405 ] && t_ok "method is checked before the session: DELETE /api/status without a session 405" ||
	t_ko "method is checked before the session: DELETE /api/status without a session 405" "got $st"
api GET /api/login
allow=$(hdr Allow)
if [ "$st" = 405 ] && [[ $allow == *POST* ]]; then t_ok "GET /api/login: 405, Allow: $allow"; else t_ko "GET /api/login: 405 with Allow listing POST" "got $st, Allow: '$allow'"; fi

api GET /api/status
cp "$W/http/b" "$W/log/status1.json"
expect "GET /api/status: 200, monitor, mgmt address 10.77.0.250/24, lan port up" 200 \
	"r['mode']=='monitor' and r['mgmt']['address']=='$APP/24' and r['ports']['lan']['link'] is True"
ip netns exec "$(t_ns office)" timeout 10 ping -c 5 -i 0.2 -q 10.77.0.53 >/dev/null 2>&1
sleep 1
api GET /api/status
cp "$W/http/b" "$W/log/status2.json"
f1=$(jget "$W/log/status1.json" "r['ports']['lan']['rx_frames']")
f2=$(jget "$W/log/status2.json" "r['ports']['lan']['rx_frames']")
e1=$(jget "$W/log/status1.json" "r['engine']['frames']")
e2=$(jget "$W/log/status2.json" "r['engine']['frames']")
if [ -n "$f1" ] && [ -n "$f2" ] && [ "$f2" -gt "$f1" ] && [ -n "$e2" ] && [ "$e2" -gt "${e1:-0}" ]; then
	t_ok "status is live: lan rx_frames $f1 -> $f2, engine frames $e1 -> $e2 across 5 pings"
else
	t_ko "status is live" "lan rx_frames '$f1' -> '$f2', engine frames '$e1' -> '$e2'"
fi

# =====================================================================================
# PUT /api/config: each kind of bad value -> 400 naming the field, nothing changed
# =====================================================================================
mutate() { # dotted-key json-value -> $W/http/put.json (the current document with that change)
	$PY - "$W/log/config0.json" "$1" "$2" >"$W/http/put.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
*path, last = sys.argv[2].split(".")
d = doc
for k in path:
    d = d[k]
d[last] = json.loads(sys.argv[3])
print(json.dumps(doc))
EOF
}
bad_put() { # key json-value expected-field
	mutate "$1" "$2"
	api -T "$W/http/put.json" PUT /api/config
	if [ "$st" = 400 ] && [ "$(field)" = "$3" ] && [ "$(jget "$W/http/b" "'$3' in r.get('errors', {})")" = True ]; then
		t_ok "PUT /api/config $1=$2: 400, field $3 ($(jget "$W/http/b" "r['error']"))"
	else
		t_ko "PUT /api/config $1=$2: 400 with field $3 (and in errors)" "got $st $(body)"
	fi
}
bad_put mode '"panic"' mode
bad_put threshold_mb '-1' threshold_mb
bad_put threshold_mb '"ten"' threshold_mb
bad_put window_s '0' window_s
bad_put window_s '1.5' window_s
bad_put quarantine_s '-5' quarantine_s
bad_put local_nets '["10.0.0.0/8", "10.77.0.0/33"]' local_nets
bad_put local_nets '["10.77.0.1/24"]' local_nets
bad_put allow '["ok.example.com", "bad host!"]' allow
bad_put mgmt.address '"10.77.0.300/24"' mgmt.address
bad_put syslog.port '70000' syslog.port
for b in '[1, 2]' '"config"' '42' '{"mode": "monitor"' 'null'; do
	api PUT /api/config "$b"
	if [ "$st" = 400 ] && [ "$(field)" = "" ] && [ "$(jget "$W/http/b" "'field' in r")" = True ]; then
		t_ok "PUT /api/config body $b: 400, field \"\""
	else
		t_ko "PUT /api/config body $b: 400 with field \"\"" "got $st $(body)"
	fi
done
# two bad keys at once: errors names both
mutate threshold_mb '-1'
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); d["window_s"]=0; print(json.dumps(d))' "$W/http/put.json" >"$W/http/put2.json"
api -T "$W/http/put2.json" PUT /api/config
expect "PUT /api/config with two bad keys: errors names both" 400 "set(r.get('errors',{})) >= {'threshold_mb','window_s'}"
api GET /api/config
if [ "$st" = 200 ] && $PY -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
	"$W/http/b" "$W/log/config0.json"; then
	t_ok "after the bad PUTs the configuration is unchanged"
else
	t_ko "after the bad PUTs the configuration is unchanged" "got $st $(body)"
fi

# =====================================================================================
# threshold change takes effect on the next upload; allow from the alert
# =====================================================================================
upload http://up1.video.test/upload/clip.mp4 "$M/clip.mp4"
sleep 1.5
n1=$(alerts_for 10.77.0.101)
if [ "$u_rc" = 0 ] && [ "$u_sha" = "$clip_sha" ] && [ "$n1" = 0 ]; then
	t_ok "threshold_mb 20: a $((clip_size / 1000000)) MB MP4 upload arrives intact and gives no alert ($u_time s)"
else
	t_ko "threshold_mb 20: a 12 MB MP4 upload arrives intact and gives no alert" "curl $u_rc, sha ok: $([ "$u_sha" = "$clip_sha" ] && echo yes || echo no), alert lines $n1"
fi
mutate threshold_mb 5
api -T "$W/http/put.json" PUT /api/config
expect "PUT /api/config threshold_mb 5: 200, in force" 200 "r.get('ok') is True and r['config']['threshold_mb']==5"
api GET /api/status
[ "$(jget "$W/http/b" "r['uptime_s']")" -ge 1 ] 2>/dev/null && t_say "uptime_s $(jget "$W/http/b" "r['uptime_s']") (no restart: same pid $lt_pid alive: $(kill -0 $lt_pid && echo yes))"
upload http://up2.video.test/upload/clip.mp4 "$M/clip.mp4"
for _ in $(seq 30); do [ "$(alerts_for 10.77.0.102)" -gt 0 ] && break; sleep 0.1; done
a2=$(t_alert0 10.77.0.102)
if [ "$u_rc" = 0 ] && [ "$u_sha" = "$clip_sha" ] && [ -n "$a2" ] && kill -0 $lt_pid; then
	t_ok "threshold_mb 5 (live, same process): the next 12 MB MP4 upload gives an alert"
	t_say "alert: $(echo "$a2" | cut -c1-300)"
else
	t_ko "threshold_mb 5 (live): the next 12 MB MP4 upload gives an alert" "curl $u_rc, alert '$a2'"
fi
aid=$(echo "$a2" | $PY -c 'import json,sys; print(json.load(sys.stdin)["alert_id"])' 2>/dev/null)
sleep 1.5
api GET "/api/alerts?remote=10.77.0.102"
expect "GET /api/alerts?remote=10.77.0.102 lists that alert (id ${aid:-?}, unacked)" 200 \
	"any(a['alert_id']==${aid:-0} and a['acked'] is False and a['video']=='mp4' for a in r['alerts'])"
api POST /api/allow '{"alert_id": 999999}'
expect "POST /api/allow for an unknown alert_id: 404" 404
api POST /api/allow '{"entry": "not a host!"}'
expect "POST /api/allow with a bad entry: 400 field entry" 400 "r.get('field')=='entry'"
api POST /api/allow "{\"alert_id\": ${aid:-0}}"
expect "POST /api/allow {alert_id: ${aid:-?}}: 200, allows up2.video.test" 200 \
	"r.get('added') is True and r.get('entry') in ('up2.video.test','10.77.0.102') and r.get('entry') in r.get('allow',[])"
n_before=$(alerts_for 10.77.0.102)
upload http://up2.video.test/upload/clip.mp4 "$M/clip.mp4"
sleep 1.5
n_after=$(alerts_for 10.77.0.102)
if [ "$u_rc" = 0 ] && [ "$u_sha" = "$clip_sha" ] && [ "$n_after" = "$n_before" ]; then
	t_ok "after allow-from-alert the next upload to that host gives no alert"
else
	t_ko "after allow-from-alert the next upload to that host gives no alert" "curl $u_rc, alert lines for .102 $n_before -> $n_after: $(grep '"remote_ip":"10.77.0.102"' "$lt_alerts" | tail -n +$((n_before + 1)) | cut -c1-200)"
fi
upload http://up3.video.test/upload/clip.mp4 "$M/clip.mp4"
for _ in $(seq 30); do [ "$(alerts_for 10.77.0.103)" -gt 0 ] && break; sleep 0.1; done
if [ "$(alerts_for 10.77.0.103)" -gt 0 ]; then
	t_ok "control: an upload to another host still gives an alert"
else
	t_ko "control: an upload to another host still gives an alert" "none for 10.77.0.103"
fi

# =====================================================================================
# lockout (office2), office unaffected
# =====================================================================================
J2=$W/http/jar-office2
for i in 1 2 3 4 5; do
	login -h office2 -J "$J2" "wrong-password-$i"
	[ "$st" = 401 ] || break
done
if [ "$st" = 401 ]; then t_ok "office2: 5 wrong passwords, each 401"; else t_ko "office2: 5 wrong passwords, each 401" "attempt $i: $st $(body)"; fi
login -h office2 -J "$J2" "wrong-password-6"
ra=$(hdr Retry-After)
expect "office2: the 6th login is 429 with retry_s (Retry-After: $ra)" 429 "5 < r.get('retry_s',0) <= 300 and '$ra'.isdigit() and abs(int('$ra') - r['retry_s']) <= 1"
login -h office2 -J "$J2" "$NEWPW"
expect "office2: the right password is refused while locked out: 429" 429
login -J "$W/http/jar3" "$NEWPW"
expect "office (another source) still logs in: 200" 200

# =====================================================================================
# malformed requests
# =====================================================================================
raw() { lab_exec "$NAME" office timeout -k 2 20 $PY tests/lab/mgmt_lab.py raw "$APP" "$@" 2>&1 | tail -n 1; }
for kw in garbage:400 bighead:431 manyheaders:431 bigbody:413 bigchunked:413 nohost:400 badversion:505 smuggle:400; do
	k=${kw%%:*}
	want=${kw#*:}
	r=$(raw 443 "$k" --tls)
	echo "raw $k over TLS: $r" >>"$W/log/requests.log"
	case $r in
	"HTTP/1.1 $want "*) t_ok "malformed over TLS ($k): $r" ;;
	*) t_ko "malformed over TLS ($k): $want" "got '$r'" ;;
	esac
done
r=$(raw 80 garbage)
case $r in "HTTP/1.1 4"*) t_ok "garbage to :80: $r" ;; *) t_ko "garbage to :80: 4xx" "got '$r'" ;; esac
r=$(raw 443 garbage)
t_say "plain (not TLS) garbage to :443: $r"
api GET /api/status
if [ "$st" = 200 ] && kill -0 $lt_pid 2>/dev/null; then
	t_ok "after the malformed requests leaktap runs and the API answers"
else
	t_ko "after the malformed requests leaktap runs and the API answers" "got $st; $(tail -n 2 "$lt_log")"
fi

# =====================================================================================
# flood: held connections + slowloris; forwarding and the page stay usable
# =====================================================================================
upload http://bulk.data.test/upload/random.bin "$M/random.bin" application/octet-stream
base_time=$u_time
[ "$u_rc" = 0 ] && [ "$u_sha" = "$rnd_sha" ] || t_ko "baseline 20 MB upload (no flood) intact" "curl $u_rc"
FLOOD_S=20
lab_exec "$NAME" office timeout -k 2 $((FLOOD_S + 20)) $PY tests/lab/mgmt_lab.py flood "$APP" 443 \
	--hold 200 --tls-hold 20 --slow 20 --seconds $FLOOD_S >"$W/log/flood.txt" 2>&1 &
flood_pid=$!
PIDS+=("$flood_pid")
t_flood=$(t_now)
sleep 3
upload http://bulk.data.test/upload/random.bin "$M/random.bin" application/octet-stream
if [ "$u_rc" = 0 ] && [ "$u_sha" = "$rnd_sha" ]; then
	t_ok "during the flood a 20 MB upload through the bridge arrives intact ($u_time s; $base_time s without the flood)"
else
	t_ko "during the flood a 20 MB upload through the bridge arrives intact" "curl $u_rc, sha $u_sha; $(head -c 200 "$W/log/upload.err")"
fi
during=
while [ "$($PY -c 'import sys,time; print(int(time.time()-float(sys.argv[1])))' "$t_flood")" -lt $((FLOOD_S - 4)) ]; do
	t1=$(t_now)
	st=$(lab_exec "$NAME" office timeout -k 2 8 curl -sk --max-time 4 -o "$W/http/b" -w '%{http_code}' -b "$JAR" "$B/api/status" 2>/dev/null)
	echo "during flood +$(since "$t_flood") s: GET /api/status -> ${st:-000} in $(since "$t1") s" >>"$W/log/requests.log"
	if [ "$st" = 200 ]; then
		during="answered 200 at +$(since "$t_flood") s of the flood, in $(since "$t1") s"
		break
	fi
	sleep 0.5
done
if [ -n "$during" ]; then t_ok "during the flood the API answers ($during)"; else t_ko "during the flood the API answers" "no 200 in $((FLOOD_S - 4)) s (see $W/log/requests.log)"; fi
wait "$flood_pid"
t_end=$(t_now)
t_say "flood: $(tail -n 1 "$W/log/flood.txt")"
after=
for _ in $(seq 20); do
	st=$(lab_exec "$NAME" office timeout -k 2 8 curl -sk --max-time 3 -o "$W/http/b" -w '%{http_code}' -b "$JAR" "$B/api/status" 2>/dev/null)
	[ "$st" = 200 ] && after=$(since "$t_end") && break
	sleep 0.25
done
if [ -n "$after" ] && $PY -c 'import sys; sys.exit(not float(sys.argv[1]) <= 5)' "$after"; then
	t_ok "after the flood the API answers within 5 s ($after s)"
else
	t_ko "after the flood the API answers within 5 s" "${after:-no answer} (last status ${st:-000})"
fi
r=$(lab_exec "$NAME" office timeout -k 2 10 curl -sk --max-time 5 --compressed -o /dev/null -w '%{http_code} %{time_total}' "$B/app.js")
[ "${r%% *}" = 200 ] && t_ok "after the flood the page's app.js loads ($r s)" || t_ko "after the flood the page's app.js loads" "got '$r'"

# =====================================================================================
# mgmt.from_wan opens the page to the wan side; back to false closes it
# =====================================================================================
api GET /api/config
cp "$W/http/b" "$W/log/config0.json"
mutate mgmt.from_wan true
api -T "$W/http/put.json" PUT /api/config
expect "PUT mgmt.from_wan true: 200" 200 "r['config']['mgmt']['from_wan'] is True"
r=
for _ in $(seq 10); do
	r=$(ip netns exec "$(t_ns internet)" timeout -k 2 10 curl -sk --max-time 3 -o /dev/null -w '%{http_code}' "$B/" 2>/dev/null)
	[ "$r" = 200 ] && break
	sleep 0.3
done
[ "$r" = 200 ] && t_ok "from_wan true: the internet namespace gets the page (200)" || t_ko "from_wan true: the internet namespace gets the page" "got '${r:-000}'"
mutate mgmt.from_wan false
api -T "$W/http/put.json" PUT /api/config
expect "PUT mgmt.from_wan false: 200" 200 "r['config']['mgmt']['from_wan'] is False"
r=$(ip netns exec "$(t_ns internet)" timeout -k 2 10 curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "$B/" 2>/dev/null)
[ "${r:-000}" = 000 ] && t_ok "from_wan false again: no HTTP answer on the wan side" || t_ko "from_wan false again: no HTTP answer on the wan side" "got HTTP $r"

# =====================================================================================
# logout
# =====================================================================================
LOGGED_OUT=$(awk '$6 == "lt_session" {print $7}' "$JAR" | head -n 1)
api POST /api/logout '{}'
ck=$(hdr Set-Cookie)
if [ "$st" = 200 ] && [[ $ck == "lt_session=;"* ]] && [[ $ck == *Max-Age=0* ]]; then
	t_ok "logout: 200, cookie cleared (Max-Age=0)"
else
	t_ko "logout: 200, cookie cleared (Max-Age=0)" "got $st, Set-Cookie: $ck"
fi
# the logged-out session's token, sent by hand (the jar no longer has it): 401
api -x -J "$W/http/nojar" -H "Cookie: lt_session=${LOGGED_OUT:-none}" GET /api/status
expect "the logged-out session is refused: GET /api/status 401" 401
api -x -J "$W/http/nojar" -H "Cookie: lt_session=${LOGGED_OUT:-none}" GET /api/session
expect "the logged-out session is refused: GET /api/session 401" 401

# =====================================================================================
t_lt_stop "" 100
grep -E "^(frames|flows|mgmt|http|leaktap: forwarded)" "$lt_log" | sed 's/^/  leaktap: /'
t_finish
