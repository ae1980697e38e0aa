#!/usr/bin/env bash
# Lab corpus: real clients and real servers in network namespaces
# (tools/lab), each case captured with tcpdump on the office side of the
# uplink, plus a manifest counted independently from the captures (scapy).
# Nothing of leaktap runs here; the captures are replayed by other tests.
#
#   tests/lab/make_corpus.sh [--force]
#
# Output: build/lab/corpus/<case>.pcap and build/lab/corpus/manifest.json.
# Skips (exit 0) when the manifest is newer than this script and tools/lab,
# unless --force. Fails with one line naming the case when a case cannot be
# produced. Traffic goes only between this run's namespaces (10.77.0.0/24,
# fd77::/64); every client and server runs under `timeout`.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lab/lib.sh
. tests/lab/lib.sh make_corpus # helpers only: this script has its own cleanup and output
LAB=$top/build/lab
OUT=$LAB/corpus
W=$LAB/work
M=$LAB/media
THRESHOLD=10000000
NAME=lc$$
force=0
for a in "$@"; do
	case $a in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,14p' "$0"
		exit 0
		;;
	*)
		echo "make_corpus: unknown argument $a" >&2
		exit 2
		;;
	esac
done

if [ $force = 0 ] && [ -f "$OUT/manifest.json" ] && [ "$OUT/manifest.json" -nt "$0" ] &&
	[ "$OUT/manifest.json" -nt tools/lab ]; then
	echo "make_corpus: $OUT/manifest.json is up to date (--force to rebuild)"
	exit 0
fi

die() {
	echo "make_corpus: FAIL $*" >&2
	exit 1
}

# --- prerequisites ---------------------------------------------------------
RTMP_SO=/usr/lib/nginx/modules/ngx_rtmp_module.so
missing=
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ffmpeg ffmpeg
need nginx nginx
need vsftpd vsftpd
need curl curl
need /usr/sbin/sshd openssh-server
need scp openssh-client
need ssh-keygen openssh-client
need dnsmasq dnsmasq-base
need tcpdump tcpdump
need ethtool ethtool
need openssl openssl
need ip iproute2
need ss iproute2
need flock util-linux
[ -f $RTMP_SO ] || missing="$missing libnginx-mod-rtmp"
$PY -c 'import scapy' 2>/dev/null || missing="$missing python3-scapy"
[ -z "$missing" ] || die "setup: missing packages:$missing (apt-get install$missing)"
[ "$(id -u)" = 0 ] || die "setup: needs root (network namespaces)"
getent passwd ftp >/dev/null || die "setup: no 'ftp' user (installed by the vsftpd package)"

mkdir -p "$LAB"
exec 9>"$LAB/.corpus.lock"
flock -n 9 || die "setup: another make_corpus.sh is running"

t_start=$(date +%s.%N)
elapsed() { $PY -c "import sys,time; print('%.1f' % (time.time()-float(sys.argv[1])))" "$t_start"; }

# --- cleanup -----------------------------------------------------------------
# shellcheck source=tools/lab
. tools/lab
PIDS=()
cap_pid=
cleanup() {
	local p
	[ -n "$cap_pid" ] && kill -INT "$cap_pid" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	lab_down "$NAME"
	# received copies are not needed after the run
	rm -rf "$W/www/dav" "$W/ftp/root/incoming" "$W/recv" 2>/dev/null
}
trap cleanup EXIT
trap 'echo "make_corpus: FAIL interrupted" >&2; exit 130' INT TERM

rm -rf "$W" "$OUT.new"
mkdir -p "$W"/{etc,log,nginx/tmp,www/media,www/dav,ftp/root/incoming,ftp/empty,ssh,recv,hls,frames,dns} "$M" "$OUT.new"
export LAB_DIR=$W/etc
: >"$W/meta.tsv"

# --- media (ffmpeg, lavfi testsrc2 + sine; noise keeps bitrates honest) ------
FF="ffmpeg -nostdin -hide_banner -v error -y"
SRC720="testsrc2=size=1280x720:rate=30"
media_a() {
	set -e
	# (1,3,10,11,13,15,16) H.264 + AAC in MP4, mdat before moov: ~15 MB
	$FF -f lavfi -i "$SRC720:duration=8" -f lavfi -i "sine=frequency=440:duration=8" \
		-vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -b:v 15M -maxrate 15M -bufsize 4M \
		-g 30 -pix_fmt yuv420p -c:a aac -b:a 128k "$M/meeting.mp4"
	# (2) VP8 + Opus in WebM: ~14 MB
	$FF -f lavfi -i "testsrc2=size=640x360:rate=30:duration=8" -f lavfi -i "sine=frequency=660:duration=8" \
		-vf noise=alls=40:allf=t -c:v libvpx -deadline realtime -cpu-used 16 -threads 2 -b:v 15M -minrate 15M -maxrate 15M \
		-c:a libopus -b:a 96k "$M/interview.webm"
	# (4,5) camera clip, H.264 only, 1 s GOP: ~15 MB
	$FF -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=5" -vf noise=alls=40:allf=t \
		-c:v libx264 -preset ultrafast -b:v 24M -maxrate 24M -bufsize 6M -g 25 -pix_fmt yuv420p "$M/cam.mp4"
}
media_b() {
	set -e
	# (7) HLS: H.264 in MPEG-TS, 1 s segments: ~15 MB in total
	$FF -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=6" -f lavfi -i "sine=frequency=330:duration=6" \
		-vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -b:v 20M -maxrate 20M -bufsize 5M \
		-g 25 -pix_fmt yuv420p -c:a aac -b:a 96k -f hls -hls_time 1 -hls_list_size 0 \
		-hls_segment_filename "$M/hls/seg%03d.ts" "$M/hls/stream.m3u8"
	# (6) MPEG-4 Part 2 + AAC in MP4 with moov first (faststart): ~14 MB
	$FF -f lavfi -i "$SRC720:duration=7" -f lavfi -i "sine=frequency=550:duration=7" \
		-vf noise=alls=40:allf=t -c:v mpeg4 -b:v 16M -maxrate 16M -bufsize 4M -g 30 \
		-c:a aac -b:a 128k -movflags +faststart "$M/site-visit.mp4"
	# (9) the file that is uploaded in 4 chunks: H.264 + AAC MP4, ~16 MB
	$FF -f lavfi -i "$SRC720:duration=8" -f lavfi -i "sine=frequency=880:duration=8" \
		-vf noise=alls=40:allf=t -c:v libx264 -preset ultrafast -b:v 16M -maxrate 16M -bufsize 4M \
		-g 30 -pix_fmt yuv420p -c:a aac -b:a 128k "$M/recording.mp4"
	# (14) small clip: ~2 MB
	$FF -f lavfi -i "testsrc2=size=640x360:rate=30:duration=2" -f lavfi -i "sine=frequency=220:duration=2" \
		-vf noise=alls=30:allf=t -c:v libx264 -preset ultrafast -b:v 8M -maxrate 8M -bufsize 2M \
		-g 30 -pix_fmt yuv420p -c:a aac -b:a 96k "$M/clip.mp4"
	# (8) JPEG frames for the MJPEG camera
	rm -rf "$M/frames"
	mkdir -p "$M/frames"
	$FF -f lavfi -i "testsrc2=size=1280x720:rate=10:duration=3" -vf noise=alls=30:allf=t \
		-q:v 3 -f image2 "$M/frames/f%03d.jpg"
	# (12) random bytes
	head -c 20000000 /dev/urandom >"$M/blob.bin"
}
media_ok() {
	local f
	for f in meeting.mp4 interview.webm cam.mp4 site-visit.mp4 hls/stream.m3u8 hls/seg000.ts \
		recording.mp4 clip.mp4 frames/f001.jpg blob.bin; do
		[ -s "$M/$f" ] || return 1
	done
	[ "$M/meeting.mp4" -nt "$0" ]
}
t0=$(date +%s.%N)
if [ $force = 1 ] || ! media_ok; then
	rm -rf "$M"
	mkdir -p "$M/hls"
	# two groups side by side (2 cores)
	(media_a) >"$W/log/media-a.log" 2>&1 &
	ma=$!
	(media_b) >"$W/log/media-b.log" 2>&1 ||
		die "media: ffmpeg failed ($(tail -n 1 "$W/log/media-b.log"))"
	wait $ma || die "media: ffmpeg failed ($(tail -n 1 "$W/log/media-a.log"))"
fi
mkdir -p "$W/chunks"
split -n 4 -d -a 1 "$M/recording.mp4" "$W/chunks/part" || die "setup: split failed"
cp "$M/meeting.mp4" "$W/www/media/meeting.mp4"
media_s=$($PY -c "import sys,time; print('%.1f' % (time.time()-float(sys.argv[1])))" "$t0")

# --- servers' private configuration ------------------------------------------
t_selfsigned secure.video.test "$W/nginx" || die "setup: openssl could not make the self-signed certificate"
printf '<html><head><title>Shop</title><link rel="stylesheet" href="/style.css"></head><body><h1>Spring sale</h1></body></html>\n' >"$W/www/index.html"
printf 'body { font-family: sans-serif; color: #333; }\n' >"$W/www/style.css"
printf '<html><body><h1>News</h1><p>Nothing happened today.</p></body></html>\n' >"$W/www/news.html"

T_NGINX_CONNS=256 t_nginx_head "$W/nginx/nginx.conf" "leaktap lab, for the corpus" "load_module $RTMP_SO;"
cat >>"$W/nginx/nginx.conf" <<EOF
    types {
        text/html html; text/css css; video/mp4 mp4; video/webm webm;
        video/mp2t ts; application/vnd.apple.mpegurl m3u8;
    }
    default_type application/octet-stream;
    log_format lab '\$remote_addr \$server_addr \$server_port \$host "\$request" \$status \$request_length \$body_bytes_sent';
    access_log $W/log/nginx-access.log lab;
    server {
        listen 80;
        listen [::]:80 ipv6only=on;
        listen 443 ssl;
        ssl_certificate $W/nginx/cert.pem;
        ssl_certificate_key $W/nginx/key.pem;
        server_name _;
        root $W/www;
        client_max_body_size 256m;
        # POST sink: nginx reads the whole body into a temp file (and sends
        # "100 Continue" when asked), then a body-less subrequest answers.
        location /upload/ {
            client_body_in_file_only clean;
            client_body_buffer_size 1m;
            proxy_pass http://127.0.0.1:8081/stored;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
        }
        location /dav/ {
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw all:r;
        }
        location / { }
    }
    server {
        listen 127.0.0.1:8081;
        access_log off;
        location / { return 200 "stored\n"; }
    }
}
rtmp {
    access_log $W/log/rtmp-access.log;
    server {
        listen 10.77.0.102:1935;
        chunk_size 4096;
        application live { live on; record off; }
    }
}
EOF

t_dnsmasq_conf "$W/dns/dnsmasq.conf" "$W/dns/dnsmasq.pid" "leaktap lab (corpus)" \
	local-ttl=300 host-record=upload.video.test,10.77.0.100 host-record=dav.video.test,fd77::101 \
	host-record=rtmp.video.test,10.77.0.102 host-record=rtsp.video.test,10.77.0.103 \
	host-record=ftp.video.test,10.77.0.104 host-record=hls.video.test,10.77.0.105 \
	host-record=chunks.video.test,10.77.0.106 host-record=secure.video.test,10.77.0.107 \
	host-record=ssh.video.test,10.77.0.108 host-record=bulk.data.test,10.77.0.109 \
	host-record=www.shop.test,10.77.0.111 host-record=news.site.test,10.77.0.112 \
	host-record=backup.allowed.test,10.77.0.113 host-record=cdn.video.test,10.77.0.114 \
	host-record=nas.office.test,10.77.0.11 log-queries "log-facility=$W/log/dnsmasq.log"

chown ftp "$W/ftp/root/incoming"
chmod 755 "$W/ftp/root" "$W/ftp/empty"
cat >"$W/ftp/vsftpd.conf" <<EOF
# leaktap lab: private vsftpd, anonymous upload into incoming/
listen=YES
listen_ipv6=NO
listen_address=10.77.0.104
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=YES
anon_upload_enable=YES
anon_root=$W/ftp/root
anon_umask=022
no_anon_password=YES
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30009
connect_from_port_20=NO
secure_chroot_dir=$W/ftp/empty
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
ftp_username=ftp
xferlog_enable=YES
dual_log_enable=YES
vsftpd_log_file=$W/log/vsftpd.log
xferlog_file=$W/log/vsftpd-xfer.log
EOF

ssh-keygen -q -t ed25519 -N '' -C lab-host -f "$W/ssh/host_ed25519" &&
	ssh-keygen -q -t ed25519 -N '' -C lab-client -f "$W/ssh/client_ed25519" &&
	cp "$W/ssh/client_ed25519.pub" "$W/ssh/authorized_keys" || die "setup: ssh-keygen failed"
cat >"$W/ssh/sshd_config" <<EOF
# leaktap lab: private sshd, key auth for root only
ListenAddress 10.77.0.108:22
HostKey $W/ssh/host_ed25519
PidFile $W/ssh/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile $W/ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
MaxStartups 4
LoginGraceTime 20
EOF
# sshd insists on its privilege-separation directory (Debian's service makes it too)
mkdir -p /run/sshd && chmod 755 /run/sshd

# LAN host 10.77.0.11: an MJPEG camera (8080) and a NAS-like POST sink (8000)
cat >"$W/lanhost.py" <<'EOF'
import glob, os, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

frames = [open(f, "rb").read() for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.jpg")))]
LIMIT = int(sys.argv[2])
LIFETIME = float(sys.argv[3])

class Cam(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header("Server", "LabCam/1.0")
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        sent, i = 0, 0
        t0 = time.monotonic()
        while sent < LIMIT:   # bounded: stops after LIMIT bytes of frames
            f = frames[i % len(frames)]; i += 1
            part = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(f) + f + b"\r\n"
            self.wfile.write(part); sent += len(part)
            # Paced like a camera (~200 Mbit/s at most), not a burst: a burst at
            # memory speed overflowed the lab's veth queues on a busy machine and
            # the capture then held a TCP hole that no replay can fill.
            ahead = sent * 8 / 200e6 - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        self.wfile.flush()

class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n"); self.wfile.flush()
        got = 0
        while got < n:
            b = self.rfile.read(min(1 << 20, n - got))
            if not b: break
            got += len(b)
        body = b"received %d\n" % got
        self.send_response(200 if got == n else 400)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers(); self.wfile.write(body)

servers = [ThreadingHTTPServer(("10.77.0.11", 8080), Cam), ThreadingHTTPServer(("10.77.0.11", 8000), Sink)]
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
time.sleep(LIFETIME)
EOF

# --- helpers -------------------------------------------------------------------
meta() { # case key=value... (tab separated line for the manifest step)
	local IFS=$'\t'
	printf '%s\n' "case=$*" >>"$W/meta.tsv"
}
# Capture around one client run: tcpdump in the switch namespace.
capture() { # case iface func
	local c=$1 ifc=$2 fn=$3 try rc drops
	for try in 1 2; do
		rm -f "$OUT.new/$c.pcap"
		ip netns exec "$(t_ns sw)" timeout -k 2 120 tcpdump -i "$ifc" -n -s 0 -B 131072 --immediate-mode -Z root \
			-w "$OUT.new/$c.pcap" >"$W/log/$c.tcpdump" 2>&1 &
		cap_pid=$!
		for _ in $(seq 50); do grep -q "listening on" "$W/log/$c.tcpdump" && break; sleep 0.1; done
		grep -q "listening on" "$W/log/$c.tcpdump" || die "$c: tcpdump did not start ($(tail -n 1 "$W/log/$c.tcpdump"))"
		sleep 0.2
		"$fn" >"$W/log/$c.client" 2>&1
		rc=$?
		sleep 0.4
		kill -INT "$cap_pid" 2>/dev/null
		wait "$cap_pid"
		cap_pid=
		[ $rc = 0 ] || die "$c: client exited $rc: $(grep -v '^\s*$' "$W/log/$c.client" | tail -n 1)"
		# Without --immediate-mode the last ring block (up to 1 s of frames) is
		# lost on SIGINT; "received by filter" > "captured" would show it.
		drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$W/log/$c.tcpdump")
		got=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$W/log/$c.tcpdump")
		seen=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$W/log/$c.tcpdump")
		[ "${drops:-x}" = 0 ] && [ "${got:-x}" = "${seen:-y}" ] && break
		drops="${drops:-?} (captured ${got:-?} of ${seen:-?})"
		[ $try = 2 ] && die "$c: tcpdump dropped ${drops:-?} packets twice"
		echo "make_corpus: $c: tcpdump dropped $drops packets, capturing again" >&2
	done
	[ -s "$OUT.new/$c.pcap" ] && tcpdump -r "$OUT.new/$c.pcap" -c 1 -n >/dev/null 2>&1 ||
		die "$c: empty or unreadable capture"
	if declare -F "verify_$c" >/dev/null; then
		"verify_$c" >>"$W/log/$c.client" 2>&1 || die "$c: server-side check failed: $(tail -n 1 "$W/log/$c.client")"
	fi
	printf 'make_corpus: %-22s ok (%s s)\n' "$c" "$(elapsed)"
}
office() { lab_exec "$NAME" office timeout -k 2 "$@"; }
nginx_log_has() { # regex on the access log (method path status ... request_length)
	grep -E "$1" "$W/log/nginx-access.log"
}
big_request() { # regex min_request_length
	awk -v min="$2" -v re="$1" '$0 ~ re && $(NF-1) + 0 >= min + 0 { n++ } END { exit !(n > 0) }' "$W/log/nginx-access.log"
}

# --- topology and servers ---------------------------------------------------
lab_up "$NAME" || die "setup: tools/lab up failed"
ip netns exec "$(t_ns internet)" ip link set lo up
t_start_server nginx internet 300 nginx -e "$W/log/nginx-error.log" -p "$W/nginx" -c "$W/nginx/nginx.conf" -g 'daemon off;'
t_start_server dnsmasq internet 300 dnsmasq -k -C "$W/dns/dnsmasq.conf" --user=root --group=root
t_start_server vsftpd internet 300 vsftpd "$W/ftp/vsftpd.conf"
t_start_server sshd internet 300 /usr/sbin/sshd -D -e -f "$W/ssh/sshd_config"
t_start_server lanhost office2 300 $PY "$W/lanhost.py" "$M/frames" 14000000 290
t_wait_port internet t 80 && t_wait_port internet t 443 && t_wait_port internet t 1935 || die "setup: nginx did not start ($(tail -n 1 "$W/log/nginx-error.log" 2>/dev/null))"
t_wait_port internet u 53 || die "setup: dnsmasq did not start ($(tail -n 1 "$W/log/dnsmasq.log"))"
t_wait_port internet t 21 || die "setup: vsftpd did not start ($(tail -n 1 "$W/log/vsftpd.log"))"
t_wait_port internet t 22 || die "setup: sshd did not start ($(tail -n 1 "$W/log/sshd.log"))"
t_wait_port office2 t 8080 && t_wait_port office2 t 8000 || die "setup: LAN host servers did not start ($(tail -n 1 "$W/log/lanhost.log"))"
# Neighbours known before the first capture, as on a running network.
lab_exec "$NAME" office ping -c 1 -W 2 -q 10.77.0.53 >/dev/null 2>&1
lab_exec "$NAME" office ping -6 -c 1 -W 2 -q fd77::101 >/dev/null 2>&1
setup_s=$(elapsed)

# --- cases ---------------------------------------------------------------------
# Positives
c_http_multipart_mp4() {
	office 60 curl -sS --fail -o /dev/null -F "file=@$M/meeting.mp4;type=video/mp4" \
		http://upload.video.test/upload/recordings
}
verify_http_multipart_mp4() { big_request '"POST /upload/recordings HTTP/1.1" 200' "$(stat -c %s "$M/meeting.mp4")"; }
meta http_multipart_mp4 positive=true lan_ip=10.77.0.10 remote_ip=10.77.0.100 remote_port=80 \
	remote_name=upload.video.test l4=tcp video=mp4 carrier="HTTP POST multipart/form-data" \
	file=meeting.mp4 media="$M/meeting.mp4" codec=h264 \
	notes="curl -F, Expect: 100-continue; H.264+AAC MP4 (ftyp, mdat before moov)"

c_http_put_webm_ipv6() {
	office 60 curl -sS --fail -o /dev/null -T "$M/interview.webm" -H "Content-Type: video/webm" \
		http://dav.video.test/dav/interviews/interview.webm
}
verify_http_put_webm_ipv6() { [ "$(t_sha "$W/www/dav/interviews/interview.webm")" = "$(t_sha "$M/interview.webm")" ]; }
meta http_put_webm_ipv6 positive=true lan_ip=fd77::10 remote_ip=fd77::101 remote_port=80 \
	remote_name=dav.video.test l4=tcp video=webm carrier="HTTP PUT (WebDAV) over IPv6" \
	file=interview.webm media="$M/interview.webm" codec=vp8 \
	notes="name has only an AAAA record; VP8+Opus WebM (EBML magic)"

c_rtmp_publish_flv() {
	office 60 ffmpeg -nostdin -hide_banner -v error -i "$M/meeting.mp4" -c copy -f flv \
		rtmp://rtmp.video.test/live/board-meeting
}
verify_rtmp_publish_flv() {
	sleep 0.3
	awk '/PUBLISH/ && $0 ~ /board-meeting/ { for (i = 1; i <= NF; i++) if ($i == "-" && $(i+1) ~ /^[0-9]+$/ && $(i+1) > 12000000) ok = 1 } END { exit !ok }' "$W/log/rtmp-access.log"
}
meta rtmp_publish_flv positive=true lan_ip=10.77.0.10 remote_ip=10.77.0.102 remote_port=1935 \
	remote_name=rtmp.video.test l4=tcp video=rtmp carrier="RTMP publish (FLV tags, H.264+AAC)" \
	stream=live/board-meeting media="$M/meeting.mp4" codec=h264 \
	notes="ffmpeg -f flv to nginx-rtmp (live on); tcUrl rtmp://rtmp.video.test:1935/live, sent as fast as TCP allows"

rtsp_case() { # tcp|udp
	local proto=$1 rc
	ip netns exec "$(t_ns internet)" timeout -k 2 60 ffmpeg -nostdin -hide_banner -v info -rtsp_flags listen \
		-rtsp_transport "$proto" -i rtsp://10.77.0.103:8554/live.sdp -c copy -f null - >"$W/log/rtsp-$proto-server.log" 2>&1 &
	local srv=$!
	t_wait_port internet t 8554 || {
		kill "$srv"
		echo "rtsp server did not listen"
		return 1
	}
	local re=
	[ "$proto" = udp ] && re=-re
	office 60 ffmpeg -nostdin -hide_banner -v error $re -i "$M/cam.mp4" -c copy -f rtsp \
		-rtsp_transport "$proto" rtsp://rtsp.video.test:8554/live.sdp
	rc=$?
	wait "$srv" || {
		echo "rtsp server exited non-zero: $(tail -n 1 "$W/log/rtsp-$proto-server.log")"
		return 1
	}
	return $rc
}
c_rtsp_record_tcp() { rtsp_case tcp; }
c_rtsp_record_udp() { rtsp_case udp; }
verify_rtsp_record_tcp() { grep -qE 'video:[0-9]{4,}kB' "$W/log/rtsp-tcp-server.log"; }
verify_rtsp_record_udp() { grep -qE 'video:[0-9]{3,}kB' "$W/log/rtsp-udp-server.log"; }
meta rtsp_record_tcp positive=true lan_ip=10.77.0.10 remote_ip=10.77.0.103 remote_port=8554 \
	remote_name=rtsp.video.test l4=tcp video=rtsp/h264 carrier="RTSP ANNOUNCE/RECORD, RTP interleaved on the RTSP connection" \
	stream=live.sdp media="$M/cam.mp4" codec=h264 \
	notes="ffmpeg -f rtsp -rtsp_transport tcp to an ffmpeg -rtsp_flags listen receiver"
meta rtsp_record_udp positive=true lan_ip=10.77.0.10 remote_ip=10.77.0.103 remote_port=8554 \
	remote_name=rtsp.video.test l4=udp video=rtsp/h264 carrier="RTSP ANNOUNCE/RECORD (TCP 8554) + RTP/RTCP over UDP" \
	stream=live.sdp media="$M/cam.mp4" codec=h264 \
	notes="-re (real time, 5 s); payload_bytes_out includes the RTSP control connection and RTP+RTCP UDP"

c_ftp_stor_mp4() {
	office 60 curl -sS --fail -T "$M/site-visit.mp4" ftp://ftp.video.test/incoming/site-visit.mp4
}
verify_ftp_stor_mp4() { [ "$(t_sha "$W/ftp/root/incoming/site-visit.mp4")" = "$(t_sha "$M/site-visit.mp4")" ]; }
meta ftp_stor_mp4 positive=true lan_ip=10.77.0.10 remote_ip=10.77.0.104 remote_port=21 \
	remote_name=ftp.video.test l4=tcp video=mp4 carrier="FTP STOR, passive (EPSV) data connection" \
	file=site-visit.mp4 media="$M/site-visit.mp4" codec=mpeg4 \
	notes="anonymous vsftpd; data port in 30000-30009; MPEG-4 Part 2 + AAC, moov first (faststart); name only in DNS"

c_hls_put_segments() {
	local args=() f
	for f in "$M"/hls/seg*.ts "$M/hls/stream.m3u8"; do
		args+=(-T "$f" "http://hls.video.test/dav/live/$(basename "$f")")
	done
	office 60 curl -sS --fail -o /dev/null "${args[@]}"
}
verify_hls_put_segments() {
	local f
	for f in "$M"/hls/seg*.ts "$M/hls/stream.m3u8"; do
		[ "$(t_sha "$W/www/dav/live/$(basename "$f")")" = "$(t_sha "$f")" ] || return 1
	done
}
meta hls_put_segments positive=true lan_ip=10.77.0.10 remote_ip=10.77.0.105 remote_port=80 \
	remote_name=hls.video.test l4=tcp video=mpegts carrier="HTTP PUT of HLS segments (.ts) then the playlist (.m3u8), one keep-alive connection" \
	file=seg000.ts media="$M/hls/seg000.ts" codec=h264 \
	notes="$(ls "$M"/hls/seg*.ts 2>/dev/null | wc -l) segments of ~1 s; no single segment exceeds the threshold"

c_mjpeg_camera_pull() {
	ip netns exec "$(t_ns internet)" timeout -k 2 60 curl -sS --fail --interface 10.77.0.110 \
		-o "$W/recv/mjpeg.out" http://10.77.0.11:8080/video.mjpg
}
verify_mjpeg_camera_pull() { [ "$(stat -c %s "$W/recv/mjpeg.out")" -gt $THRESHOLD ]; }
meta mjpeg_camera_pull positive=true lan_ip=10.77.0.11 remote_ip=10.77.0.110 remote_port=auto \
	remote_name= l4=tcp video=mjpeg carrier="HTTP GET from outside; camera answers multipart/x-mixed-replace JPEG frames" \
	codec=mjpeg \
	notes="connection opened by the remote viewer (10.77.0.110 -> 10.77.0.11:8080); the LAN camera sends the bytes; remote_port is the viewer's ephemeral port"

c_http_chunked_posts() {
	local f i=0
	for f in "$W"/chunks/part*; do
		i=$((i + 1))
		office 30 curl -sS --fail -o /dev/null --data-binary "@$f" -H "Content-Type: application/octet-stream" \
			"http://chunks.video.test/upload/part.bin?part=$i&of=4" || return 1
	done
}
verify_http_chunked_posts() {
	[ "$(grep -cE '"POST /upload/part.bin\?part=[1-4]&of=4 HTTP/1.1" 200' "$W/log/nginx-access.log")" = 4 ]
}
meta http_chunked_posts positive=true lan_ip=10.77.0.10 remote_ip=10.77.0.106 remote_port=80 \
	remote_name=chunks.video.test l4=tcp video=mp4 carrier="4 HTTP POSTs (application/octet-stream), a new connection each" \
	file=part.bin media="$M/recording.mp4" codec=h264 \
	notes="one ~16 MB MP4 split in 4 equal chunks (~4 MB each, each under the threshold); only the first carries ftyp"

# Negatives
c_https_post_mp4() {
	office 60 curl -sS --fail -k -o /dev/null -F "file=@$M/meeting.mp4;type=video/mp4" \
		https://secure.video.test/upload/recordings
}
verify_https_post_mp4() { big_request '443 secure.video.test "POST /upload/recordings HTTP/1.1" 200' "$(stat -c %s "$M/meeting.mp4")"; }
meta https_post_mp4 positive=false why=encrypted lan_ip=10.77.0.10 remote_ip=10.77.0.107 remote_port=443 \
	remote_name=secure.video.test l4=tcp video=mp4 carrier="HTTPS POST multipart (TLS, self-signed, curl -k)" \
	file=meeting.mp4 media="$M/meeting.mp4" codec=h264 \
	notes="same MP4 as http_multipart_mp4; name visible only in DNS and TLS SNI"

c_scp_mp4() {
	office 60 scp -F /dev/null -q -i "$W/ssh/client_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile="$W/ssh/known_hosts" -o ConnectTimeout=10 \
		"$M/meeting.mp4" root@ssh.video.test:"$W/recv/scp-meeting.mp4"
}
verify_scp_mp4() { [ "$(t_sha "$W/recv/scp-meeting.mp4")" = "$(t_sha "$M/meeting.mp4")" ]; }
meta scp_mp4 positive=false why=encrypted lan_ip=10.77.0.10 remote_ip=10.77.0.108 remote_port=22 \
	remote_name=ssh.video.test l4=tcp video=mp4 carrier="scp (SSH; OpenSSH 9 scp uses SFTP)" \
	file=meeting.mp4 media="$M/meeting.mp4" codec=h264 notes="same MP4 as http_multipart_mp4"

c_http_post_random() {
	office 60 curl -sS --fail -o /dev/null --data-binary "@$M/blob.bin" -H "Content-Type: application/octet-stream" \
		http://bulk.data.test/upload/blob.bin
}
verify_http_post_random() { big_request '"POST /upload/blob.bin HTTP/1.1" 200' 20000000; }
meta http_post_random positive=false why=not-video lan_ip=10.77.0.10 remote_ip=10.77.0.109 remote_port=80 \
	remote_name=bulk.data.test l4=tcp video= carrier="HTTP POST application/octet-stream, 20 MB of random bytes" \
	file=blob.bin media="$M/blob.bin" notes="bulk, not video: no container magic"

c_http_download_mp4() {
	office 60 curl -sS --fail -o "$W/recv/download.mp4" http://cdn.video.test/media/meeting.mp4
}
verify_http_download_mp4() { [ "$(t_sha "$W/recv/download.mp4")" = "$(t_sha "$M/meeting.mp4")" ]; }
meta http_download_mp4 positive=false why=download lan_ip=10.77.0.10 remote_ip=10.77.0.114 remote_port=80 \
	remote_name=cdn.video.test l4=tcp video=mp4 carrier="HTTP GET (video comes in, only the request goes out)" \
	file=meeting.mp4 media="$M/meeting.mp4" codec=h264 notes="same MP4 as http_multipart_mp4, downloaded"

c_http_small_mp4() {
	office 60 curl -sS --fail -o /dev/null -F "file=@$M/clip.mp4;type=video/mp4" \
		http://upload.video.test/upload/clips
}
verify_http_small_mp4() { big_request '"POST /upload/clips HTTP/1.1" 200' "$(stat -c %s "$M/clip.mp4")"; }
meta http_small_mp4 positive=false why=below-threshold lan_ip=10.77.0.10 remote_ip=10.77.0.100 remote_port=80 \
	remote_name=upload.video.test l4=tcp video=mp4 carrier="HTTP POST multipart/form-data" \
	file=clip.mp4 media="$M/clip.mp4" codec=h264 notes="~2 MB, under the 10 MB default threshold"

c_http_allowed_mp4() {
	office 60 curl -sS --fail -o /dev/null -F "file=@$M/meeting.mp4;type=video/mp4" \
		http://backup.allowed.test/upload/nightly
}
verify_http_allowed_mp4() { big_request 'backup.allowed.test "POST /upload/nightly HTTP/1.1" 200' "$(stat -c %s "$M/meeting.mp4")"; }
meta http_allowed_mp4 positive=false why=allowed lan_ip=10.77.0.10 remote_ip=10.77.0.113 remote_port=80 \
	remote_name=backup.allowed.test l4=tcp video=mp4 carrier="HTTP POST multipart/form-data" \
	file=meeting.mp4 media="$M/meeting.mp4" codec=h264 config_allow=backup.allowed.test \
	notes="negative only with allow: [\"backup.allowed.test\"] in the config (positive without it); the DNS answer is in the capture"

c_lan_to_lan_mp4() {
	office 60 curl -sS --fail -o /dev/null --data-binary "@$M/meeting.mp4" -H "Content-Type: video/mp4" \
		http://nas.office.test:8000/upload/meeting.mp4
}
meta lan_to_lan_mp4 positive=false why=local lan_ip=10.77.0.10 remote_ip=10.77.0.11 remote_port=8000 \
	remote_name=nas.office.test l4=tcp video=mp4 carrier="HTTP POST video/mp4 body to a LAN host" \
	file=meeting.mp4 media="$M/meeting.mp4" codec=h264 capture_iface=o1 \
	notes="captured on the office PC's switch port (o1): this traffic never crosses the uplink"

c_browsing() {
	local u
	for u in http://www.shop.test/ http://www.shop.test/style.css http://news.site.test/news.html \
		http://www.shop.test/index.html http://news.site.test/; do
		office 10 curl -sS --fail -o /dev/null -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64)" "$u" || return 1
		sleep 0.1
	done
}
meta browsing positive=false why=small lan_ip=10.77.0.10 remote_ip=10.77.0.111 remote_port=80 \
	remote_name=www.shop.test l4=tcp video= carrier="5 small HTTP GETs, each after a DNS lookup" \
	other_remotes=10.77.0.112 notes="also news.site.test (10.77.0.112); a few kB in total"

capture http_multipart_mp4 upl c_http_multipart_mp4
capture http_put_webm_ipv6 upl c_http_put_webm_ipv6
capture rtmp_publish_flv upl c_rtmp_publish_flv
capture rtsp_record_tcp upl c_rtsp_record_tcp
capture rtsp_record_udp upl c_rtsp_record_udp
capture ftp_stor_mp4 upl c_ftp_stor_mp4
capture hls_put_segments upl c_hls_put_segments
capture mjpeg_camera_pull upl c_mjpeg_camera_pull
capture http_chunked_posts upl c_http_chunked_posts
capture https_post_mp4 upl c_https_post_mp4
capture scp_mp4 upl c_scp_mp4
capture http_post_random upl c_http_post_random
capture http_download_mp4 upl c_http_download_mp4
capture http_small_mp4 upl c_http_small_mp4
capture http_allowed_mp4 upl c_http_allowed_mp4
capture lan_to_lan_mp4 o1 c_lan_to_lan_mp4
capture browsing upl c_browsing
capture_s=$(elapsed)

# --- manifest: counted from the captures, independently of leaktap ------------
cat >"$W/manifest.py" <<'EOF'
"""Count what each capture holds and write manifest.json (scapy only)."""
import hashlib, json, multiprocessing, os, sys, time
from scapy.all import RawPcapReader, conf
from scapy.layers.l2 import Ether, Dot1Q
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.dns import DNS

conf.layers.filter([Ether, Dot1Q, IP, IPv6, TCP, UDP])  # payloads stay Raw: fast
meta_path, out_dir, threshold = sys.argv[1], sys.argv[2], int(sys.argv[3])
PREFIX = 256 * 1024  # first bytes kept per outbound TCP stream (for the media check)

def load_meta():
    cases = []
    for line in open(meta_path):
        kv = dict(f.split("=", 1) for f in line.rstrip("\n").split("\t"))
        cases.append(kv)
    return cases

def count(pcap, lan, remote, name):
    r = dict(frames=0, bytes_on_wire=0, max_frame=0, out_tcp=0, out_udp=0, in_bytes=0,
             pkts_out=0, flows=set(), closed_out=set(), closed_in=set(), reset=set(), dns_answers={}, first_ts=None, last_ts=None, lan_out_total=0)
    streams = {}  # (sport, dport) -> [isn, max_end, bytearray prefix]
    for data, md in RawPcapReader(pcap):
        r["frames"] += 1
        r["bytes_on_wire"] += md.wirelen
        r["max_frame"] = max(r["max_frame"], md.wirelen)
        ts = md.sec + md.usec / 1e6
        r["first_ts"] = r["first_ts"] if r["first_ts"] is not None else ts
        r["last_ts"] = ts
        p = Ether(data)
        ip = p.getlayer(IP) or p.getlayer(IPv6)
        if ip is None:
            continue
        v4 = isinstance(ip, IP)
        if v4 and (ip.flags.MF or ip.frag):
            continue
        src, dst = ip.src, ip.dst
        l4 = ip.payload
        if isinstance(l4, TCP):
            l3len = (ip.len - ip.ihl * 4) if v4 else ip.plen
            plen = l3len - l4.dataofs * 4
            kind = "tcp"
        elif isinstance(l4, UDP):
            plen = l4.len - 8
            kind = "udp"
            if l4.sport == 53:
                try:
                    d = DNS(bytes(l4.payload)[:plen])
                    for i in range(d.ancount or 0):
                        a = d.an[i]
                        if a.type in (1, 28):
                            r["dns_answers"].setdefault(a.rrname.decode().rstrip("."), set()).add(a.rdata)
                except Exception:
                    pass
        else:
            continue
        if src == lan:
            r["lan_out_total"] += plen
        if src == lan and dst == remote:
            r["pkts_out"] += 1
            r["out_" + kind] += plen
            r["flows"].add((kind, l4.sport, l4.dport))
            if kind == "tcp" and l4.flags & 0x05:  # FIN or RST
                r["closed_out"].add((l4.sport, l4.dport))
                if l4.flags & 0x04:
                    r["reset"].add((l4.sport, l4.dport))
            if kind == "tcp":
                st = streams.get((l4.sport, l4.dport))
                if st is None or l4.flags.S:
                    st = streams[(l4.sport, l4.dport)] = [(l4.seq + (1 if l4.flags.S else 0)) & 0xFFFFFFFF, 0, bytearray()]
                off = (l4.seq - st[0]) & 0xFFFFFFFF
                if off < 1 << 31 and plen > 0:
                    st[1] = max(st[1], off + plen)
                    if off < PREFIX and off <= len(st[2]):
                        body = bytes(l4.payload)[:plen]
                        st[2][off:off + len(body)] = body
                        del st[2][PREFIX:]
        elif src == remote and dst == lan:
            r["in_bytes"] += plen
            if kind == "tcp" and l4.flags & 0x05:
                r["closed_in"].add((l4.dport, l4.sport))
                if l4.flags & 0x04:
                    r["reset"].add((l4.dport, l4.sport))
    big = max(streams.items(), key=lambda kv: kv[1][1], default=None)
    r["remote_port"] = big[0][1] if big else None
    r["stream_out"] = sum(s[1] for s in streams.values()) + r["out_udp"]
    r["prefixes"] = [bytes(s[2]) for s in streams.values()]
    return r

def count_case(c):
    return count(os.path.join(out_dir, c["case"] + ".pcap"), c["lan_ip"], c["remote_ip"], c.get("remote_name") or None)

def main():
    t0 = time.time()
    cases = load_meta()
    manifest, problems, rows = [], [], []
    with multiprocessing.Pool(2) as pool:   # the machine has 2 cores
        counts = pool.map(count_case, cases, chunksize=1)
    for i, (c, r) in enumerate(zip(cases, counts), 1):
        name = c["case"]
        pcap = os.path.join(out_dir, name + ".pcap")
        lan, remote = c["lan_ip"], c["remote_ip"]
        rname = c.get("remote_name") or None
        media = c.get("media") or None
        sha64k = head = None
        if media and c.get("file"):
            with open(media, "rb") as f:
                head = f.read(65536)
            sha64k = hashlib.sha256(head).hexdigest()
        media_out = None
        if head is not None and c.get("why") != "download":
            needle = head[:64]
            media_out = any(needle in p for p in r["prefixes"])
        name_in_payload = None
        if rname:
            nb = rname.encode()
            name_in_payload = any(nb in p for p in r["prefixes"])
        dns_ok = bool(rname) and remote in {str(a) for a in r["dns_answers"].get(rname, ())}
        out = r["out_tcp"] + r["out_udp"]
        positive = c["positive"] == "true"
        e = {
            "case": name,
            "pcap": name + ".pcap",
            "positive": positive,
            "lan_ip": lan,
            "lan_mac": "02:77:00:00:00:11" if lan.endswith(".11") or lan.endswith("::11") else "02:77:00:00:00:10",
            "remote_ip": remote,
            "remote_port": int(c["remote_port"]) if c["remote_port"] != "auto" else r["remote_port"],
            "remote_name": rname,
            "l4": c["l4"],
            "video": c.get("video") or None,
            "codec": c.get("codec") or None,
            "carrier": c["carrier"],
            "file": c.get("file") or None,
            "payload_bytes_out": out,
            "payload_bytes_out_tcp": r["out_tcp"],
            "payload_bytes_out_udp": r["out_udp"],
            "stream_bytes_out": r["stream_out"],
            "payload_bytes_in": r["in_bytes"],
            "lan_payload_bytes_out_all": r["lan_out_total"],
            "packets_out": r["pkts_out"],
            "flows_out": len(r["flows"]),
            "frames": r["frames"],
            "max_frame": r["max_frame"],
            "duration_s": round((r["last_ts"] or 0) - (r["first_ts"] or 0), 3),
            "media_sha256_64k": sha64k,
            "media_source": os.path.basename(media) if media else None,
            "media_bytes": os.path.getsize(media) if media else None,
            "media_head_out": media_out,
            "name_in_payload": name_in_payload,
            "dns_answer_in_capture": dns_ok if rname else None,
            "capture_iface": c.get("capture_iface", "upl"),
            "notes": c.get("notes", ""),
        }
        if not positive:
            e["negative_reason"] = c["why"]
        for k in ("stream", "config_allow", "other_remotes"):
            if c.get(k):
                e[k] = c[k]
        if "config_allow" in e:
            e["config"] = {"allow": [e.pop("config_allow")]}
        manifest.append(e)
        # Sanity: the capture must hold what the case says it holds.
        bad = []
        if r["frames"] == 0 or r["pkts_out"] == 0:
            bad.append("no packets from %s to %s" % (lan, remote))
        tcp_flows = {(f[1], f[2]) for f in r["flows"] if f[0] == "tcp"}
        # every TCP flow of the pair ends in the capture: FIN both ways, or a RST
        unclosed = tcp_flows - (r["closed_out"] & r["closed_in"]) - r["reset"]
        if unclosed:
            bad.append("%d TCP flow(s) without FIN both ways or RST: capture cut short?" % len(unclosed))
        if r["max_frame"] > 1518:
            bad.append("frame of %d bytes (offloads on?)" % r["max_frame"])
        if positive and out <= threshold:
            bad.append("only %d bytes out, not above the threshold" % out)
        if c.get("why") == "below-threshold" and not (1000000 < out < threshold):
            bad.append("%d bytes out, expected 1 MB..threshold" % out)
        if c.get("why") in ("encrypted", "not-video", "allowed", "local") and out <= threshold:
            bad.append("only %d bytes out" % out)
        if c.get("why") == "download" and r["in_bytes"] <= threshold:
            bad.append("download brought only %d bytes in" % r["in_bytes"])
        if rname and not dns_ok:
            bad.append("no DNS answer %s -> %s in the capture" % (rname, remote))
        if media_out is False and c.get("why") != "encrypted":
            bad.append("start of %s not found in the outbound stream" % os.path.basename(media))
        if media_out and c.get("why") == "encrypted":
            bad.append("start of the file visible in an encrypted carrier")
        if c["l4"] == "udp" and r["out_udp"] <= threshold:
            bad.append("only %d UDP bytes out" % r["out_udp"])
        for b in bad:
            problems.append("%s: %s" % (name, b))
        rows.append((i, name, "+" if positive else "-", r["frames"], out, r["stream_out"],
                     os.path.getsize(pcap), e["video"] or "-", e["duration_s"]))
    tmp = os.path.join(out_dir, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(out_dir, "manifest.json"))
    print("%-2s %-20s %s %8s %12s %12s %11s %-9s %6s" % ("#", "case", "±", "frames", "payload_out", "stream_out", "pcap_bytes", "video", "secs"))
    for row in rows:
        print("%-2d %-20s %s %8d %12d %12d %11d %-9s %6.2f" % row)
    print("counted %d captures in %.1f s" % (len(rows), time.time() - t0))
    for p in problems:
        print("make_corpus: FAIL %s" % p, file=sys.stderr)
    return 1 if problems else 0

sys.exit(main())
EOF
$PY "$W/manifest.py" "$W/meta.tsv" "$OUT.new" "$THRESHOLD" >"$W/log/manifest.out" 2>"$W/log/manifest.err"
mrc=$?
cat "$W/log/manifest.out"
if [ $mrc != 0 ]; then
	grep '^make_corpus: FAIL' "$W/log/manifest.err" >&2 || tail -n 3 "$W/log/manifest.err" >&2
	exit 1
fi
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
echo "make_corpus: $(ls "$OUT"/*.pcap | wc -l) captures in $OUT; media ${media_s} s, setup ${setup_s} s, captures done at ${capture_s} s, total $(elapsed) s"
