#!/usr/bin/env python3
"""Production-path parity fixtures for RVD and VD: the reference's training loss (GaussianDiffusion.forward)
with its parameter gradients, and its sampling loop (GaussianDiffusion.sample, ancestral p_sample with the
x0 clamp), driven by the same random draws zoo's production code makes, for Tests/ModelTests/RVDProductionTests.swift.

zoo's RVD draws from its RandomGenerator (xoshiro256**, seeded through SplitMix64; normals by Box-Muller in
double precision, both values of a pair used; integers by Lemire's multiply-shift as Swift's
`next(upperBound:)`). `ZooRandom` below reimplements that generator, so this script knows the timesteps and
noise zoo's `RVD.loss(_:rng:)` and `RVD.sample(context:frameCount:rng:)` will draw for a seed, and hands the
same values to the reference in place of its torch.randint / torch.randn_like / torch.randn / noise_like
calls, in the order zoo draws them:

  loss:   the B timesteps, then for each frame i >= 2 one noise tensor [B, C, H, W];
  sample: for each generated frame, the start noise [B, C, H, W], then one noise tensor per step with t > 0
          (zoo's DDPM step draws nothing at t = 0; the reference draws and masks it, so it gets zeros).

Weights are filled by make_parity_fixtures.py's formula (the same widths: dim 8, 16x16 RGB, 50 steps). The
reference runs in float64 from the float32 weights and inputs. VD is the same model with transform_fn None
(RVD's `residual` off). Gradients are stored per parameter as their L2 norm and their dot product with a
formula vector (`projection_values`), which any wrong element moves, plus the full gradient of a few
parameters.

    python Tools/rvd/make_production_fixtures.py --ref /tmp/rvd-ref --commit <sha> \
        --out Tests/ModelTests/Fixtures/rvd_production.json
"""
import argparse
import json
import math
import os
import sys
import types

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_parity_fixtures import fill, flat  # noqa: E402

MASK = (1 << 64) - 1


class ZooRandom:
    """zoo's RandomGenerator (Sources/ZooCore/ZooTensor/Tensor/Random.swift), reimplemented."""

    def __init__(self, seed):
        s = seed & MASK
        words = []
        for _ in range(4):
            s = (s + 0x9E3779B97F4A7C15) & MASK
            z = s
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            words.append(z ^ (z >> 31))
        self.s = words
        self.spare = None

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s = self.s
        result = (self._rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def normal(self):
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        u1 = max((self.next() >> 11) * 2.0 ** -53, 1e-300)
        u2 = (self.next() >> 11) * 2.0 ** -53
        r = math.sqrt(-2 * math.log(u1))
        theta = 2 * math.pi * u2
        self.spare = float(np.float32(r * math.sin(theta)))
        return float(np.float32(r * math.cos(theta)))

    def int_below(self, n):
        """Swift's next(upperBound:) (Lemire)."""
        m = self.next() * n
        low = m & MASK
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                m = self.next() * n
                low = m & MASK
        return m >> 64

    def noise(self, shape):
        count = int(np.prod(shape))
        return np.array([self.normal() for _ in range(count)], dtype=np.float32).reshape(shape)


def projection_values(shape, p):
    """The vector each gradient is projected on: the weight formula's hash with index p + 1000, in [-1, 1)."""
    n = int(np.prod(shape)) if len(shape) else 1
    k = np.arange(n, dtype=np.uint64)
    h = (k * np.uint64(2654435761) + np.uint64(p + 1000) * np.uint64(40503) + np.uint64(12345)) % np.uint64(2**32)
    return (h.astype(np.float64) / 2.0**32 * 2 - 1).reshape(shape)


def build(ref_modules, cfg, residual):
    Unet, HistoryNet, CondNet, GaussianDiffusion = ref_modules
    c = cfg["channels"]
    denoise = Unet(dim=cfg["dim"], context_dim_factor=1, channels=c, dim_mults=tuple(cfg["dim_mults"]))
    context_net = CondNet(dim=cfg["dim"], channels=c, backbone="resnet", dim_mults=tuple(cfg["dim_mults"]))
    transform = HistoryNet(dim=cfg["dim"], channels=c, context_mode="residual",
                           dim_mults=tuple(cfg["transform_dim_mults"]), backbone="resnet") if residual else None
    diffusion = GaussianDiffusion(denoise_fn=denoise, history_fn=context_net, transform_fn=transform,
                                  pred_mode="noise", clip_noise=True, timesteps=cfg["steps"], loss_type="l1",
                                  aux_loss=False)
    return diffusion


def loss_case(diffusion, cfg, dtype, clips, seed):
    """GaussianDiffusion.forward on clips [B, T, C, H, W] with zoo's draws for `seed`: loss and gradients."""
    rng = ZooRandom(seed)
    b, frames = clips.shape[0], clips.shape[1]
    steps = [rng.int_below(cfg["steps"]) for _ in range(b)]
    noises = [rng.noise(clips.shape[:1] + clips.shape[2:]) for _ in range(2, frames)]
    model = diffusion.to(dtype)
    model.train()
    model.zero_grad()
    queue = list(noises)
    original_randint, original_randn_like = torch.randint, torch.randn_like
    torch.randint = lambda *a, **k: torch.tensor(steps, dtype=torch.long)
    torch.randn_like = lambda x, **k: torch.tensor(queue.pop(0), dtype=x.dtype)
    try:
        torch.set_default_dtype(dtype)          # the step embedding's arange follows the default dtype
        video = torch.tensor(clips, dtype=dtype).transpose(0, 1).contiguous()      # [T, B, C, H, W]
        loss = model(video)
        loss.backward()
    finally:
        torch.set_default_dtype(torch.float32)
        torch.randint, torch.randn_like = original_randint, original_randn_like
    assert not queue, "the reference used fewer noise tensors than zoo draws"
    grads = {n: p.grad.detach().double().numpy().copy() for n, p in model.named_parameters()}
    return float(loss.detach()), grads, steps


def sample_case(diffusion, cfg, dtype, context, frames, seed, module):
    """GaussianDiffusion.sample after `context` [B, Tc, C, H, W] with zoo's draws for `seed`."""
    rng = ZooRandom(seed)
    b = context.shape[0]
    shape = (b,) + context.shape[2:]
    draws = []
    for _ in range(frames):
        draws.append(rng.noise(shape))
        for t in reversed(range(cfg["steps"])):
            draws.append(rng.noise(shape) if t > 0 else np.zeros(shape, dtype=np.float32))
    model = diffusion.to(dtype)
    model.eval()
    queue = list(draws)
    original_randn, original_noise_like = torch.randn, module.noise_like
    torch.randn = lambda *a, **k: torch.tensor(queue.pop(0), dtype=dtype)
    module.noise_like = lambda *a, **k: torch.tensor(queue.pop(0), dtype=dtype)
    module.tqdm = lambda iterable, **k: iterable
    try:
        torch.set_default_dtype(dtype)
        with torch.no_grad():
            video = model.sample(torch.tensor(context, dtype=dtype).transpose(0, 1).contiguous(), frames)
    finally:
        torch.set_default_dtype(torch.float32)
        torch.randn, module.noise_like = original_randn, original_noise_like
    assert not queue, "the reference used fewer noise tensors than zoo draws"
    generated = video[context.shape[1]:].clamp(-1, 1).transpose(0, 1)             # [B, frames, C, H, W]
    return generated.detach().double().numpy()


def rel_l2(a, r):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(r)) / max(np.linalg.norm(r), 1e-300))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True, help="extracted reference repository")
    ap.add_argument("--commit", required=True, help="the reference commit, recorded in the fixture")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from reference_stubs import install
    install()                           # kornia and einops, where missing (see reference_stubs.py)
    sys.path.insert(0, args.ref)
    from modules.unet import Unet
    from modules.temporal_models import HistoryNet, CondNet
    import modules.denoising_diffusion as dd
    ref_modules = (Unet, HistoryNet, CondNet, dd.GaussianDiffusion)
    torch.set_num_threads(1)

    cfg = dict(dim=8, dim_mults=[1, 2, 2], transform_dim_mults=[1, 2, 2], channels=3, size=16, batch=2,
               steps=50, train_frames=4, context_frames=2, sample_frames=2, loss_seed=11, sample_seed=12)
    g = np.random.default_rng(5)
    clips = g.uniform(-1, 1, (cfg["batch"], cfg["train_frames"], 3, 16, 16)).astype(np.float32)
    context = g.uniform(-1, 1, (cfg["batch"], cfg["context_frames"], 3, 16, 16)).astype(np.float32)

    cases = []
    for residual in (True, False):
        diffusion = build(ref_modules, cfg, residual)
        names = fill(diffusion)
        param_names = sorted(n for n, _ in names)
        loss64, grads64, steps = loss_case(diffusion, cfg, torch.float64, clips, cfg["loss_seed"])
        loss32, grads32, _ = loss_case(build_and_fill(ref_modules, cfg, residual), cfg, torch.float32, clips,
                                       cfg["loss_seed"])
        gradients = []
        for p, name in enumerate(param_names):
            g64 = grads64[name]
            v = projection_values(g64.shape, p)
            gradients.append({"name": name, "norm": float(np.linalg.norm(g64)), "dot": float((g64 * v).sum())})
        largest = max(g["norm"] for g in gradients)
        # Full gradients of the four smallest parameters whose gradient is not ~0 (biases in front of a
        # GroupNorm have gradients of 1e-18, rounding noise), plus the largest gradient.
        sizeable = sorted((grads64[g["name"]].size, g["name"]) for g in gradients if g["norm"] > 1e-2 * largest)
        full = [n for _, n in sizeable[:4]] + [max(gradients, key=lambda g: g["norm"])["name"]]
        sample64 = sample_case(diffusion, cfg, torch.float64, context, cfg["sample_frames"], cfg["sample_seed"], dd)
        sample32 = sample_case(build_and_fill(ref_modules, cfg, residual), cfg, torch.float32, context,
                               cfg["sample_frames"], cfg["sample_seed"], dd)
        cases.append({
            "model": "rvd" if residual else "vd",
            "residual": residual,
            "parameterCount": int(sum(int(np.prod(s)) for _, s in names)),
            "lossSteps": steps,
            "loss": loss64,
            "gradients": gradients,
            "fullGradients": {n: {"shape": list(grads64[n].shape), "values": flat(torch.tensor(grads64[n]))}
                              for n in full},
            "sample": {"shape": list(sample64.shape), "values": flat(torch.tensor(sample64))},
            "torchFloat32Error": {
                "loss": abs(loss32 - loss64) / abs(loss64),
                # per parameter ||g32 - g64|| / max(||g64||, 1e-3 * the largest gradient norm): gradients of
                # biases in front of a GroupNorm are 0 up to rounding (1e-18), where a relative error means nothing
                "gradient": max(float(np.linalg.norm(grads32[n] - grads64[n]))
                                / max(float(np.linalg.norm(grads64[n])), 1e-3 * largest) for n in param_names),
                "sampleL2": rel_l2(sample32, sample64),
                "sampleMax": float(np.abs(sample32 - sample64).max()),
            },
        })
        print(f"{cases[-1]['model']}: loss {loss64:.6f} (steps {steps}), {len(gradients)} gradients, "
              f"torch float32 errors {cases[-1]['torchFloat32Error']}")
    fixture = {
        "reference": "github.com/buggyyang/RVD",
        "commit": args.commit,
        "torch": torch.__version__,
        "script": "Tools/rvd/make_production_fixtures.py",
        "config": cfg,
        "clips": {"shape": list(clips.shape), "values": [float(v) for v in clips.reshape(-1)]},
        "context": {"shape": list(context.shape), "values": [float(v) for v in context.reshape(-1)]},
        "cases": cases,
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")


def build_and_fill(ref_modules, cfg, residual):
    diffusion = build(ref_modules, cfg, residual)
    fill(diffusion)
    return diffusion


if __name__ == "__main__":
    main()
