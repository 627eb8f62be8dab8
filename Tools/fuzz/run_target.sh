#!/bin/bash
# Runs one fuzz target for SECONDS (default 600) under nice, keeping going after a finding, in WORK/<target>/.
# Usage: Tools/fuzz/run_target.sh TARGET [SECONDS] [WORK]
#   TARGET: png, frame-names, checkpoint, clipstore, config or metrics (binary Fuzz/.build/debug/fuzz-TARGET,
#   seeds Fuzz/Corpus/TARGET). The growing corpus, the findings (crash-*, oom-*, timeout-*) and the log
#   (fuzz.log) go to WORK/TARGET (default /tmp/zoo-fuzz-runs).
set -euo pipefail
target=$1; seconds=${2:-600}; work=${3:-/tmp/zoo-fuzz-runs}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$work/$target; mkdir -p "$out/corpus"
cd "$out"
# Leak checks off (-detect_leaks=0, ASAN_OPTIONS for the forked child): Swift stores some pointers with tag bits (enum payloads such as Data's), which LeakSanitizer
# cannot follow, so it reports globals as leaks. Address errors, traps and crashes are all still reported.
ASAN_OPTIONS=detect_leaks=0 exec nice -n 19 "$repo/Fuzz/.build/debug/fuzz-$target" -max_total_time="$seconds" -fork=1 -ignore_crashes=1 \
    -ignore_ooms=1 -ignore_timeouts=1 -timeout=30 -rss_limit_mb=3072 -detect_leaks=0 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$out/" corpus "$repo/Fuzz/Corpus/$target" > "$out/fuzz.log" 2>&1
