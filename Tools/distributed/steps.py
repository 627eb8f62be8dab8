"""Seconds per training step of zoo runs: the median and mean of the step-to-step times in each run's
metrics.csv, after the first step. usage: python3 Tools/distributed/steps.py RUN_FOLDER ..."""
import csv
import statistics
import sys

for path in sys.argv[1:]:
    rows = [r for r in csv.DictReader(open(path + "/metrics.csv")) if r["name"] == "loss"]
    t = [float(r["elapsed_s"]) for r in rows]
    d = [b - a for a, b in zip(t, t[1:])]
    if not d:
        print(f"{path}: fewer than 2 steps")
        continue
    print(f"{path:<16} steps {len(t):3d}  s/step median {statistics.median(d):.3f} mean {statistics.mean(d):.3f} "
          f"(after step 1; first step {t[0]:.2f} s)")
