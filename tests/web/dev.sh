#!/usr/bin/env bash
# The browser tests against tests/web/devserver.py (the development stand-in of
# the appliance's API, NOT the product): checks that the page and the test
# script work together per docs/api.md. Starts the server on a free loopback
# port, runs tests/web/run.sh against it, stops the server it started.
set -u
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
otp=$($PY -c 'import secrets; print(secrets.token_hex(8))')
log=build/web-dev/devserver.log
mkdir -p build/web-dev
$PY tests/web/devserver.py --port "$port" --otp "$otp" >"$log" 2>&1 &
srv=$!
trap 'kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null' EXIT
for _ in $(seq 50); do
	grep -q '^devserver: ready' "$log" && break
	kill -0 "$srv" 2>/dev/null || { cat "$log"; echo "0 passed, 1 failed"; exit 1; }
	sleep 0.2
done
grep -q '^devserver: ready' "$log" || { echo "devserver did not start"; echo "0 passed, 1 failed"; exit 1; }
base=https://127.0.0.1:$port
tests/web/run.sh "$base" --otp "$otp" --shots build/web-shots/dev \
	--upload-cmd "curl -sfk -X POST $base/dev/upload -d '{\"remote_name\": \"upload.example.org\"}'" "$@"
