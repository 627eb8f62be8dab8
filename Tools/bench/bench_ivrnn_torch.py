#!/usr/bin/env python3
"""The PyTorch side of `zoo bench --model ivrnn`: one training step of the released single-level VRNN
(github.com/facebookresearch/improved_vrnn, models/vrnn.py) as its train_fns.py `train_step` takes it,
timed in a fresh process.

The official code is never committed here; zoo passes the folder it was extracted to (--ref):

    git --git-dir=<mirror of facebookresearch/improved_vrnn> archive HEAD | tar -x -C /tmp/ivrnn-ref

The model is built as Tools/ivrnn/make_fixtures.py builds it (`Model(img_ch, n_ctx, n_hid, n_z)`, with
`layers` registered as the `vrnn_layers` module the hierarchical file names) from zoo's config (channels,
context frames, `hidden` = n_hid, `latentChannels[0]` = n_z); the step: forward with the posterior
(`use_prior=False`), L1 reconstruction summed over time, channels and pixels and averaged over the batch,
the official single-sample KL, backward, Adam with zoo's learning rate and the official coupled weight
decay. Frames are uniform in [0, 1]; weights are the module defaults.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_bench_common import main  # noqa: E402


def build(torch, args, cfg):
    sys.path.insert(0, args.ref)
    import layers
    sys.modules["vrnn_layers"] = layers            # as Tools/ivrnn/make_fixtures.py: the name vrnn_hier.py uses
    import losses
    from models.vrnn import Model as VRNN
    c = cfg["contract"]
    if c["height"] != 64 or len(cfg["latentChannels"]) != 1 or cfg["widthMultipliers"] != [1, 2, 4, 8, 8, 8]:
        raise SystemExit("the official vrnn is the single-level 64x64 model; this config is not")
    n_ctx = c["contextFrames"]
    model = VRNN(c["channels"], n_ctx, n_hid=cfg["hidden"], n_z=cfg["latentChannels"][0])
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["learningRate"], weight_decay=cfg["weightDecay"])
    config = {"n_ctx": n_ctx, "n_steps": args.frames - n_ctx, "rec_loss": cfg["reconstruction"], "beta": cfg["beta"]}
    inputs = torch.rand(args.batch, args.frames, c["channels"], c["height"], c["width"])

    def step():
        (preds, priors, posteriors), _ = model(inputs, config, False)
        loss = losses.reconstruction_loss(config, preds, inputs[:, n_ctx:])
        if config["beta"] > 0:
            loss = loss + config["beta"] * losses.kl_loss(config, priors, posteriors)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return sum(p.numel() for p in model.parameters()), step


if __name__ == "__main__":
    main(build, __doc__.split("\n\n")[0])
