#!/usr/bin/env python3
"""PyTorch (CPU) side of `zoo bench`: the same rows as Sources/ZooBench/Rows/BenchmarkRows.swift.

Every row uses the same ids, shapes and work as zoo's, and the same timing: untimed warm-up runs, then
timed runs (stopping early after --seconds-per-row once --min-repetitions are done), median reported.
Forward rows run under torch.no_grad(); forward+backward rows differentiate the output with a random
upstream gradient with respect to every input and parameter (torch.autograd.grad), as zoo does.

Prints one JSON document on stdout: {"torch": version, "blas": "MKL" or other, "threads": n,
"rows": [{"id", "ms", "samples"}], "missing": [requested ids this script does not know]}; progress goes
to stderr. With --serve it instead answers row ids read from stdin with one JSON line each (after a header
line), so that zoo can run every row in PyTorch right after its own: interleaved, both see the same
machine conditions.

Usage: python Tools/bench/bench_torch.py [--quick] [--ids "id1;id2"] [--list] [--serve]
(zoo runs it for you: `zoo bench --torch /path/to/venv/bin/python`).
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

BATCH = 8
CONV_SHAPES = [(48, 64), (96, 32), (192, 16), (384, 8)]  # (channels, height = width)


def randn(*shape, scale=1.0, grad=False):
    t = torch.randn(*shape) * scale
    return t.requires_grad_(grad)


def sgemm_row(n, threads):
    def prepare():
        a, b, c = torch.randn(n, n), torch.randn(n, n), torch.zeros(n, n)
        return lambda: torch.mm(a, b, out=c)
    return f"sgemm n={n} {threads}T", prepare, threads


def conv_rows(channels, size):
    def prepare(backward):
        grad = backward
        x = randn(BATCH, channels, size, size, grad=grad)
        w = randn(channels, channels, 3, 3, scale=(channels * 9) ** -0.5, grad=grad)
        b = randn(channels, scale=0.1, grad=grad)
        if not backward:
            def forward():
                with torch.no_grad():
                    F.conv2d(x, w, b, padding=1)
            return forward
        dy = randn(BATCH, channels, size, size)

        def step():
            y = F.conv2d(x, w, b, padding=1)
            torch.autograd.grad(y, [x, w, b], dy)
        return step
    name = f"conv3x3 {channels}ch {size}x{size} b{BATCH}"
    return [(f"{name} fwd", lambda: prepare(False), None), (f"{name} fwd+bwd", lambda: prepare(True), None)]


def group_norm_rows():
    shape = (BATCH, 48, 64, 64)

    def prepare(backward):
        x = randn(*shape, grad=backward)
        weight = (1 + randn(48, scale=0.1)).requires_grad_(backward)
        bias = randn(48, scale=0.1, grad=backward)

        def f():
            return F.leaky_relu(F.group_norm(x, 8, weight, bias, 1e-5), 0.2)
        if not backward:
            def forward():
                with torch.no_grad():
                    f()
            return forward
        dy = randn(*shape)
        return lambda: torch.autograd.grad(f(), [x, weight, bias], dy)
    name = "groupnorm8+leakyrelu 8x48x64x64"
    return [(f"{name} fwd", lambda: prepare(False), None), (f"{name} fwd+bwd", lambda: prepare(True), None)]


def conv_gru_step(x, h, wg, bg, wc, bc):
    """One ConvGRU step as docs/models/rvd.md §3: [r, u] = sigmoid(gates([x, h])) (reset first, update
    second); c = tanh(cand([x, r * h])); h' = (1 - u) * h + u * c."""
    gates = torch.sigmoid(F.conv2d(torch.cat([x, h], 1), wg, bg, padding=1))
    r, u = gates.chunk(2, 1)
    c = torch.tanh(F.conv2d(torch.cat([x, r * h], 1), wc, bc, padding=1))
    return (1 - u) * h + u * c


def conv_gru_rows():
    ch, size = 48, 64

    def prepare(backward):
        g = backward
        x, h = randn(BATCH, ch, size, size, grad=g), randn(BATCH, ch, size, size, grad=g)
        scale = (2 * ch * 9) ** -0.5
        wg, bg = randn(2 * ch, 2 * ch, 3, 3, scale=scale, grad=g), randn(2 * ch, scale=scale, grad=g)
        wc, bc = randn(ch, 2 * ch, 3, 3, scale=scale, grad=g), randn(ch, scale=scale, grad=g)
        inputs = [x, h, wg, bg, wc, bc]
        if not backward:
            def forward():
                with torch.no_grad():
                    conv_gru_step(*inputs)
            return forward
        dy = randn(BATCH, ch, size, size)
        return lambda: torch.autograd.grad(conv_gru_step(*inputs), inputs, dy)
    name = f"convgru {ch}ch {size}x{size} b{BATCH}"
    return [(f"{name} fwd", lambda: prepare(False), None), (f"{name} fwd+bwd", lambda: prepare(True), None)]


def all_rows():
    rows = [sgemm_row(n, t) for t in (2, 1) for n in (1024, 2048, 4096)]
    for channels, size in CONV_SHAPES:
        rows += conv_rows(channels, size)
    rows += group_norm_rows()
    rows += conv_gru_rows()
    return rows


def measure(prepare, warmup, repetitions, min_repetitions, seconds):
    work = prepare()
    for _ in range(warmup):
        work()
    samples = []
    start = time.perf_counter()
    while len(samples) < repetitions:
        t0 = time.perf_counter()
        work()
        samples.append((time.perf_counter() - t0) * 1e3)
        if len(samples) >= min_repetitions and time.perf_counter() - start > seconds:
            break
    return samples


def run_row(known, row_id, options, default_threads):
    _, prepare, threads = known[row_id]
    torch.set_num_threads(threads or default_threads)
    samples = measure(prepare, *options)
    torch.set_num_threads(default_threads)
    return {"id": row_id, "ms": statistics.median(samples), "samples": samples}


def serve(known, options, default_threads, pause):
    """Line protocol for zoo's interleaved runs: a header line, then for every row id read on stdin one
    JSON line with its timings ({"id", "missing": true} for unknown ids), until stdin closes."""
    print(json.dumps(header(default_threads)), flush=True)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        row_id = line.strip()
        if not row_id:
            continue
        if row_id not in known:
            print(json.dumps({"id": row_id, "missing": True}), flush=True)
            continue
        time.sleep(pause)  # let the other process's BLAS threads stop spinning before timing
        print(json.dumps(run_row(known, row_id, options, default_threads)), flush=True)


def header(threads):
    blas = "MKL" if torch.backends.mkl.is_available() else "non-MKL BLAS"
    return {"torch": torch.__version__, "blas": blas, "threads": threads}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ids", help="';'-separated row ids to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="1 warm-up, 3 timed runs, no n=4096 sgemm")
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--repetitions", type=int)
    parser.add_argument("--min-repetitions", type=int)
    parser.add_argument("--seconds-per-row", type=float)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--list", action="store_true", help="print the row ids and exit")
    parser.add_argument("--serve", action="store_true",
                        help="read row ids from stdin, answer each with one JSON line (used by zoo bench)")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds to idle before each row in --serve")
    args = parser.parse_args()

    rows = all_rows()
    if args.list:
        print("\n".join(row[0] for row in rows))
        return
    defaults = (1, 3, 3, 1.0) if args.quick else (2, 10, 5, 4.0)
    warmup = args.warmup if args.warmup is not None else defaults[0]
    repetitions = args.repetitions if args.repetitions is not None else defaults[1]
    min_repetitions = min(repetitions, args.min_repetitions if args.min_repetitions is not None else defaults[2])
    seconds = args.seconds_per_row if args.seconds_per_row is not None else defaults[3]
    options = (warmup, repetitions, min_repetitions, seconds)

    known = {row[0]: row for row in rows}
    torch.manual_seed(0)
    if args.serve:
        serve(known, options, args.threads, args.pause)
        return
    if args.ids:
        wanted = [i for i in args.ids.split(";") if i]
    else:
        wanted = [row[0] for row in rows if not (args.quick and row[0].startswith("sgemm n=4096"))]
    missing = [i for i in wanted if i not in known]
    results = []
    todo = [i for i in wanted if i in known]
    for index, row_id in enumerate(todo, 1):
        results.append(run_row(known, row_id, options, args.threads))
        print(f"[torch {index}/{len(todo)}] {row_id}: {results[-1]['ms']:.2f} ms", file=sys.stderr, flush=True)
    json.dump({**header(args.threads), "rows": results, "missing": missing}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
