#!/usr/bin/env python3
"""Parity fixtures for RVD: run the reference PyTorch modules (github.com/buggyyang/RVD) on fixed weights
and inputs and record their outputs, for Tests/ModelTests/RVDParityTests.swift.

The reference code is never committed. Fetch it and extract it outside the repository, then:

    git -C <mirror> archive HEAD | tar -x -C /tmp/rvd-ref
    python Tools/rvd/make_parity_fixtures.py --ref /tmp/rvd-ref --commit <sha> \
        --out Tests/ModelTests/Fixtures/rvd_parity_small.json
    python Tools/rvd/make_parity_fixtures.py --ref /tmp/rvd-ref --commit <sha> --full \
        --out /tmp/rvd_parity_full.json          # bair64 width, B = 1 (large; not committed)

Needs torch and numpy (tqdm and kornia are imported by the reference but unused here; they, and einops when
missing, are replaced by reference_stubs.py).

Reference outputs are computed in float64 from the float32 weights and inputs; `torchFloat32Error` records
PyTorch's own float32 error against them (the relative metric of RVDParityTests.swift).

Weights are not stored: every parameter is filled by a formula both sides compute (`formula_values`),
walking the state_dict keys in sorted order. With k the row-major element index and p the parameter's
index in sorted order, u = ((k·2654435761 + p·40503 + 12345) mod 2^32) / 2^32 · 2 − 1 (a hash in [−1, 1)):
    tensor of rank >= 2: u · sqrt(3 / (shape[1] · prod(shape[2:])))
    GroupNorm weight ("block.1.weight") and LayerNorm gain (".g"): 1 + 0.1 u
    any other rank-1 tensor: 0.1 u
(computed in float64, rounded to float32). Inputs are stored.
"""
import argparse
import copy
import json
import math
import os
import sys
import types

import numpy as np
import torch


def formula_values(name, shape, p):
    n = int(np.prod(shape)) if len(shape) else 1
    k = np.arange(n, dtype=np.uint64)
    h = (k * np.uint64(2654435761) + np.uint64(p) * np.uint64(40503) + np.uint64(12345)) % np.uint64(2**32)
    s = h.astype(np.float64) / 2.0**32 * 2 - 1
    if len(shape) >= 2:
        fan = shape[1] * int(np.prod(shape[2:])) if len(shape) > 2 else shape[1]
        v = s * math.sqrt(3.0 / fan)
    elif name.endswith("block.1.weight") or name.endswith(".g"):
        v = 1 + 0.1 * s
    else:
        v = 0.1 * s
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def fill(module):
    names = sorted(module.state_dict().keys())
    params = dict(module.named_parameters())
    with torch.no_grad():
        for p, name in enumerate(names):
            if name in params:
                params[name].copy_(formula_values(name, tuple(params[name].shape), p))
    return [(n, list(params[n].shape)) for n in names if n in params]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).numpy().astype(np.float64)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True, help="extracted reference repository")
    ap.add_argument("--commit", required=True, help="the reference commit, recorded in the fixture")
    ap.add_argument("--out", required=True)
    ap.add_argument("--full", action="store_true", help="bair64 widths (dim 48, 64x64 RGB), batch 1")
    args = ap.parse_args()

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from reference_stubs import install
    install()                           # kornia and einops, where missing (see reference_stubs.py)
    sys.path.insert(0, args.ref)
    from modules.unet import Unet
    from modules.temporal_models import HistoryNet, CondNet
    from modules.denoising_diffusion import GaussianDiffusion

    if args.full:
        cfg = dict(dim=48, dim_mults=[1, 2, 4, 8], transform_dim_mults=[1, 2, 2, 4], channels=3, size=64,
                   batch=1, frames=3, steps=1600, t=[1234])
    else:
        cfg = dict(dim=8, dim_mults=[1, 2, 2], transform_dim_mults=[1, 2, 2], channels=3, size=16,
                   batch=2, frames=3, steps=50, t=[7, 31])
    torch.manual_seed(0)
    c, h, b, T = cfg["channels"], cfg["size"], cfg["batch"], cfg["frames"]
    denoise = Unet(dim=cfg["dim"], context_dim_factor=1, channels=c, dim_mults=tuple(cfg["dim_mults"]))
    context_net = CondNet(dim=cfg["dim"], channels=c, backbone="resnet", dim_mults=tuple(cfg["dim_mults"]))
    transform = HistoryNet(dim=cfg["dim"], channels=c, context_mode="residual",
                           dim_mults=tuple(cfg["transform_dim_mults"]), backbone="resnet")
    diffusion = GaussianDiffusion(denoise_fn=denoise, history_fn=context_net, transform_fn=transform,
                                  pred_mode="noise", clip_noise=True, timesteps=cfg["steps"], loss_type="l1",
                                  aux_loss=False)
    diffusion.eval()
    names = fill(diffusion)

    g = torch.Generator().manual_seed(1)
    video = torch.rand(T, b, c, h, h, generator=g) * 2 - 1          # frames in [-1, 1], [T, B, C, H, W]
    noisy = torch.randn(b, c, h, h, generator=g)
    t = torch.tensor(cfg["t"], dtype=torch.long)

    def run(model, dtype):
        model = model.to(dtype)
        x, y = video.to(dtype), noisy.to(dtype)
        torch.set_default_dtype(dtype)          # the step embedding's arange follows the default dtype
        with torch.no_grad():
            model.history_fn.init_state((b, 1, h, h))
            model.transform_fn.init_state((b, 1, h, h))
            mus = []
            for i in range(T):
                ctx = model.history_fn(x[i])
                mu, sigma = model.transform_fn(x[i])
                mus.append(mu)
            eps = model.denoise_fn(y, t, context=ctx)
            mean, _, logvar = model.p_mean_variance(x=y, t=t, context=ctx, clip_denoised=True)
        torch.set_default_dtype(torch.float32)
        return dict(context=ctx, mu=mus, epsilon=[eps], posteriorMean=[mean], logvar=logvar)

    # The reference values are computed in float64 (the same float32 weights and inputs, widened), so
    # they hold the exact answer; torch's own float32 error against them is recorded for comparison.
    single = run(copy.deepcopy(diffusion), torch.float32)
    double = run(diffusion, torch.float64)

    def rel(a, r):
        a, r = a.double().numpy(), r.numpy()
        scale = np.abs(r).max()
        return float((np.abs(a - r) / np.maximum(np.abs(r), 0.01 * scale)).max())

    def rel_l2(a, r):
        a, r = a.double().numpy(), r.numpy()
        return float(np.linalg.norm(a - r) / np.linalg.norm(r))

    keys = ["context", "mu", "epsilon", "posteriorMean"]
    torch_error = {k: max(rel(a, r) for a, r in zip(single[k], double[k])) for k in keys}
    torch_error_l2 = {k: max(rel_l2(a, r) for a, r in zip(single[k], double[k])) for k in keys}
    ctx, mus, eps, mean, logvar = (double["context"], double["mu"], double["epsilon"][0],
                                   double["posteriorMean"][0], double["logvar"])

    fixture = {
        "reference": "github.com/buggyyang/RVD",
        "commit": args.commit,
        "torch": torch.__version__,
        "script": "Tools/rvd/make_parity_fixtures.py" + (" --full" if args.full else ""),
        "config": cfg,
        "parameters": [{"name": n, "shape": s} for n, s in names],
        "parameterCount": int(sum(int(np.prod(s)) for _, s in names)),
        "video": {"shape": list(video.shape), "values": flat(video)},
        "noisy": {"shape": list(noisy.shape), "values": flat(noisy)},
        "context": [{"shape": list(x.shape), "values": flat(x)} for x in ctx],
        "mu": [{"shape": list(m.shape), "values": flat(m)} for m in mus],
        "epsilon": {"shape": list(eps.shape), "values": flat(eps)},
        "posteriorMean": {"shape": list(mean.shape), "values": flat(mean)},
        "posteriorLogVariance": flat(logvar.reshape(-1)),
        "alphasCumprod": flat(diffusion.alphas_cumprod),
        "torchFloat32Error": torch_error,
        "torchFloat32ErrorL2": torch_error_l2,
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"wrote {args.out}: {len(names)} parameters, {fixture['parameterCount']} scalars")


if __name__ == "__main__":
    main()
