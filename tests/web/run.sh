#!/usr/bin/env bash
# Browser tests of the web page against an appliance (see tests/web/README.md):
#   tests/web/run.sh https://10.77.0.250 --otp ONE-TIME-PW --upload-cmd 'curl ...'
# Runs tests/web/run.py under Debian's python3 (selenium) with Debian's chromium.
set -u
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tests/web/run.py "$@"
