#!/usr/bin/env python3
"""Convert a reference RVD checkpoint (github.com/buggyyang/RVD, `torch.save({"step", "model", "ema"})`
from modules/trainer.py, or a bare state_dict) into a zoo HDF5 checkpoint.

Our parameter names ARE the reference state_dict keys (`denoise_fn.downs.0.0.block1.block.0.weight`,
`history_fn.…`, `transform_fn.…`), so the conversion is a copy: no renaming. The diffusion buffers of
`GaussianDiffusion` (betas, alphas_cumprod, posterior_*; recomputed by NoiseSchedule) are dropped after
checking them against a cosine schedule of the same length. A VD checkpoint (no `transform_fn.*` keys)
converts to model "vd".

The zoo file's identity (model, preset, config JSON) comes from a template: any zoo checkpoint of the
same preset, e.g. one written by `zoo train rvd --preset bair64 --steps 0 --out /tmp/t` (its last.h5).
Every template parameter must be present with the same shape (strict, as `zoo eval` loads).

    python Tools/rvd/convert_checkpoint.py --reference model_0.pt --template /tmp/t/last.h5 --out rvd-bair.h5

Layout written (Sources/ZooCore/ZooRuntime/Checkpoint/Checkpoint.swift): root attributes copied from
the template (format, formatVersion, model, preset, config, zooVersion; step from the reference), /params/<name>
(the reference "model" weights, which test_video.py samples with) and /ema/params/<name> (its "ema").
"""
import argparse
import math

import h5py
import numpy as np
import torch

BUFFERS = {"betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
           "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
           "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
           "posterior_mean_coef1", "posterior_mean_coef2"}


def cosine_alphas_cumprod(n, s=0.008):
    x = np.arange(n + 1) / n
    f = np.cos((x + s) / (1 + s) * math.pi * 0.5) ** 2
    betas = np.clip(1 - f[1:] / f[:-1], 0, 0.999)
    return np.cumprod(1 - betas)


def split(state):
    """Parameters (ours) and buffers (dropped) of a reference state_dict, without DDP's `module.` prefix."""
    params, buffers = {}, {}
    for key, value in state.items():
        key = key[len("module."):] if key.startswith("module.") else key
        (buffers if key in BUFFERS else params)[key] = value.detach().cpu().float().numpy()
    return params, buffers


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True, help="the reference .pt (trainer checkpoint or state_dict)")
    ap.add_argument("--template", required=True, help="a zoo checkpoint of the same preset (identity and names)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    data = torch.load(args.reference, map_location="cpu")
    model_state = data["model"] if isinstance(data, dict) and "model" in data else data
    ema_state = data.get("ema") if isinstance(data, dict) else None
    params, buffers = split(model_state)
    ema = split(ema_state)[0] if ema_state is not None else {}

    if "alphas_cumprod" in buffers:
        n = buffers["alphas_cumprod"].shape[0]
        expected = cosine_alphas_cumprod(n)
        if not np.allclose(buffers["alphas_cumprod"], expected, rtol=1e-5, atol=1e-9):
            raise SystemExit(f"the checkpoint's schedule is not the cosine schedule of {n} steps")

    with h5py.File(args.template, "r") as t:
        attrs = dict(t.attrs)
        names = {}
        t["/params"].visititems(lambda name, obj: names.__setitem__(name, obj.shape)
                                if isinstance(obj, h5py.Dataset) else None)
    missing = sorted(set(names) - set(params))
    unexpected = sorted(set(params) - set(names))
    wrong = sorted(n for n in names if n in params and tuple(params[n].shape) != tuple(names[n]))
    if missing or unexpected or wrong:
        raise SystemExit(f"keys differ from the template: missing {missing[:10]}, unexpected {unexpected[:10]}, "
                         f"shape mismatches {wrong[:10]}")
    if attrs.get("model") == "rvd" and not any(k.startswith("transform_fn.") for k in params):
        raise SystemExit("a VD checkpoint (no transform_fn) needs a vd template")

    with h5py.File(args.out, "w") as f:
        for key in ["format", "formatVersion", "model", "preset", "config", "zooVersion", "seed"]:
            if key in attrs:
                f.attrs[key] = attrs[key]
        f.attrs["step"] = np.int64(data.get("step", 0) if isinstance(data, dict) else 0)
        for name in sorted(params):
            f.create_dataset("/params/" + name, data=params[name].astype(np.float32))
        for name in sorted(ema):
            f.create_dataset("/ema/params/" + name, data=ema[name].astype(np.float32))
    print(f"wrote {args.out}: {len(params)} parameters ({sum(v.size for v in params.values()):,} scalars), "
          f"{len(ema)} EMA entries, {len(buffers)} buffers dropped")


if __name__ == "__main__":
    main()
