#!/bin/bash
# Makes the seed corpora in Fuzz/Corpus/ from real files: the readers' own writers make the checkpoints, configs
# and clip stores; Tools/fuzz/make_text_seeds.py the PNGs, frame-folder names and `zoo metrics` inputs.
# Needs the fuzz build (docs/fuzzing.md). Usage, from the repository root: Tools/fuzz/make_seeds.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=Fuzz/.build/debug
export ASAN_OPTIONS=detect_leaks=0
rm -rf Fuzz/Corpus
python3 Tools/fuzz/make_text_seeds.py Fuzz/Corpus
# Checkpoints of every model's `tiny` preset under 40 kB, and the configs of every `tiny`/`cpu` preset of a model
# under 100,000 parameters, written by the targets' LLVMFuzzerInitialize when ZOO_FUZZ_WRITE_SEEDS is set.
ZOO_FUZZ_WRITE_SEEDS="$PWD/Fuzz/Corpus/checkpoint" "$bin/fuzz-checkpoint"
ZOO_FUZZ_WRITE_SEEDS="$PWD/Fuzz/Corpus/config" "$bin/fuzz-config"
# Clip stores: three frame-name seeds imported by `DataImporter` (what `zoo data import` runs), 4x4 frames, no gzip.
mkdir -p Fuzz/Corpus/clipstore
scratch=$(mktemp -d)
for seed in bair split cityscapes; do
    TMPDIR=$scratch "$bin/fuzz-frame-names" "Fuzz/Corpus/frame-names/$seed.txt" > /dev/null 2>&1
    cp "$scratch"/zoo-fuzz-*/store.h5 "Fuzz/Corpus/clipstore/$seed.h5"
    rm -rf "${scratch:?}"/*
done
rmdir "$scratch"
du -b -s Fuzz/Corpus
