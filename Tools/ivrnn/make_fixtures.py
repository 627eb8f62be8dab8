#!/usr/bin/env python3
"""Parameter counts and a parity fixture for IVRNN, made by the official code
(github.com/facebookresearch/improved_vrnn), for Tests/ModelTests/IVRNNTests.swift.

The official code is never committed here. Extract it outside the repository and name the folder:

    git -C <mirror> archive HEAD | tar -x -C /tmp/ivrnn-ref
    python Tools/ivrnn/make_fixtures.py --ref /tmp/ivrnn-ref --commit <sha> \
        --out Tests/ModelTests/Fixtures/ivrnn_parity_small.json

It imports `models/vrnn.py` and `models/vrnn_hier.py`. The latter imports a module `vrnn_layers` that the
release lacks; it is the layer set of `layers.py`, so this script registers `layers` under that name
before the import (nothing is written into the official folder).

Counts: `vrnn` and `vrnn_hier` at the released sizes (n_hid 64, n_z 10, 64x64 RGB, 2 context frames), per
part (the top-level module lists) and in all; printed and stored in the fixture.

Parity: both models at n_hid 16 (64x64, the resolution the official architecture is written for), one
clip of 2 context + 2 future frames (`vrnn` RGB, `vrnn_hier` gray). Weights, frames and the posterior
noise are not stored: both sides compute them from one formula. With k the row-major element index and p
a tensor's number (for weights: the parameter's index among the sorted state_dict keys),
u = ((k*2654435761 + p*40503 + 12345) mod 2^32) / 2^32 * 2 - 1 in [-1, 1):
    weights of rank >= 2: u * sqrt(3 / (shape[1] * prod(shape[2:])))
    rank-1 ".weight" (GroupNorm gains): 1 + 0.1 u;  other rank-1 (biases): 0.1 u
    frames [B, T, C, H, W] (p = 1000): (u + 1) / 2
    posterior noise of latent level l [B, S, o, h, w] (p = 2000 + l): sqrt(3) u
(computed in float64, rounded to float32). The official sampler `flows.gaussian_rsample` is replaced by
one that uses that noise, so the training forward (`use_prior=False`) is deterministic. The reference
outputs are computed in float64 from the float32 weights and inputs; PyTorch's own float32 error against
them is recorded.

Outputs (float32, little-endian, base64): the encoder's 1x1 and 8x8 features, each level's posterior and
prior mean and log-variance, the rendered frames, and the losses (L1 reconstruction, the official
single-sample KL, the analytic KL, total with beta 1). The rendered frames are stored whole; any other
tensor with more than 8,192 elements is stored as every k-th element (k = ceil(n / 2048)) together with
the L2 norm of the whole tensor.
"""
import argparse
import base64
import copy
import json
import math
import sys

import numpy as np
import torch

LIMIT = 8192
SUBSAMPLE = 2048


def hash_uniform(n, p):
    k = np.arange(n, dtype=np.uint64)
    h = (k * np.uint64(2654435761) + np.uint64(p) * np.uint64(40503) + np.uint64(12345)) % np.uint64(2**32)
    return h.astype(np.float64) / 2.0**32 * 2 - 1


def formula_weight(name, shape, p):
    u = hash_uniform(int(np.prod(shape)), p)
    if len(shape) >= 2:
        v = u * math.sqrt(3.0 / (shape[1] * int(np.prod(shape[2:]))))
    elif name.endswith(".weight"):
        v = 1 + 0.1 * u
    else:
        v = 0.1 * u
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def formula_tensor(shape, p, kind):
    u = hash_uniform(int(np.prod(shape)), p)
    v = (u + 1) / 2 if kind == "frames" else math.sqrt(3) * u
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def fill(model):
    names = sorted(model.state_dict().keys())
    params = dict(model.named_parameters())
    with torch.no_grad():
        for p, name in enumerate(names):
            if name in params:
                params[name].copy_(formula_weight(name, tuple(params[name].shape), p))


def parts(model):
    out = {}
    for name, child in model.named_children():
        out[name] = sum(p.numel() for p in child.parameters())
    return out


def encode(t, whole=False):
    a = t.detach().double().reshape(-1).numpy()
    entry = {"shape": list(t.shape)}
    if a.size > LIMIT and not whole:
        stride = math.ceil(a.size / SUBSAMPLE)
        entry["stride"] = stride
        entry["norm"] = float(np.linalg.norm(a))
        a = a[::stride]
    entry["data"] = base64.b64encode(a.astype("<f4").tobytes()).decode()
    return entry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True, help="folder holding the extracted official repository")
    ap.add_argument("--commit", required=True, help="the official commit, recorded in the fixture")
    ap.add_argument("--out", help="fixture path (without it, only the counts are printed)")
    args = ap.parse_args()

    sys.path.insert(0, args.ref)
    import layers
    sys.modules["vrnn_layers"] = layers           # the module vrnn_hier.py names; it is layers.py
    import flows
    import losses
    from models.vrnn import Model as VRNN
    from models.vrnn_hier import Model as VRNNHier

    counts = {}
    for key, cls in [("vrnn", VRNN), ("vrnn_hier", VRNNHier)]:
        model = cls(3, 2, n_hid=64, n_z=10)
        counts[key] = {"total": sum(p.numel() for p in model.parameters()), "parts": parts(model)}
        print(key, "(n_hid 64, n_z 10, RGB, 2 context frames):", counts[key]["total"], counts[key]["parts"])
    if not args.out:
        return

    noise_queue = []

    def rsample(mean, logvar, use_mean=False):
        if use_mean:
            return mean
        eps = noise_queue.pop(0) if noise_queue else torch.zeros_like(mean)
        return mean + torch.exp(0.5 * logvar) * eps.to(mean.dtype)

    flows.gaussian_rsample = rsample

    cases = []
    for key, cls, channels in [("vrnn", VRNN, 3), ("vrnn_hier", VRNNHier, 1)]:
        b, ctx, steps, n_hid, n_z = 1, 2, 2, 16, 10
        model = cls(channels, ctx, n_hid=n_hid, n_z=n_z)
        model.eval()
        fill(model)
        frames = formula_tensor((b, ctx + steps, channels, 64, 64), 1000, "frames")
        arch = model.arch["latent"]
        noise = [formula_tensor((b, steps, o, r, r), 2000 + l, "noise")
                 for l, (o, r) in enumerate(zip(arch["out_ch"], arch["resolution"]))]
        config = {"n_ctx": ctx, "n_steps": steps, "rec_loss": "l1", "beta": 1}

        def run(m, dtype):
            m = m.to(dtype)
            x = frames.to(dtype)
            with torch.no_grad():
                noise_queue[:] = [n.to(dtype) for n in noise]
                emb = m.get_emb(x)
                noise_queue[:] = [n.to(dtype) for n in noise]
                (preds, p, q), _ = m(x, config, False)
                rec = losses.reconstruction_loss(config, preds, x[:, ctx:])
                kl = losses.kl_loss(config, p, q)
                analytic = sum(
                    (0.5 * (pl[1] - ql[1] + (torch.exp(ql[1]) + (ql[0] - pl[0]) ** 2) / torch.exp(pl[1]) - 1))
                    .reshape(b, -1).sum(1) for pl, ql in zip(p, q)).mean()
            out = {"emb_top": emb[-1], "emb_8x8": emb[3], "preds": preds}
            for l, (pl, ql) in enumerate(zip(p, q)):
                out[f"posterior_mean_{l}"], out[f"posterior_logvar_{l}"] = ql[0], ql[1]
                out[f"prior_mean_{l}"], out[f"prior_logvar_{l}"] = pl[0], pl[1]
            scalars = {"loss_rec": float(rec), "loss_kl": float(kl), "loss_kl_analytic": float(analytic),
                       "loss": float(rec + kl)}
            return out, scalars

        single, single_scalars = run(copy.deepcopy(model), torch.float32)
        double, double_scalars = run(model, torch.float64)
        torch_error = {k: float(torch.linalg.norm(single[k].double() - double[k]) / torch.linalg.norm(double[k]))
                       for k in double}
        names = [(n, list(t.shape)) for n, t in model.state_dict().items()]
        cases.append({
            "model": key,
            "config": {"n_hid": n_hid, "n_z": n_z, "channels": channels, "size": 64, "batch": b, "context": ctx,
                       "steps": steps, "latent_out_ch": arch["out_ch"], "latent_resolution": arch["resolution"],
                       "renderer_latent_idx": model.arch["renderer"]["latent_idx"]},
            "parameters": [{"name": n, "shape": s} for n, s in names],
            "parameterCount": sum(p.numel() for p in model.parameters()),
            "outputs": {k: encode(v, whole=(k == "preds")) for k, v in double.items()},
            "losses": double_scalars,
            "torchFloat32ErrorL2": torch_error,
            "torchFloat32Losses": single_scalars,
        })
        print(key, "parity case: n_hid", n_hid, "parameters", cases[-1]["parameterCount"],
              "max torch float32 rel L2", max(torch_error.values()))

    fixture = {
        "reference": "github.com/facebookresearch/improved_vrnn",
        "commit": args.commit,
        "torch": torch.__version__,
        "script": "Tools/ivrnn/make_fixtures.py",
        "counts": counts,
        "cases": cases,
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
