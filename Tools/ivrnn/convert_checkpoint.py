#!/usr/bin/env python3
"""Convert an official IVRNN checkpoint (github.com/facebookresearch/improved_vrnn; main.py saves the
model's state_dict with torch.save, keys prefixed `module.` when trained with DDP) into a zoo HDF5
checkpoint.

The zoo's parameter names are the official state_dict keys (`emb_net.0.1.conv_0.0.weight`,
`render_nets.0.0.model.ih_gates.0.weight`, `prior_nets.0.3.model.weight`, ...), so the conversion is a
copy: no renaming. The official modules have no buffers.

The zoo file's identity (model, preset, config JSON) comes from a template: a zoo checkpoint of the
matching preset, e.g. `zoo train ivrnn --preset bair64-vrnn --steps 0 --out /tmp/t` (its last.h5) for a
`--model vrnn` checkpoint trained with `--n_ctx 2` on 64x64 RGB. Every template parameter must be present
with the same shape, and no other key may appear (strict, as `zoo eval` loads).

    python Tools/ivrnn/convert_checkpoint.py --official model.pth --template /tmp/t/last.h5 --out ivrnn-bair.h5

Layout written (Sources/ZooCore/Checkpoint/Checkpoint.swift): every root attribute of the template (format,
version, model, preset, config, ...) but its step (0 unless --step is given), and /params/<name>; no
optimizer state and no EMA weights.
"""
import argparse

import h5py
import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--official", required=True, help="the official checkpoint (a state_dict saved by torch.save)")
    ap.add_argument("--template", required=True, help="a zoo checkpoint of the matching preset")
    ap.add_argument("--out", required=True)
    ap.add_argument("--step", type=int, default=0, help="the step recorded in the zoo file")
    args = ap.parse_args()

    state = torch.load(args.official, map_location="cpu")
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    params = {}
    for key, value in state.items():
        key = key[len("module."):] if key.startswith("module.") else key
        params[key] = value.detach().cpu().float().numpy()

    with h5py.File(args.template, "r") as t:
        attrs = dict(t.attrs)
        names = {}
        t["/params"].visititems(lambda name, obj: names.__setitem__(name, obj.shape)
                                if isinstance(obj, h5py.Dataset) else None)
    if attrs.get("model") not in (b"ivrnn", "ivrnn"):
        raise SystemExit(f"the template is a {attrs.get('model')!r} checkpoint, not ivrnn")
    missing = sorted(set(names) - set(params))
    unexpected = sorted(set(params) - set(names))
    wrong = sorted(n for n in names if n in params and tuple(params[n].shape) != tuple(names[n]))
    if missing or unexpected or wrong:
        raise SystemExit(f"keys differ from the template: missing {missing[:10]}, unexpected {unexpected[:10]}, "
                         f"shape mismatches {wrong[:10]} (is the template's preset the checkpoint's model, "
                         f"channels and context length?)")

    with h5py.File(args.out, "w") as f:
        for key, value in attrs.items():
            if key != "step":
                f.attrs[key] = value
        f.attrs["step"] = np.int64(args.step)
        for name in sorted(params):
            f.create_dataset("/params/" + name, data=params[name].astype(np.float32))
    print(f"wrote {args.out}: {len(params)} parameters ({sum(v.size for v in params.values()):,} scalars)")


if __name__ == "__main__":
    main()
