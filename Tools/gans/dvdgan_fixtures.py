#!/usr/bin/env python3
"""Parameter counts and parity fixtures for `dvd-gan`, from the unofficial reference implementation
(github.com/Harrypotterrrr/DVD-GAN), for Tests/ModelTests/DVDGANTests.swift.

The reference code is never committed here. Extract it outside the repository and name its folder:

    git -C <mirror> archive HEAD | tar -x -C /tmp/dvdgan-ref
    python Tools/gans/dvdgan_fixtures.py --ref /tmp/dvdgan-ref --commit <sha> \
        --out Tests/ModelTests/Fixtures/dvdgan_parity.json

Needs torch and numpy (the reference's tensorboardX import is stubbed; nothing uses it).

What it writes:
  * parameterCounts: the trainable parameters of Generator, SpatialDiscriminator and TemporalDiscriminator
    at 64x64 with ch = 32, z = 120 and one class (n_class = 1; the spectral-norm u, v vectors are
    parameters without gradient in this code and are not counted);
  * parity: the three networks at ch = 2 (z = 8, 3 frames, batch 1 for the generator: the reference's
    condition ordering is only right for batch 1), every parameter including u and v filled by the
    formula in common.py, keyed by state_dict names without the spectral-norm wrapper's `.module`;
    the generator's z from common.seeded_input; the discriminators' inputs from common.varied_input (level
    and contrast per frame for D_s, per clip for D_t, scale 10, seeds far apart), so that their scores
    differ between inputs by as much as their mean and both the bias path and the input path of the
    networks show in them (white-noise inputs of one formula give scores equal to 5 digits); forward
    outputs in float64 and training mode (batch statistics, one power iteration), as the reference's
    trainer runs them, with `torchFloat32Error`, PyTorch's own float32 error against them (relative L2);
  * the reference's hinge discriminator loss (trainer.calc_loss) on the two discriminators' outputs for
    a real and a fake input.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import fill, seeded_input, stub_modules, tensor_json, trainable_count, varied_input  # noqa: E402


def strip_module(name):
    return name.replace(".module.", ".")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True, help="the reference repository's folder (holding Module/)")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    stub_modules(["tensorboardX"])
    sys.path.insert(0, args.ref)
    from Module.Generator import Generator
    from Module.Discriminators import SpatialDiscriminator, TemporalDiscriminator

    counts = {
        "G": trainable_count(Generator(in_dim=120, latent_dim=4, n_class=1, ch=32, n_frames=8)),
        "D_s": trainable_count(SpatialDiscriminator(chn=32, n_class=1)),
        "D_t": trainable_count(TemporalDiscriminator(chn=32, n_class=1)),
    }

    torch.manual_seed(0)
    z_dim, ch, frames = 8, 2, 3
    G = Generator(in_dim=z_dim, latent_dim=4, n_class=1, ch=ch, n_frames=frames)
    DS = SpatialDiscriminator(chn=ch, n_class=1)
    DT = TemporalDiscriminator(chn=ch, n_class=1)
    entries = {"G": fill(G, strip_module), "D_s": fill(DS, strip_module), "D_t": fill(DT, strip_module)}
    shapes = {"z": (1, z_dim), "spatialReal": (2, 2, 3, 64, 64), "spatialFake": (2, 2, 3, 64, 64),
              "temporalReal": (2, 3, 4, 32, 32), "temporalFake": (2, 3, 4, 32, 32)}   # D_S [B,T,C,H,W], D_T [B,C,T,H,W]
    seeds = {name: 1000 + 30000 * i for i, name in enumerate(shapes)}
    groups = {"spatialReal": 4, "spatialFake": 4, "temporalReal": 2, "temporalFake": 2}
    scale = 10.0
    z = seeded_input(shapes["z"], seeds["z"])
    real, fake, real_t, fake_t = (varied_input(shapes[n], seeds[n], groups[n], scale) for n in list(shapes)[1:])
    label = torch.zeros(2, dtype=torch.long)
    inputs = {"spatialReal": (DS, real), "spatialFake": (DS, fake), "temporalReal": (DT, real_t),
              "temporalFake": (DT, fake_t)}

    def forward(dtype):
        # Spectral norm updates u and v in place on every forward: each output is computed from the
        # filled state (the module is re-filled before each).
        result = {}
        with torch.no_grad():
            fill(G, strip_module)
            G.to(dtype).train()
            result["generator"] = G(z.to(dtype), torch.zeros(1, dtype=torch.long))
            for name, (D, x) in inputs.items():
                fill(D, strip_module)
                D.to(dtype).train()
                result[name] = D(x.to(dtype), label)
        return result

    single = forward(torch.float32)
    out = forward(torch.float64)

    def rel_l2(a, r):
        return float((a.double() - r).norm() / r.norm())

    float32_error = {k: float("%.3g" % rel_l2(single[k], out[k])) for k in out}

    def calc_loss(x, real_flag):   # trainer.calc_loss with adv_loss 'hinge'
        if real_flag:
            x = -x
        return torch.relu(1.0 + x).mean()

    loss = {
        "spatial": float(calc_loss(out["spatialReal"], True) + calc_loss(out["spatialFake"], False)),
        "temporal": float(calc_loss(out["temporalReal"], True) + calc_loss(out["temporalFake"], False)),
    }
    fixture = {
        "reference": "github.com/Harrypotterrrr/DVD-GAN", "commit": args.commit, "torch": torch.__version__,
        "script": "Tools/gans/dvdgan_fixtures.py",
        "parameterCounts": counts,
        "config": {"latentSize": z_dim, "ch": ch, "frames": frames, "size": 64},
        "parameters": entries,
        "inputs": {n: {"shape": list(shapes[n]), "seed": seeds[n], **({"groups": groups[n], "scale": scale} if n in groups else {})}
                   for n in shapes},
        "outputs": {k: tensor_json(v) for k, v in out.items()},
        "torchFloat32Error": float32_error,
        "hingeDiscriminatorLoss": loss,
    }
    with open(args.out, "w") as fh:
        json.dump(fixture, fh, separators=(",", ":"))
    print(json.dumps(counts), "->", args.out)
    for k, v in out.items():
        print(f"{k}: {v.numel()} values, mean {float(v.mean()):.4g}, std {float(v.std()) if v.numel() > 1 else 0:.4g}, "
              f"torch float32 error {float32_error[k]:.3g}")


if __name__ == "__main__":
    main()
