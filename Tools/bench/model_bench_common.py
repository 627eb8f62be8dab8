"""Shared by the model benchmark scripts in this folder (bench_<model>_torch.py): the command-line
arguments every script takes from `zoo bench --model NAME --torch PYTHON --reference DIR`, the timing, the
memory figures and the JSON line the zoo side reads.

Each script defines `build(torch, args, config)`, returning the model's parameter count and a function
that runs the timed work once, and calls `main(build, description)`. What one run prints (one JSON object
on the last line of stdout): the median and every timed run in ms, the process's peak resident memory
(ru_maxrss) and its resident memory after importing torch and before building the model, both in MB, the
parameter count, torch's version and thread count.
"""
import argparse
import json
import resource
import statistics
import time


def add_common_arguments(ap):
    """The arguments zoo passes to every script."""
    ap.add_argument("--ref", required=True, help="the extracted reference repository")
    ap.add_argument("--preset", required=True, help="zoo's preset name of the row")
    ap.add_argument("--config", required=True, help="zoo's config of the preset, as JSON")
    ap.add_argument("--work", default="train", help="what to time (train: one training step)")
    ap.add_argument("--batch", type=int, required=True, help="clips per batch")
    ap.add_argument("--frames", type=int, required=True, help="frames per clip")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--seed", type=int, default=0)
    return ap


def rss_mb(field="peak"):
    """Peak resident memory (ru_maxrss, KB on Linux) or the current one (/proc/self/statm), in MB."""
    if field == "peak":
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / (1024 * 1024)


def timed(fn, warmup, repeats):
    """Every timed run in ms after `warmup` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def main(build, description):
    ap = add_common_arguments(argparse.ArgumentParser(description=description))
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    config = json.loads(args.config)
    baseline = rss_mb("current")
    torch.manual_seed(args.seed)
    parameters, work = build(torch, args, config)
    samples = timed(work, args.warmup, args.repeats)
    print(json.dumps({"ms": statistics.median(samples), "samples_ms": samples, "baseline_rss_mb": baseline,
                      "peak_rss_mb": rss_mb(), "parameters": parameters, "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))
