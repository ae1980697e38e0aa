#!/usr/bin/env bash
# Make the inputs the unit tests read, with the real tools that produce
# such bytes in the field (scapy for DNS, ffmpeg for media and streams,
# curl for HTTP). Every generator is idempotent and writes under build/.
set -euo pipefail
cd "$(dirname "$0")/.."
/usr/bin/python3 tools/gen_dns_vectors.py build/dns-vectors
for g in tools/gen_media.sh tools/gen_stream_vectors.sh tools/gen_http_vectors.sh; do
	if [ -x "$g" ]; then
		echo "== $g"
		"$g"
	fi
done
echo "test inputs ready"
