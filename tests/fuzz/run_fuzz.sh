#!/usr/bin/env bash
# Run one libFuzzer harness for a bounded time from its seed corpus
# (tests/corpus/<name>/), in a scratch copy so new inputs never land in the
# repository. A crash leaves its input in build/fuzz-artifacts/.
#   tests/fuzz/run_fuzz.sh build/fuzz/fuzz_pkt 60
set -u
cd "$(dirname "$0")/../.."
bin=$1
secs=${2:-60}
name=$(basename "$bin" | sed 's/^fuzz_//')
work=build/fuzz-work/$name
art=build/fuzz-artifacts/$name/
rm -rf "$work" && mkdir -p "$work" "$art"
[ -d "tests/corpus/$name" ] && cp -r "tests/corpus/$name/." "$work/"
"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$art" "$work" 2>&1 | tail -n 30
rc=${PIPESTATUS[0]}
echo "fuzz $name: ${secs}s, exit $rc"
exit "$rc"
