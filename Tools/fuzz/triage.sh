#!/bin/bash
# Reruns every finding of a target once and prints a short signature per input: the sanitizer's or libFuzzer's
# summary, the innermost named frames (the hang's frames for a timeout) and the first frame in zoo code.
# Usage: Tools/fuzz/triage.sh TARGET [WORK]   (WORK as for run_target.sh)
set -uo pipefail
target=$1; work=${2:-/tmp/zoo-fuzz-runs}
repo=$(cd "$(dirname "$0")/../.." && pwd)
for input in "$work/$target"/crash-* "$work/$target"/timeout-* "$work/$target"/oom-*; do
    [ -e "$input" ] || continue
    log=$(ASAN_OPTIONS=detect_leaks=0:fast_unwind_on_malloc=0 timeout 120 \
          "$repo/Fuzz/.build/debug/fuzz-$target" -timeout=5 -rss_limit_mb=3072 "$input" 2>&1)
    echo "== $(basename "$input") ($(stat -c %s "$input") bytes)"
    echo "$log" | grep -E "SUMMARY|ALARM|Fatal error|ERROR: libFuzzer" | head -n 2
    echo "$log" | grep -E "^ +#[0-9]+ .* in (H5|png_|\\\$s)" | grep -v "fuzzer::" | head -n 4 | sed -E 's/ *\(BuildId[^)]*\)//; s/^ +//' | cut -c1-200
    echo "$log" | grep -E "^ +#[0-9]+ .*/work/.*/Sources/ZooCore|/Sources/ZooCLI|/Sources/Models" | head -n 1 | sed 's/^ *//' | cut -c1-220
done
