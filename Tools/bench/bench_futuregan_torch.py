#!/usr/bin/env python3
"""The PyTorch side of `zoo bench --model futuregan`: one training iteration of the reference FutureGAN
(github.com/TUM-LMF/FutureGAN, train.py with its defaults: WGAN-GP, conditional critic) at the last stage
of progressive growing, timed in a fresh process.

The reference code is never committed here; zoo passes the folder it was extracted to (--ref):

    git --git-dir=<mirror of TUM-LMF/FutureGAN> archive HEAD | tar -x -C /tmp/futuregan-ref

The networks are imported and configured as Tools/gans/futuregan_reference.py does (model.py's
FutureGenerator and Discriminator with train.py's defaults, ngf and ndf from zoo's config), then grown
stage by stage to the frame size and flushed after each growth step (the state after the last fade-in,
which zoo's row times too). The iteration follows train.py: the critic on the real clip and on
[past, prediction], the gradient penalty (lambda 10) on a random interpolate, the drift term, the critic
update; the critic on the generated clip again and the generator update; Adam with betas (0, 0.99).
Clips are [B, C, T, H, W] uniform in [-1, 1]; weights are the reference's defaults.
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_bench_common import main  # noqa: E402


def build(torch, args, cfg):
    sys.path.insert(0, os.path.join(HERE, "..", "gans"))
    from futuregan_reference import load_reference, make_config
    ref, _ = load_reference(args.ref)
    c = cfg["contract"]
    n_in, n_pred = c["contextFrames"], c["predictedFrames"]
    if args.frames != n_in + n_pred:
        raise SystemExit("futuregan trains on clips of %d frames, got %d" % (n_in + n_pred, args.frames))
    config = make_config(c["channels"], cfg["generatorChannels"], cfg["criticChannels"], n_in, n_pred)
    G, D = ref.FutureGenerator(config), ref.Discriminator(config)
    for resl in range(3, int(math.log2(c["height"])) + 1):
        G.grow_network(resl)
        D.grow_network(resl)
        G.flush_network()
        D.flush_network()
    betas = (float(cfg["beta1"]), float(cfg["beta2"]))
    trainable = lambda m: [p for p in m.parameters() if p.requires_grad]
    opt_g = torch.optim.Adam(trainable(G), lr=cfg["learningRate"], betas=betas, weight_decay=0.0)
    opt_d = torch.optim.Adam(trainable(D), lr=cfg["learningRate"], betas=betas, weight_decay=0.0)
    B = args.batch
    x = torch.rand(B, c["channels"], n_in + n_pred, c["height"], c["width"]) * 2 - 1
    lam, drift = cfg["gradientPenaltyWeight"], cfg["driftWeight"]

    def step():
        G.zero_grad()
        D.zero_grad()
        z = x[:, :, :n_in]
        z_x_gen = G(z)
        x_label = D(x)
        x_gen_label = D(z_x_gen.detach())
        loss_d = torch.mean(x_gen_label) - torch.mean(x_label)
        alpha = torch.rand(B, 1).expand(B, x[0].nelement()).contiguous().view(*x.shape)
        interpolates = (alpha * x.data + (1 - alpha) * z_x_gen.data).requires_grad_(True)
        out = D(interpolates)
        grads = torch.autograd.grad(outputs=out, inputs=interpolates, grad_outputs=torch.ones(out.size()),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
        loss_d = loss_d + lam * ((grads.view(B, -1).norm(2, dim=1) - 1) ** 2).mean()
        loss_d = loss_d + drift * torch.mean(x_label ** 2)
        loss_d.backward()
        opt_d.step()
        loss_g = -torch.mean(D(z_x_gen))
        loss_g.backward()
        opt_g.step()

    return sum(p.numel() for m in (G, D) for p in m.parameters()), step


if __name__ == "__main__":
    main(build, __doc__.split("\n\n")[0])
