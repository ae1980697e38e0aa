#!/usr/bin/env bash
# Make real RTP, RTMP and RTSP byte streams with ffmpeg (and nginx with the
# RTMP module as the RTMP server) for the stream sniffer tests.
#   tools/gen_stream_vectors.sh [OUTDIR]      (default build/streams)
# Needs the Debian packages ffmpeg, nginx, libnginx-mod-rtmp and python3.
# Everything runs on 127.0.0.1 and every process is bounded by timeout.
#
# Output files:
#   rtp_<codec>.bin      UDP payloads as [len16 BE][datagram]...
#   <name>_c2s.bin, <name>_s2c.bin  the two directions of one TCP connection
#                        (rtmp_pub, rtmp_play, rtsp_tcp, rtsp_udp), recorded
#                        by a loopback proxy between client and server.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/streams}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
py=/usr/bin/python3
ff="timeout 20 ffmpeg -hide_banner -loglevel error -nostdin -y"
src="-f lavfi -i testsrc=size=640x360:rate=25"

# The helper: a UDP datagram recorder and a recording TCP proxy.
cat >"$tmp/helper.py" <<'EOF'
import socket, struct, sys, threading, time

def udprecv(port, path, secs, maxn):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.5)
    end, n = time.time() + secs, 0
    with open(path, "wb") as f:
        while n < maxn and time.time() < end:
            try:
                d = s.recv(65535)
            except socket.timeout:
                if n:
                    break
                continue
            f.write(struct.pack(">H", len(d)) + d)
            n += 1

def pump(a, b, f):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            f.write(d)
            b.sendall(d)
    except OSError:
        pass
    for x in (a, b):
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def proxy(lport, rport, prefix, secs, want):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(4)
    ls.settimeout(0.5)
    end, n, th = time.time() + secs, 0, []
    while time.time() < end:
        if th and not any(t.is_alive() for t in th) and n >= want:
            break
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        r = socket.create_connection(("127.0.0.1", rport))
        fa = open("%s%d_c2s.bin" % (prefix, n), "wb", buffering=0)
        fb = open("%s%d_s2c.bin" % (prefix, n), "wb", buffering=0)
        for a, b, f in ((c, r, fa), (r, c, fb)):
            t = threading.Thread(target=pump, args=(a, b, f), daemon=True)
            t.start()
            th.append(t)
        n += 1
    for t in th:
        t.join(0.5)

if sys.argv[1] == "udp":
    udprecv(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
else:
    proxy(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
EOF

# ---- RTP over UDP, one file per codec ----
rtp() { # name port ffmpeg-args...
	local name=$1 port=$2
	shift 2
	timeout 25 $py "$tmp/helper.py" udp "$port" "$out/rtp_$name.bin" 6 200 &
	local rp=$!
	sleep 0.3
	$ff "$@" -ssrc 305419896 -seq 1000 "rtp://127.0.0.1:$port" >/dev/null 2>"$tmp/ff_$name.log" ||
		echo "ffmpeg rtp $name failed: $(tail -n 2 "$tmp/ff_$name.log")" >&2
	wait "$rp" || true
}
rtp h264 25000 $src -t 2 -c:v libx264 -threads 1 -pix_fmt yuv420p -an -f rtp
rtp hevc 25002 $src -t 2 -c:v libx265 -x265-params log-level=error:pools=1 -pix_fmt yuv420p -an -f rtp
rtp vp8 25004 $src -t 2 -c:v libvpx -threads 1 -deadline realtime -an -f rtp
rtp vp9 25006 $src -t 2 -c:v libvpx-vp9 -threads 1 -deadline realtime -cpu-used 8 -strict experimental -an -f rtp
rtp mjpeg 25008 $src -t 1 -c:v mjpeg -huffman default -pix_fmt yuvj420p -an -f rtp
rtp mpegts 25010 $src -t 2 -c:v libx264 -threads 1 -pix_fmt yuv420p -an -f rtp_mpegts
rtp pcmu 25012 -f lavfi -i sine=frequency=440:sample_rate=8000 -t 2 -c:a pcm_mulaw -vn -f rtp
rtp opus 25014 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -c:a libopus -vn -f rtp

# ---- RTMP publish and play through nginx-rtmp ----
mkdir -p "$tmp/ngx/logs"
mod=/usr/lib/nginx/modules/ngx_rtmp_module.so
cat >"$tmp/ngx/nginx.conf" <<EOF
load_module $mod;
daemon off;
master_process off;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/error.log;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:19351; chunk_size 4096;
	application live { live on; record off; } } }
EOF
if [ -f "$mod" ]; then
	timeout 30 nginx -p "$tmp/ngx" -c "$tmp/ngx/nginx.conf" &
	pids+=($!)
	sleep 0.5
	timeout 25 $py "$tmp/helper.py" proxy 19350 19351 "$tmp/rtmp" 12 2 &
	pp=$!
	sleep 0.3
	$ff -re $src -t 5 -c:v libx264 -threads 1 -pix_fmt yuv420p -g 25 -an -f flv \
		rtmp://127.0.0.1:19350/live/cam >/dev/null 2>"$tmp/ff_pub.log" &
	fp=$!
	sleep 2
	$ff -i rtmp://127.0.0.1:19350/live/cam -t 1 -f null - >/dev/null 2>"$tmp/ff_play.log" || true
	wait "$fp" || echo "ffmpeg rtmp publish failed: $(tail -n 2 "$tmp/ff_pub.log")" >&2
	wait "$pp" || true
	for d in c2s s2c; do
		cp "$tmp/rtmp0_$d.bin" "$out/rtmp_pub_$d.bin" 2>/dev/null || true
		cp "$tmp/rtmp1_$d.bin" "$out/rtmp_play_$d.bin" 2>/dev/null || true
	done
else
	echo "no $mod (apt-get install libnginx-mod-rtmp): RTMP vectors skipped" >&2
fi

# ---- RTSP ANNOUNCE/RECORD to an ffmpeg server, over TCP and UDP ----
rtsp() { # name transport
	local name=$1 tr=$2
	timeout 20 ffmpeg -hide_banner -loglevel error -nostdin -rtsp_flags listen \
		-timeout 15 -i rtsp://127.0.0.1:8555/live.sdp -f null - >/dev/null 2>&1 &
	local sp=$!
	sleep 0.5
	timeout 20 $py "$tmp/helper.py" proxy 8554 8555 "$tmp/rtsp_$name" 8 1 &
	local pp=$!
	sleep 0.3
	$ff $src -t 2 -c:v libx264 -threads 1 -pix_fmt yuv420p -an -f rtsp -rtsp_transport "$tr" \
		rtsp://127.0.0.1:8554/live.sdp >/dev/null 2>"$tmp/ff_rtsp_$name.log" ||
		echo "ffmpeg rtsp $name failed: $(tail -n 2 "$tmp/ff_rtsp_$name.log")" >&2
	wait "$sp" || true
	wait "$pp" || true
	for d in c2s s2c; do
		cp "$tmp/rtsp_${name}0_$d.bin" "$out/rtsp_${name}_$d.bin" 2>/dev/null || true
	done
}
rtsp tcp tcp
rtsp udp udp

ls -l "$out"
