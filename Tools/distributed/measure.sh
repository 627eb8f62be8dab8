#!/bin/bash
# docs/distributed.md's table: 1 rank x 2 threads against 2 ranks x 1 thread, rvd `cpu` and `bair64` training
# steps, alternating. usage: Tools/distributed/measure.sh ZOO FOLDER ROUND
# ZOO: a release build of zoo; FOLDER: a scratch folder (runs and logs go there; it needs shapes64c3.h5, a
# 64x64 RGB store: zoo data generate shapes --size 64 --channels 3 --train 8 --frames 12 --test 2
# --test-frames 20 --out FOLDER/shapes64c3.h5). Seconds per step: Tools/distributed/steps.py FOLDER/RUN ...
set -u
Z=$1; cd "$2"; round=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() { # ranks name preset minutes [args...]
  local ranks=$1 name=$2 preset=$3 minutes=$4; shift 4
  local launch=(); [ "$ranks" -gt 1 ] && launch=(mpirun -np "$ranks")
  local extra=(); [ "$ranks" -gt 1 ] && extra=(--distributed)
  rm -rf "$name"
  echo "== $name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> timeline.txt
  nice -n 10 "${launch[@]}" "$Z" train rvd --preset "$preset" "$@" --steps 100000 --minutes "$minutes" --eval-every 0 \
      --checkpoint-every 100000 "${extra[@]}" --out "$name" > "$name.log" 2>&1
  echo "== $name end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" >> timeline.txt
}
run 1 cpu-1x2-r$round cpu 1.5
run 2 cpu-2x1-r$round cpu 1.5
run 1 bair-1x2-r$round bair64 3 --data shapes64c3.h5
run 2 bair-2x1-r$round bair64 3 --data shapes64c3.h5
