#!/usr/bin/env python3
"""Time the reference RVD (github.com/buggyyang/RVD, PyTorch, CPU) for the side-by-side benchmark.

Two modes:

1. One piece of work, the PyTorch side of `zoo bench --model rvd` (zoo starts this script once per row,
   in a fresh process, right after its own run of the row; the config comes from zoo as JSON, so both
   sides build the same model):

       python Tools/bench/bench_rvd_torch.py --ref /tmp/rvd-ref --config '{"channels": 3, ...}' \\
           --work train --batch 8 --frames 8 [--warmup 1] [--repeats 3] [--threads 2]

   `--work train` times a training step (forward + backward + Adam step + zero_grad) on clips
   [T, B, C, H, W]; `--work denoise` times one denoiser evaluation at batch B under torch.no_grad(),
   with the context maps of one frame read by the context net. Prints one JSON object: the median and
   every timed run in ms, the process's peak resident memory (ru_maxrss) and its resident memory after
   importing torch and before building the model, both in MB, and the parameter count.

2. Without --work, the original stand-alone run: bair64 training steps at batch 8 and 1 (8 frames),
   the denoiser at batch 1 and the process's peak memory over all of them, in one JSON object.

The reference is not committed; extract it from its mirror first:

    git -C <mirror of buggyyang/RVD> archive HEAD | tar -x -C /tmp/rvd-ref

Weights are PyTorch's default initialisation (timing does not depend on them); inputs are uniform in
[-1, 1]. Each timing is the median of the timed runs after the warm-up runs.
"""
import argparse
import json
import os
import statistics
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_bench_common import rss_mb, timed  # noqa: E402

# The reference's 64x64 configuration (config.py), used by the stand-alone mode.
BAIR64 = {"channels": 3, "height": 64, "width": 64, "dim": 48, "dim_mults": [1, 2, 4, 8],
          "transform_dim_mults": [1, 2, 2, 4], "context_dim_factor": 1.0, "transform_dim_factor": 1.0,
          "residual": True, "diffusion_steps": 1600, "loss": "l1", "objective": "noise",
          "learning_rate": 5e-5}


def load_reference(ref):
    sys.modules.setdefault("kornia", types.ModuleType("kornia"))   # imported but unused by the modules
    sys.path.insert(0, ref)
    from modules.unet import Unet
    from modules.temporal_models import HistoryNet, CondNet
    from modules.denoising_diffusion import GaussianDiffusion
    return Unet, HistoryNet, CondNet, GaussianDiffusion


def build(ref, config):
    """GaussianDiffusion as train_video.py builds it, from zoo's config fields."""
    Unet, HistoryNet, CondNet, GaussianDiffusion = load_reference(ref)
    dim, channels = config["dim"], config["channels"]
    mults = tuple(config["dim_mults"])
    transform = None
    if config["residual"]:
        transform = HistoryNet(dim=int(config["transform_dim_factor"] * dim), channels=channels,
                               context_mode="residual", dim_mults=tuple(config["transform_dim_mults"]))
    return GaussianDiffusion(
        denoise_fn=Unet(dim=dim, context_dim_factor=config["context_dim_factor"], channels=channels,
                        dim_mults=mults),
        history_fn=CondNet(dim=int(config["context_dim_factor"] * dim), channels=channels, dim_mults=mults),
        transform_fn=transform, timesteps=config["diffusion_steps"], loss_type=config["loss"],
        pred_mode=config["objective"], clip_noise=True, aux_loss=False)


def train_work(torch, model, config, batch, frames):
    """One training step on random clips [T, B, C, H, W] in [-1, 1]."""
    opt = torch.optim.Adam(model.parameters(), lr=config["learning_rate"])
    video = torch.rand(frames, batch, config["channels"], config["height"], config["width"]) * 2 - 1

    def run():
        loss = model(video)
        loss.backward()
        opt.step()
        opt.zero_grad()
    return run


def denoise_work(torch, model, config, batch):
    """One denoiser evaluation at step 800 (or the last step) with one frame's context maps."""
    c, h, w = config["channels"], config["height"], config["width"]
    x = torch.randn(batch, c, h, w)
    t = torch.full((batch,), min(800, config["diffusion_steps"] - 1), dtype=torch.long)
    with torch.no_grad():
        model.history_fn.init_state((batch, 1, h, w))
        context = model.history_fn(torch.rand(batch, c, h, w) * 2 - 1)

    def run():
        with torch.no_grad():
            model.denoise_fn(x, t, context=context)
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", required=True, help="the extracted reference repository")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--preset", help="zoo's preset name of the row (zoo passes it; the config says everything)")
    ap.add_argument("--config", help="the model config as JSON (zoo's fields; default bair64)")
    ap.add_argument("--work", choices=["train", "denoise"], help="time one piece of work (mode 1)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-batch8", action="store_true", help="stand-alone mode: skip the batch-8 step (slow)")
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    config = json.loads(args.config) if args.config else BAIR64
    baseline = rss_mb("current")
    torch.manual_seed(args.seed)
    model = build(args.ref, config)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "parameters": sum(p.numel() for p in model.parameters())}

    if args.work:
        if args.work == "train":
            work = train_work(torch, model, config, args.batch, args.frames)
        else:
            work = denoise_work(torch, model, config, args.batch)
        samples = timed(work, args.warmup, args.repeats)
        result.update({"ms": statistics.median(samples), "samples_ms": samples,
                       "baseline_rss_mb": baseline, "peak_rss_mb": rss_mb()})
        print(json.dumps(result))
        return

    def seconds(work):
        return statistics.median(timed(work, 1, args.repeats)) / 1e3
    result["train_step_b1_s"] = seconds(train_work(torch, model, config, 1, 8))
    if not args.skip_batch8:
        result["train_step_b8_s"] = seconds(train_work(torch, model, config, 8, 8))
    result["denoiser_b1_s"] = seconds(denoise_work(torch, model, config, 1))
    result["peak_rss_mb"] = rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
