#!/usr/bin/env python3
"""Reference numbers for SVG-LP from the official modules (github.com/edenton/svg, models/*.py), for
Tests/ModelTests/SVGLPTests.swift.

The official code is never committed here. Extract it outside the repository and name the folder:

    git --git-dir=<mirror of edenton/svg> archive HEAD models | tar -x -C /tmp/svg-ref
    python Tools/svglp/make_fixtures.py --ref /tmp/svg-ref --commit <sha> \
        --out Tests/ModelTests/Fixtures/svglp_parity.json

Needs torch and numpy only. The official modules allocate their LSTM states with `.cuda()`; on a CPU-only
torch the script makes `Tensor.cuda` return the tensor itself (nothing else is patched).

What the file holds:
  * `counts`: parameters per part (encoder, decoder, frame_predictor, posterior, prior) of the official
    modules for the three official-architecture presets (bair64-lstm, kth64-lstm, smmnist-lstm), built
    with the README's arguments, and the full state_dict names and shapes (buffers included) of each.
  * `cases`: one per backbone (vgg, dcgan) at 64x64, reduced widths of the recurrent parts (g 16, z 4,
    rnn 32, predictor 2 layers, posterior and prior 1 layer), batch 2, 4 frames, n_past 2:
      - `train`: the official training computation (train_svg_lp.py's `train`, written out below with the
        official modules): per step the encoder outputs, posterior (z, mu, logvar), prior (mu, logvar),
        predictor output, and the decoder output of the last step; the summed MSE, the summed KL (divided
        by the batch) and the loss mse + beta·kld; afterwards some BatchNorm running statistics;
      - `generate`: generate_svg_lp.py's sampling recurrence for one sample (encoder and decoder in train
        mode, as the official script leaves them; LSTMs in eval mode): 2 context frames, 2 generated (the
        last is stored; the first is fed back to make it);
      - `eval`: encoder and decoder outputs with BatchNorm in eval mode (running statistics set by the
        formula again: the passes above changed them).

Weights, inputs and noise are not stored: both sides compute them with one formula. With k the row-major
element index and p a per-tensor index, u = ((k·2654435761 + p·40503 + 12345) mod 2^32) / 2^32 · 2 − 1:
  * parameters, p = index in the sorted list of parameter names:
      BatchNorm weight: 1 + 0.1u; other rank-1 tensors (biases): s·u, with s the case's `bias_scale`
      (--bias-scale; 0.1 for vgg, 0.01 for dcgan); rank ≥ 2: u·√(3 / fan_in) with
      fan_in = shape[1]·∏shape[2:];
  * buffers, p = 100000 + index in the sorted list of running_mean/running_var names:
      running_mean 0.1u, running_var 1 + 0.5u;
  * video [T, B, C, H, W], p = 200000: per frame a level and a contrast (see `video_formula`), values
    in [0, 1);
  * noise of the reparameterisation, p = 300000 + j for the j-th draw of the run: √3·u.
Reference values are computed in float64 from those float32 values; `torchFloat32Error` records PyTorch's
own float32 error against them (relative L2, by output), and `float32Spread` the largest such error over
`--spread` float32 runs whose weights and inputs were each moved by at most one ulp (a rounding
difference's size): how far float32 itself scatters around the float64 truth, output by output.

Conditioning. The parity test holds every output to relative L2 1e-4 against the float64 values, so the
inputs must be ones on which float32 itself lands well inside that: otherwise the test measures rounding
luck, not the implementation. Three things make float32 scatter here, and the defaults avoid them:
  * BatchNorm over the batch of nearly equal values. White-noise clips of one formula have nearly equal
    deep features, and the encoder's last BatchNorm (1x1 maps: one value per clip) then divides rounding
    noise by their tiny spread (the earlier fixture: 1.45e-3 scatter in the posterior at the last step).
    `video_formula` gives each frame its own level and contrast.
  * Large biases ahead of a batch-statistics BatchNorm (cancelled by the mean, leaving rounding noise).
  * The generation recurrence: a generated frame goes through the encoder again, and these randomly
    initialised BatchNorm networks amplify a perturbation of their input by ~1.3x per layer.
The bias scale per backbone was chosen by the scatter it gives (vgg 0.1, dcgan 0.01: each is the one of
the two with every output's `float32Spread` below 1e-4); the script prints the largest ones, check them
when changing anything.
"""
import argparse
import copy
import importlib
import json
import math
import sys

import numpy as np
import torch
import torch.nn as nn


def hash_uniform(n, p):
    k = np.arange(n, dtype=np.uint64)
    h = (k * np.uint64(2654435761) + np.uint64(p) * np.uint64(40503) + np.uint64(12345)) % np.uint64(2**32)
    return h.astype(np.float64) / 2.0**32 * 2 - 1


def formula(shape, p, kind, bias_scale=0.1):
    n = int(np.prod(shape)) if len(shape) else 1
    u = hash_uniform(n, p)
    if kind == "bn_weight":
        v = 1 + 0.1 * u
    elif kind == "running_mean":
        v = 0.1 * u
    elif kind == "running_var":
        v = 1 + 0.5 * u
    elif kind == "video":
        v = (u + 1) / 2
    elif kind == "noise":
        v = math.sqrt(3) * u
    elif len(shape) >= 2:
        fan = shape[1] * int(np.prod(shape[2:]))
        v = u * math.sqrt(3.0 / fan)
    else:
        v = bias_scale * u
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def video_formula(shape, p):
    """The clip [T, B, C, H, W]: frame (t, b) is run j = t·B + b of the flat tensor, with its own level and
    contrast, so that the clips of a batch differ in their statistics (white noise of one formula gives
    deep features nearly equal across the batch, and BatchNorm over the batch then divides rounding noise
    by a tiny spread). With u of element k (p) and (g, o) the halves of u over 2·T·B elements (p + 1):
    contrast c_j = 0.3 + 0.35·(g_j + 1) in [0.3, 1), level l_j = (1 − c_j)·(o_j + 1)/2, and the value
    l_j + c_j·(u_k + 1)/2 in [0, 1), in float64 rounded to float32."""
    n = int(np.prod(shape))
    groups = shape[0] * shape[1]
    u = hash_uniform(n, p)
    go = hash_uniform(2 * groups, p + 1)
    run = np.arange(n) // (n // groups)
    c = 0.3 + 0.35 * (go[:groups] + 1)
    level = (1 - c) * (go[groups:] + 1) / 2
    v = level[run] + c[run] * (u + 1) / 2
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def bn_weight_names(parts):
    out = set()
    for part, module in parts.items():
        for name, m in module.named_modules():
            if isinstance(m, nn.BatchNorm2d):
                out.add(f"{part}.{name}.weight")
    return out


def fill(parts, bias_scale=0.1):
    """Sets every parameter and running statistic of the five parts by the formula."""
    params = {f"{part}.{n}": t for part, m in parts.items() for n, t in m.named_parameters()}
    buffers = {f"{part}.{n}": t for part, m in parts.items() for n, t in m.named_buffers()
               if n.endswith("running_mean") or n.endswith("running_var")}
    bn = bn_weight_names(parts)
    with torch.no_grad():
        for p, name in enumerate(sorted(params)):
            kind = "bn_weight" if name in bn else "other"
            params[name].copy_(formula(tuple(params[name].shape), p, kind, bias_scale))
        for q, name in enumerate(sorted(buffers)):
            kind = "running_mean" if name.endswith("running_mean") else "running_var"
            buffers[name].copy_(formula(tuple(buffers[name].shape), 100000 + q, kind))


def load_official(ref):
    sys.path.insert(0, ref)
    torch.Tensor.cuda = lambda self, *args, **kwargs: self          # CPU-only torch: states stay on the CPU
    mods = {name: importlib.import_module(f"models.{name}")
            for name in ["lstm", "vgg_64", "dcgan_64", "vgg_128", "dcgan_128"]}
    return mods


def build(mods, backbone, size, nc, g, z, rnn, pred_layers, post_layers, prior_layers, batch):
    """The five official modules as train_svg_lp.py builds them."""
    net = mods[f"{backbone}_{size}"]
    lstm = mods["lstm"]
    return {
        "encoder": net.encoder(g, nc),
        "decoder": net.decoder(g, nc),
        "frame_predictor": lstm.lstm(g + z, g, rnn, pred_layers, batch),
        "posterior": lstm.gaussian_lstm(g, z, rnn, post_layers, batch),
        "prior": lstm.gaussian_lstm(g, z, rnn, prior_layers, batch),
    }


PRESETS = {
    # README.md of the official repository (bair, kth) and train_svg_lp.py's defaults (smmnist).
    "bair64-lstm": dict(backbone="vgg", size=64, nc=3, g=128, z=64, rnn=256, pred_layers=2, post_layers=1,
                        prior_layers=1),
    "kth64-lstm": dict(backbone="vgg", size=64, nc=1, g=128, z=24, rnn=256, pred_layers=2, post_layers=1,
                       prior_layers=1),
    "smmnist-lstm": dict(backbone="dcgan", size=64, nc=1, g=128, z=10, rnn=256, pred_layers=2, post_layers=1,
                         prior_layers=1),
}


def counts(mods):
    out = {}
    for preset, cfg in PRESETS.items():
        parts = build(mods, batch=1, **cfg)
        out[preset] = {
            "parts": {name: sum(p.numel() for p in m.parameters()) for name, m in parts.items()},
            "stateDict": [{"name": f"{part}.{n}", "shape": list(t.shape)}
                          for part, m in parts.items() for n, t in m.state_dict().items()],
        }
        out[preset]["total"] = sum(out[preset]["parts"].values())
    return out


class Noise:
    """Replaces the reparameterisation's torch.randn with the formula's draws, in call order."""

    def __init__(self, dtype):
        self.count = 0
        self.dtype = dtype

    def __call__(self, mu, logvar):
        eps = formula(tuple(mu.shape), 300000 + self.count, "noise").to(self.dtype)
        self.count += 1
        return eps * logvar.mul(0.5).exp() + mu


def reset_states(parts, batch, dtype):
    for name in ["frame_predictor", "posterior", "prior"]:
        m = parts[name]
        m.batch_size = batch
        m.hidden = [(h.to(dtype), c.to(dtype)) for h, c in m.init_hidden()]


def run_case(parts, video, n_past, beta, dtype, bias_scale):
    """train_svg_lp.py `train` (without the optimiser step) and generate_svg_lp.py's recurrence."""
    parts = {k: v.to(dtype) for k, v in parts.items()}
    noise = Noise(dtype)
    for name in ["posterior", "prior"]:
        parts[name].reparameterize = noise
    enc, dec, pred, post, prior = (parts[k] for k in ["encoder", "decoder", "frame_predictor", "posterior", "prior"])
    x = [f.to(dtype) for f in video]
    T, B = len(x), x[0].shape[0]
    out = {}
    # --- training computation (all five in train mode) ---
    for m in parts.values():
        m.train()
    reset_states(parts, B, dtype)
    mse, kld = 0, 0
    with torch.no_grad():
        for i in range(1, T):
            h = enc(x[i - 1])
            h_target = enc(x[i])[0]
            if i < n_past:
                h, skip = h
            else:
                h = h[0]
            z_t, mu, logvar = post(h_target)
            _, mu_p, logvar_p = prior(h)
            h_pred = pred(torch.cat([h, z_t], 1))
            x_pred = dec([h_pred, skip])
            mse = mse + nn.functional.mse_loss(x_pred, x[i])
            kl = (torch.log((logvar_p.mul(0.5).exp()) / (logvar.mul(0.5).exp()))
                  + (torch.exp(logvar) + (mu - mu_p) ** 2) / (2 * torch.exp(logvar_p)) - 0.5)
            kld = kld + kl.sum() / B
            out[f"train.h[{i}]"] = h
            out[f"train.z[{i}]"] = z_t
            out[f"train.mu[{i}]"] = mu
            out[f"train.logvar[{i}]"] = logvar
            out[f"train.mu_p[{i}]"] = mu_p
            out[f"train.logvar_p[{i}]"] = logvar_p
            out[f"train.h_pred[{i}]"] = h_pred
        out[f"train.x_pred[{T - 1}]"] = x_pred
        out["train.mse"] = mse.reshape(1)
        out["train.kld"] = kld.reshape(1)
        out["train.loss"] = (mse + beta * kld).reshape(1)
        stats = {"encoder": enc, "decoder": dec}
        for part, first in [("encoder", "c1"), ("decoder", "upc1")]:
            bns = [(n, m) for n, m in stats[part].named_modules() if isinstance(m, nn.BatchNorm2d)]
            name, bn = bns[0]
            out[f"running.{part}.{name}.running_mean"] = bn.running_mean.clone()
            out[f"running.{part}.{name}.running_var"] = bn.running_var.clone()
            out[f"running.{part}.{name}.num_batches_tracked"] = bn.num_batches_tracked.to(dtype).reshape(1)
    # --- generation (generate_svg_lp.py: LSTMs eval, encoder and decoder left in train mode) ---
    for name in ["frame_predictor", "posterior", "prior"]:
        parts[name].eval()
    reset_states(parts, B, dtype)
    n_eval = T
    with torch.no_grad():
        x_in = x[0]
        for i in range(1, n_eval):
            h = enc(x_in)
            if i < n_past:
                h, skip = h
            else:
                h, _ = h
            if i < n_past:
                h_target = enc(x[i])[0]
                z_t, _, _ = post(h_target)
                prior(h)
                pred(torch.cat([h, z_t], 1))
                x_in = x[i]
            else:
                z_t, _, _ = prior(h)
                h = pred(torch.cat([h, z_t], 1))
                x_in = dec([h, skip])
        out[f"generate.x[{n_eval - 1}]"] = x_in
    # --- BatchNorm in eval mode (running statistics set by the formula again) ---
    fill(parts, bias_scale)
    with torch.no_grad():
        enc.eval()
        dec.eval()
        h, skips = enc(x[0])
        out["eval.h"] = h
        out["eval.x"] = dec([out["train.h_pred[1]"].to(dtype), skips])
    return out


def perturbed(parts, video, generator):
    """Copies of the parts and the video with every float32 value moved by one ulp up, one ulp down or not
    at all (chosen at random): the size of one rounding difference, as two float32 implementations that
    sum in different orders produce."""
    def nudge(t):
        step = torch.randint(-1, 2, t.shape, generator=generator)
        up, down = torch.nextafter(t, torch.full_like(t, math.inf)), torch.nextafter(t, torch.full_like(t, -math.inf))
        return torch.where(step > 0, up, torch.where(step < 0, down, t))
    parts = copy.deepcopy(parts)
    with torch.no_grad():
        for m in parts.values():
            for p in m.parameters():
                p.copy_(nudge(p))
    return parts, nudge(video)


def flat(t, digits=8):
    return [float(f"{v:.{digits}g}") for v in t.detach().reshape(-1).double().numpy()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", required=True, help="folder holding the official code (its models/ package)")
    ap.add_argument("--commit", required=True, help="the official commit, recorded in the file")
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=2, help="clips per batch of the parity cases")
    ap.add_argument("--video-index", type=int, default=200000, help="p of the video formula")
    ap.add_argument("--bias-scale", default="vgg=0.1,dcgan=0.01",
                    help="per backbone: biases (rank-1 parameters but BatchNorm weights) are this times u")
    ap.add_argument("--spread", type=int, default=16,
                    help="float32 runs on inputs and weights moved by ±1 ulp, for `float32Spread` (0: none)")
    args = ap.parse_args()
    bias_scales = {k: float(v) for k, v in (item.split("=") for item in args.bias_scale.split(","))}
    mods = load_official(args.ref)

    cases = []
    shared = dict(size=64, nc=1, g=16, z=4, rnn=32, pred_layers=2, post_layers=1, prior_layers=1)
    for backbone in ["vgg", "dcgan"]:
        cfg = dict(backbone=backbone, batch=args.batch, frames=4, n_past=2, beta=1e-4, video_index=args.video_index,
                   bias_scale=bias_scales[backbone], **shared)
        parts = build(mods, backbone, cfg["size"], cfg["nc"], cfg["g"], cfg["z"], cfg["rnn"], cfg["pred_layers"],
                      cfg["post_layers"], cfg["prior_layers"], cfg["batch"])
        fill(parts, cfg["bias_scale"])
        T, B = cfg["frames"], cfg["batch"]
        video = video_formula((T, B, cfg["nc"], cfg["size"], cfg["size"]), args.video_index)
        pristine = copy.deepcopy(parts)                   # run_case converts and updates the modules it gets
        single = run_case(copy.deepcopy(parts), video, cfg["n_past"], cfg["beta"], torch.float32, cfg["bias_scale"])
        double = run_case(parts, video, cfg["n_past"], cfg["beta"], torch.float64, cfg["bias_scale"])

        def rel_l2(a, r):
            a, r = a.double(), r.double()
            return float((a - r).norm() / max(float(r.norm()), 1e-300))

        spread = {k: 0.0 for k in double}
        generator = torch.Generator().manual_seed(0)
        for _ in range(args.spread):
            p32, v32 = perturbed(pristine, video, generator)
            nudged = run_case(p32, v32, cfg["n_past"], cfg["beta"], torch.float32, cfg["bias_scale"])
            for k in double:
                spread[k] = max(spread[k], rel_l2(nudged[k], double[k]))
        cases.append({
            "config": cfg,
            "outputs": [{"name": k, "shape": list(v.shape), "values": flat(v)} for k, v in double.items()],
            "torchFloat32Error": {k: rel_l2(single[k], double[k]) for k in double},
            "float32Spread": spread,
        })
        worst = sorted(spread.items(), key=lambda kv: -kv[1])[:4]
        print(f"{backbone}: float32 spread over {args.spread} runs at ±1 ulp, largest: "
              + ", ".join(f"{k} {v:.3g}" for k, v in worst))
        print(f"{backbone}: loss {double['train.loss'].item():.9g}, "
              f"worst torch float32 error {max(cases[-1]['torchFloat32Error'].values()):.3g}")

    fixture = {
        "reference": "github.com/edenton/svg",
        "commit": args.commit,
        "torch": torch.__version__,
        "script": "Tools/svglp/make_fixtures.py",
        "counts": counts(mods),
        "cases": cases,
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    for preset, c in fixture["counts"].items():
        print(preset, c["parts"], "total", c["total"])


if __name__ == "__main__":
    main()
