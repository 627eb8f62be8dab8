#!/usr/bin/env python3
"""Time the reference RVD (github.com/buggyyang/RVD, PyTorch, CPU) for the side-by-side benchmark:
a bair64 training step (forward + backward + Adam) at batch 8 x 8 frames and at batch 1 x 8 frames, one
denoiser evaluation at batch 1, and the process's peak resident memory. Prints one JSON object.

    git -C <mirror> archive HEAD | tar -x -C /tmp/rvd-ref
    python Tools/bench/bench_rvd_torch.py --ref /tmp/rvd-ref [--threads 2] [--repeats 3]

Weights are PyTorch's default initialisation (timing does not depend on them); inputs are uniform in
[-1, 1]. Each timing is the median of --repeats runs after one warm-up.
"""
import argparse
import json
import resource
import statistics
import sys
import time
import types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-batch8", action="store_true", help="skip the batch-8 training step (slow)")
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    sys.modules.setdefault("kornia", types.ModuleType("kornia"))
    sys.path.insert(0, args.ref)
    from modules.unet import Unet
    from modules.temporal_models import HistoryNet, CondNet
    from modules.denoising_diffusion import GaussianDiffusion

    torch.manual_seed(0)
    model = GaussianDiffusion(
        denoise_fn=Unet(dim=48, channels=3, dim_mults=(1, 2, 4, 8)),
        history_fn=CondNet(dim=48, channels=3, dim_mults=(1, 2, 4, 8)),
        transform_fn=HistoryNet(dim=48, channels=3, dim_mults=(1, 2, 2, 4)),
        timesteps=1600, loss_type="l1", pred_mode="noise", clip_noise=True, aux_loss=False)
    opt = torch.optim.Adam(model.parameters(), lr=5e-5)

    def timed(fn):
        fn()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    def train_step(batch):
        video = torch.rand(8, batch, 3, 64, 64) * 2 - 1      # [T, B, C, H, W]

        def run():
            loss = model(video)
            loss.backward()
            opt.step()
            opt.zero_grad()
        return run

    result = {"torch": torch.__version__, "threads": args.threads,
              "parameters": sum(p.numel() for p in model.parameters())}
    result["train_step_b1_s"] = timed(train_step(1))
    if not args.skip_batch8:
        result["train_step_b8_s"] = timed(train_step(8))

    x = torch.randn(1, 3, 64, 64)
    t = torch.tensor([800])
    with torch.no_grad():
        model.history_fn.init_state((1, 1, 64, 64))
        context = model.history_fn(torch.rand(1, 3, 64, 64) * 2 - 1)
        result["denoiser_b1_s"] = timed(lambda: model.denoise_fn(x, t, context=context))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
