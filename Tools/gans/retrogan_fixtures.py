#!/usr/bin/env python3
"""Parameter counts and parity fixtures for `retrogan`, from the reference re-implementation
(github.com/SaulZhang/Video_Prediction_ZOO, folder RetrospectiveCycleGAN), for
Tests/ModelTests/RetroGANTests.swift.

The reference code is never committed here. Extract it outside the repository and name the folder that
holds RetrospectiveCycleGAN/:

    git -C <mirror> archive HEAD RetrospectiveCycleGAN | tar -x -C /tmp/ref
    python Tools/gans/retrogan_fixtures.py --ref /tmp/ref --commit <sha> \
        --out Tests/ModelTests/Fixtures/retrogan_parity.json

Needs torch and numpy (the reference's torchvision/PIL imports are stubbed; the networks do not use them).

What it writes:
  * parameterCounts: G, D_A and D_B as the reference's train.py builds them at 64x64 (9 residual blocks);
  * parity: G with one residual block, D_A and D_B, on 32x32 RGB, weights from the formula in common.py
    (keyed by the reference state_dict names, sorted), inputs from the same formula (common.seeded_input); outputs in float64;
  * losses: the generator's and discriminators' losses of train.py on one 5-frame clip, computed
    with the reference modules and the reference Laplacian, in float64.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import fill, seeded_input, stub_modules, tensor_json, trainable_count  # noqa: E402


def reverse_frames(frames):
    return list(reversed(frames))


def losses(G, D_A, D_B, lap, clip):
    """train.py's losses for one batch `clip` [B, 5, C, H, W] (the same sums and means, written out)."""
    f = [clip[:, i] for i in range(clip.shape[1])]
    k = len(f) - 1
    cat = lambda xs: torch.cat(xs, 1)
    A1 = G(cat(f[:k]))                                   # x'_n
    B1 = G(cat(reverse_frames(f[1:])))                   # x'_m
    A11 = G(cat([B1] + f[1:k]))                          # x''_n
    B11 = G(cat([A1] + reverse_frames(f[1:k])))          # x''_m
    l1 = lambda a, b: (a - b).abs().mean()
    mse = lambda a, t: ((a - t) ** 2).mean()
    pairs = [(f[k], A1), (f[k], A11), (A1, A11), (f[0], B1), (f[0], B11), (B1, B11)]
    image = sum(l1(a, b) for a, b in pairs) / 6
    log = sum(l1(lap(a), lap(b)) for a, b in pairs) / 6
    frame = sum(mse(D_A(y), 1) for y in (A1, B1, A11, B11)) / 4
    clips = [cat([B1] + f[1:k] + [f[k]]), cat([B11] + f[1:k] + [A1]), cat([f[0]] + f[1:k] + [A1]),
             cat([B1] + f[1:k] + [A11])]
    seq = sum(mse(D_B(c), 1) for c in clips) / 4
    total = image + 0.005 * log + 0.003 * frame + 0.003 * seq
    d_a = (mse(D_A(f[k]), 1) + mse(D_A(f[0]), 1) + sum(mse(D_A(y), 0) for y in (A1, A11, B1, B11))) / 6
    d_b = (mse(D_B(cat(f)), 1) + sum(mse(D_B(c), 0) for c in clips)) / 5
    return {"loss_G": total, "loss_image": image, "loss_LoG": log, "loss_G_frame": frame, "loss_G_seq": seq,
            "loss_D_frame": d_a, "loss_D_seq": d_b, "futurePrediction": A1, "pastPrediction": B1,
            "futureRetro": A11, "pastRetro": B11}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True, help="folder holding RetrospectiveCycleGAN/ of the reference")
    ap.add_argument("--commit", default="unknown", help="the reference commit, recorded in the fixture")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    stub_modules(["torchvision.utils", "PIL", "tensorboardX"])
    sys.path.insert(0, os.path.join(args.ref, "RetrospectiveCycleGAN"))
    import models  # the reference's networks
    import laplacian_of_guassian as log_module

    counts = {}
    shape64 = (20, 5, 3, 64, 64)
    counts["G"] = trainable_count(models.GeneratorResNet(shape64, 9))
    counts["D_A"] = trainable_count(models.DiscriminatorA(shape64))
    counts["D_B"] = trainable_count(models.DiscriminatorB(shape64))

    size = 32
    shape = (2, 5, 3, size, size)
    G = models.GeneratorResNet(shape, 1)
    D_A = models.DiscriminatorA(shape)
    D_B = models.DiscriminatorB(shape)
    entries = {"G": fill(G), "D_A": fill(D_A), "D_B": fill(D_B)}
    clip = seeded_input(shape, 1000)
    g_in = clip[:, :4].reshape(2, 12, size, size)
    lap = log_module.Laplacian()
    for m in (G, D_A, D_B):
        m.double()
    with torch.no_grad():
        c64 = clip.double()
        out = {
            "generator": G(g_in.double()),
            "frameDiscriminator": D_A(c64[:, 4]),
            "sequenceDiscriminator": D_B(c64.reshape(2, 15, size, size)),
        }
        loss_values = losses(G, D_A, D_B, lambda x: _lap64(lap, x), c64)

    fixture = {
        "reference": "github.com/SaulZhang/Video_Prediction_ZOO (RetrospectiveCycleGAN/)",
        "commit": args.commit, "torch": torch.__version__, "script": "Tools/gans/retrogan_fixtures.py",
        "parameterCounts": counts,
        "config": {"size": size, "batch": 2, "channels": 3, "residualBlocks": 1},
        "parameters": entries,
        "clipSeed": 1000,
        "outputs": {k: tensor_json(v) for k, v in out.items()},
        "losses": {k: float(v) for k, v in loss_values.items() if v.dim() == 0},
    }
    with open(args.out, "w") as fh:
        json.dump(fixture, fh, separators=(",", ":"))
    print(json.dumps(counts), "->", args.out)


def _lap64(lap, x):
    """The reference Laplacian in float64: its window is a float32 tensor, widened here."""
    channel = x.shape[1]
    window = lap.window.double().expand(channel, 1, 9, 9).contiguous()
    return torch.nn.functional.conv2d(x, window, padding=4, groups=channel)


if __name__ == "__main__":
    main()
