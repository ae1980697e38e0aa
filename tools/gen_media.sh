#!/usr/bin/env bash
# Generate the test media every video sniffer test uses, with ffmpeg.
#   tools/gen_media.sh [DIR]        (default build/media)
#
# Deterministic: synthetic sources (testsrc, sine), fixed size 320x240, 2 s,
# -bitexact, single-threaded encoders, fixed seeds for the random files.
# Idempotent: a file that exists is kept. Fast: the whole set takes a few
# seconds on two cores (small frames, 10 fps, fast presets).
#
# Writes DIR/manifest.tsv, one line per file:
#   file <TAB> expected kind (mp4, webm, ..., or "not") <TAB> expected codec or "-"
#   <TAB> what libmagic says (file --mime-type -b), for the cross-check in the tests
#   <TAB> WxH a sniffer should read within the first 64 KiB, or "-" when the bytes
#   there do not tell (MPEG-TS/PS carry no size outside the video stream; a file
#   whose moov follows a large mdat).
# Needs the Debian packages ffmpeg, file and zip (or python3 for the zip).
set -eu
dir=${1:-build/media}
mkdir -p "$dir"
cd "$dir"

command -v ffmpeg >/dev/null || {
	echo "gen_media: ffmpeg missing (apt-get install ffmpeg)" >&2
	exit 1
}

ff() {
	ffmpeg -nostdin -hide_banner -loglevel error -y "$@"
}
V="-f lavfi -i testsrc=size=320x240:rate=10:duration=2"
A="-f lavfi -i sine=frequency=440:sample_rate=48000:duration=2"
BX="-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -threads 1"
X264="-c:v libx264 -preset ultrafast -pix_fmt yuv420p -x264-params threads=1"

manifest=manifest.tsv.tmp
: >"$manifest"

# gen FILE KIND CODEC WxH COMMAND...: run COMMAND (which writes FILE) unless FILE exists.
gen() {
	local f=$1 kind=$2 codec=$3 size=$4
	shift 4
	if [ ! -s "$f" ]; then
		"$@" || {
			echo "gen_media: failed to make $f" >&2
			rm -f "$f"
			return 0
		}
	fi
	[ -s "$f" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$f" "$kind" "$codec" \
		"$(file --mime-type -b "$f" 2>/dev/null || echo unknown)" "$size" >>"$manifest"
	return 0
}

# Video: each container once, with the codec an uploader would most likely meet.
gen h264_faststart.mp4 mp4 h264 320x240 ff $V $A $BX $X264 -c:a aac -movflags +faststart h264_faststart.mp4
gen h264_plain.mp4 mp4 h264 320x240 ff $V $A $BX $X264 -c:a aac h264_plain.mp4
# mdat first and larger than the 64 KiB window: moov (codec, size) is out of reach.
gen h264_bigmdat.mp4 mp4 - - ff $V $BX $X264 -qp 0 -g 1 h264_bigmdat.mp4
gen h264.mov mov h264 320x240 ff $V $A $BX $X264 -c:a aac -movflags +faststart h264.mov
gen h263.3gp 3gp h263 176x144 ff $V $BX -s 176x144 -c:v h263 -movflags +faststart h263.3gp
gen frag.mp4 fmp4 h264 320x240 ff $V $A $BX $X264 -c:a aac -movflags frag_keyframe+empty_moov frag.mp4
gen vp8.webm webm vp8 320x240 ff $V $BX -c:v libvpx -deadline realtime -cpu-used 8 -b:v 200k vp8.webm
gen vp9.webm webm vp9 320x240 ff $V $BX -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 200k vp9.webm
gen h264.mkv mkv h264 320x240 ff $V $A $BX $X264 -c:a aac h264.mkv
if ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx265; then
	gen hevc.mkv mkv hevc 320x240 ff $V $BX -c:v libx265 -preset ultrafast \
		-x265-params log-level=error:pools=1:frame-threads=1 hevc.mkv
fi
gen mjpeg.avi avi mjpeg 320x240 ff $V $BX -c:v mjpeg -q:v 8 mjpeg.avi
gen mpeg4.avi avi mpeg4 320x240 ff $V $A $BX -c:v mpeg4 -q:v 8 -c:a pcm_s16le mpeg4.avi
gen h264.flv flv h264 320x240 ff $V $A $BX $X264 -c:a aac h264.flv
gen h264.ts mpegts h264 - ff $V $A $BX $X264 -c:a aac h264.ts
gen h264.m2ts m2ts h264 - ff $V $A $BX $X264 -c:a aac -f mpegts -mpegts_m2ts_mode 1 h264.m2ts
gen mpeg2.mpg mpegps mpeg2 - ff $V $A $BX -c:v mpeg2video -q:v 8 -c:a mp2 -f vob mpeg2.mpg
gen wmv2.wmv asf wmv 320x240 ff $V $A $BX -c:v wmv2 -q:v 8 -c:a wmav2 wmv2.wmv
gen theora.ogv ogg theora 320x240 ff $V $BX -c:v libtheora -q:v 5 theora.ogv
gen stream.mjpeg mjpeg mjpeg 320x240 ff $V $BX -c:v mjpeg -q:v 8 -f mjpeg stream.mjpeg

# Not video: audio in video containers, stills, and names that lie.
gen aac.m4a not - - ff $A $BX -c:a aac aac.m4a
# Audio in an MP4 with a video brand (isom): only the moov tells.
gen aac_isom.mp4 not - - ff $A $BX -c:a aac -movflags +faststart -f mp4 aac_isom.mp4
gen opus.webm not - - ff $A $BX -c:a libopus opus.webm
gen vorbis.ogg not - - ff $A $BX -c:a libvorbis vorbis.ogg
gen tone.mp3 not - - ff $A $BX -c:a libmp3lame tone.mp3
gen tone.wav not - - ff $A $BX -c:a pcm_s16le tone.wav
gen still.jpg not - - ff $V $BX -frames:v 1 -c:v mjpeg still.jpg
gen still.png not - - ff $V $BX -frames:v 1 still.png
gen fake.mp4 not - - python3 -c 'import random, sys
r = random.Random(1)
open(sys.argv[1], "wb").write(bytes(r.getrandbits(8) for _ in range(100000)))' fake.mp4
gen video.mp4 not - - python3 -c 'import sys
open(sys.argv[1], "w").write("This is not a video, only a text file named like one.\n" * 200)' video.mp4
# A real video inside a zip: the body starts with a zip header, not a container.
gen video.zip not - - python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
    i = zipfile.ZipInfo("clip.mp4", (2020, 1, 1, 0, 0, 0))
    z.writestr(i, open("h264_faststart.mp4", "rb").read())' video.zip

mv "$manifest" manifest.tsv
echo "gen_media: $(wc -l <manifest.tsv) files in $PWD"
