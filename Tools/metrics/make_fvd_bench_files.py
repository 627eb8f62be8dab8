#!/usr/bin/env python3
"""Write the input files of the FVD timing benchmark (docs/benchmarks.md): N clips of T frames at SxS RGB.

Usage: make_fvd_bench_files.py OUT_FOLDER [--clips 256] [--frames 16] [--size 64] [--seed 0]

Writes OUT_FOLDER/truth.h5 (uint8 `frames` [N, T, S, S, 3]: moving colour gradients plus noise) and
OUT_FOLDER/pred.h5 (uint8 `frames` [N, 1, T, S, S, 3]: the truth with Gaussian noise of sigma 16 added), the
layout `zoo metrics` reads. Needs numpy and h5py. Then, from the repository root:

    .build/release/zoo metrics --truth OUT/truth.h5 --pred OUT/pred.h5 --metrics fvd --json
"""
import argparse
import os

import h5py
import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--clips", type=int, default=256)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    n, t, s = args.clips, args.frames, args.size
    y, x = np.mgrid[0:s, 0:s].astype(np.float32)
    truth = np.empty((n, t, s, s, 3), dtype=np.uint8)
    for i in range(n):
        speed = rng.uniform(-3, 3, size=(3, 2))
        phase = rng.uniform(0, 2 * np.pi, size=3)
        freq = rng.uniform(0.05, 0.3, size=3)
        for k in range(t):
            planes = [127.5 + 100 * np.sin(freq[c] * (x + speed[c, 0] * k) + 0.7 * freq[c] * (y + speed[c, 1] * k)
                                           + phase[c]) for c in range(3)]
            frame = np.stack(planes, axis=-1) + rng.normal(0, 6, size=(s, s, 3))
            truth[i, k] = np.clip(np.rint(frame), 0, 255)
    pred = np.clip(np.rint(truth.astype(np.float32) + rng.normal(0, 16, size=truth.shape)), 0, 255).astype(np.uint8)
    os.makedirs(args.out, exist_ok=True)
    with h5py.File(os.path.join(args.out, "truth.h5"), "w") as f:
        f.create_dataset("frames", data=truth)
    with h5py.File(os.path.join(args.out, "pred.h5"), "w") as f:
        f.create_dataset("frames", data=pred[:, None])
    print(f"wrote {args.out}/truth.h5 {truth.shape} and {args.out}/pred.h5 {pred[:, None].shape}")


if __name__ == "__main__":
    main()
