#!/usr/bin/env python3
"""Convert an official SVG-LP checkpoint (github.com/edenton/svg, the `model.pth` that train_svg_lp.py
saves: {"encoder", "decoder", "frame_predictor", "posterior", "prior": whole modules, "opt": the
arguments}) into a zoo HDF5 checkpoint.

Our parameter and buffer names are the official state_dict keys prefixed with the part
(`encoder.c1.0.main.0.weight`, `frame_predictor.lstm.0.weight_ih`, …), so the conversion is a copy. The
checkpoint pickles whole modules, so the official code must be importable: name the folder holding its
`models/` package with --ref (it is never copied into this repository).

The zoo file's identity (model, preset, config JSON) comes from a template: a zoo checkpoint of the
matching `-lstm` preset, e.g. `zoo train svg-lp --preset bair64-lstm --steps 0 --out /tmp/t` (its
last.h5). Loading is strict: every template parameter and buffer must be present with its shape, and no
other key may be; every problem is listed. The arguments stored in the checkpoint (g_dim, z_dim,
rnn_size, layers, channels, image_width, model, last_frame_skip) are checked against the template's config.

    python Tools/svglp/convert_checkpoint.py --ref /tmp/svg-ref --checkpoint svglp_bair.pth \
        --template /tmp/t/last.h5 --out svglp-bair.h5

`--write-random PATH --preset smmnist-lstm` instead saves an official checkpoint with random weights in the
official format (for testing this converter without the pretrained files).
"""
import argparse
import argparse as _argparse
import importlib
import json
import sys

import h5py
import numpy as np
import torch

PARTS = ["encoder", "decoder", "frame_predictor", "posterior", "prior"]


def load_official(ref):
    sys.path.insert(0, ref)
    torch.Tensor.cuda = lambda self, *args, **kwargs: self          # CPU-only torch: LSTM states stay on the CPU
    return {name: importlib.import_module(f"models.{name}") for name in ["lstm", "vgg_64", "dcgan_64", "vgg_128",
                                                                           "dcgan_128"]}


def flatten(saved):
    """{part: module or state_dict} → {name: numpy float32}."""
    out = {}
    for part in PARTS:
        if part not in saved:
            raise SystemExit(f"the checkpoint has no '{part}' entry (keys: {sorted(saved)})")
        state = saved[part].state_dict() if hasattr(saved[part], "state_dict") else saved[part]
        for key, value in state.items():
            out[f"{part}.{key}"] = value.detach().cpu().numpy().astype(np.float32)
    return out


def check_arguments(opt, config):
    """The stored training arguments against the template's config."""
    if opt is None:
        return []
    c = config
    expected = {
        "g_dim": c["gDim"], "z_dim": c["zDim"], "rnn_size": c["rnnSize"],
        "predictor_rnn_layers": c["predictorLayers"], "posterior_rnn_layers": c["posteriorLayers"],
        "prior_rnn_layers": c["priorLayers"], "channels": c["contract"]["channels"],
        "image_width": c["contract"]["width"], "model": c["backbone"], "last_frame_skip": c["lastFrameSkip"],
    }
    problems = []
    for key, want in expected.items():
        have = getattr(opt, key, None)
        if have is not None and have != want:
            problems.append(f"{key}: checkpoint {have!r}, template config {want!r}")
    if c.get("recurrence") != "lstm":
        problems.append(f"recurrence: the template's is {c.get('recurrence')!r}; official checkpoints need an -lstm preset")
    return problems


def write_random(args):
    """An official-format checkpoint with random weights (the official modules, PyTorch's init)."""
    mods = load_official(args.ref)
    presets = {
        "bair64-lstm": dict(model="vgg", channels=3, z_dim=64, beta=1e-4, n_past=2, n_future=10, lr=0.002),
        "kth64-lstm": dict(model="vgg", channels=1, z_dim=24, beta=1e-6, n_past=10, n_future=10, lr=0.0008),
        "smmnist-lstm": dict(model="dcgan", channels=1, z_dim=10, beta=1e-4, n_past=5, n_future=10, lr=0.002),
    }
    p = presets[args.preset]
    opt = _argparse.Namespace(g_dim=128, rnn_size=256, predictor_rnn_layers=2, posterior_rnn_layers=1,
                              prior_rnn_layers=1, image_width=64, last_frame_skip=False, batch_size=2, **p)
    torch.manual_seed(args.seed)
    net = mods[f"{opt.model}_64"]
    lstm = mods["lstm"]
    saved = {
        "encoder": net.encoder(opt.g_dim, opt.channels),
        "decoder": net.decoder(opt.g_dim, opt.channels),
        "frame_predictor": lstm.lstm(opt.g_dim + opt.z_dim, opt.g_dim, opt.rnn_size, opt.predictor_rnn_layers, 2),
        "posterior": lstm.gaussian_lstm(opt.g_dim, opt.z_dim, opt.rnn_size, opt.posterior_rnn_layers, 2),
        "prior": lstm.gaussian_lstm(opt.g_dim, opt.z_dim, opt.rnn_size, opt.prior_rnn_layers, 2),
        "opt": opt,
    }
    with torch.no_grad():        # running statistics away from their defaults, so the copy is visible
        for part in ["encoder", "decoder"]:
            for name, buf in saved[part].named_buffers():
                if name.endswith("running_mean"):
                    buf.normal_(0, 0.1)
                elif name.endswith("running_var"):
                    buf.uniform_(0.5, 1.5)
                elif name.endswith("num_batches_tracked"):
                    buf.fill_(7)
    torch.save(saved, args.write_random)
    print(f"wrote {args.write_random}: official {args.preset} modules with random weights")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", required=True, help="folder holding the official code (its models/ package)")
    ap.add_argument("--checkpoint", help="the official model.pth")
    ap.add_argument("--template", help="a zoo checkpoint of the matching -lstm preset (identity and names)")
    ap.add_argument("--out")
    ap.add_argument("--write-random", metavar="PATH", help="save a random official checkpoint instead")
    ap.add_argument("--preset", default="smmnist-lstm", help="with --write-random: bair64-lstm, kth64-lstm, smmnist-lstm")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.write_random:
        write_random(args)
        return
    if not (args.checkpoint and args.template and args.out):
        ap.error("--checkpoint, --template and --out are required")

    load_official(args.ref)
    saved = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    values = flatten(saved)
    with h5py.File(args.template, "r") as t:
        attrs = dict(t.attrs)
        groups = {}
        for group in ["params", "buffers"]:
            names = {}
            if group in t:
                t[group].visititems(lambda name, obj: names.__setitem__(name, obj.shape)
                                    if isinstance(obj, h5py.Dataset) else None)
            groups[group] = names
    if attrs.get("model") != "svg-lp":
        raise SystemExit(f"the template is a {attrs.get('model')!r} checkpoint, not svg-lp")
    config = json.loads(attrs["config"])
    expected = {**groups["params"], **groups["buffers"]}
    missing = sorted(set(expected) - set(values))
    unexpected = sorted(set(values) - set(expected))
    wrong = sorted(f"{n}: checkpoint {list(values[n].shape)}, template {list(expected[n])}"
                   for n in expected if n in values and tuple(values[n].shape) != tuple(expected[n]))
    problems = check_arguments(saved.get("opt"), config)
    if missing or unexpected or wrong or problems:
        raise SystemExit("the checkpoint does not fit the template:\n"
                         + "".join(f"  {label}: {items}\n" for label, items in
                                   [("missing", missing), ("unexpected", unexpected), ("shape mismatches", wrong),
                                    ("arguments", problems)] if items))

    with h5py.File(args.out, "w") as f:
        for key in ["format", "formatVersion", "model", "preset", "config", "zooVersion", "seed"]:
            if key in attrs:
                f.attrs[key] = attrs[key]
        f.attrs["step"] = np.int64(0)
        for group in ["params", "buffers"]:
            for name in sorted(groups[group]):
                f.create_dataset(f"/{group}/{name}", data=values[name].reshape(groups[group][name]))
    print(f"wrote {args.out}: {len(groups['params'])} parameters "
          f"({sum(values[n].size for n in groups['params']):,} scalars), {len(groups['buffers'])} buffers")


if __name__ == "__main__":
    main()
