#!/usr/bin/env python3
"""The PyTorch side of `zoo bench --model dvd-gan`: one training iteration of the reference DVD-GAN
(github.com/Harrypotterrrr/DVD-GAN, trainer.py with `adv_loss` hinge): the spatial discriminator update,
the temporal discriminator update, then the generator update, timed in a fresh process.

The reference code is never committed here; zoo passes the folder it was extracted to (--ref):

    git --git-dir=<mirror of Harrypotterrrr/DVD-GAN> archive HEAD | tar -x -C /tmp/dvdgan-ref

The networks are imported as Tools/gans/dvdgan_fixtures.py imports them (tensorboardX stubbed):
Generator(in_dim = zoo's latentSize, latent_dim = seedSize, n_class 1, ch = stageChannels[0] / 8,
n_frames = the row's frames), SpatialDiscriminator and TemporalDiscriminator (chn = ch). The reference
generates every frame of a clip from noise; zoo's generator reads the context frames and generates the
rest (our adaptation), so the two steps differ by zoo's context encoder and by the frames generated. The
spatial discriminator sees `spatialFrames` frames drawn at random, the temporal one the clip at half
resolution, as trainer.py. Real clips are uniform in [-1, 1]; weights are the module defaults.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_bench_common import main  # noqa: E402


def build(torch, args, cfg):
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(HERE, "..", "gans"))
    from common import stub_modules
    stub_modules(["tensorboardX"])
    sys.path.insert(0, args.ref)
    from Module.Generator import Generator
    from Module.Discriminators import SpatialDiscriminator, TemporalDiscriminator
    c = cfg["contract"]
    B, T, k = args.batch, args.frames, cfg["spatialFrames"]
    ch = cfg["stageChannels"][0] // 8
    z_dim = cfg["latentSize"]
    G = Generator(in_dim=z_dim, latent_dim=cfg["seedSize"], n_class=1, ch=ch, n_frames=T)
    D_s = SpatialDiscriminator(chn=ch, n_class=1)
    D_t = TemporalDiscriminator(chn=ch, n_class=1)
    g_lr = cfg["learningRate"]
    d_lr = g_lr * cfg["discriminatorLearningRateRatio"]
    betas = (float(cfg["beta1"]), float(cfg["beta2"]))
    trainable = lambda m: [p for p in m.parameters() if p.requires_grad]
    opt_g = torch.optim.Adam(trainable(G), g_lr, betas)
    opt_ds = torch.optim.Adam(trainable(D_s), d_lr, betas)
    opt_dt = torch.optim.Adam(trainable(D_t), d_lr, betas)
    real = torch.rand(B, T, c["channels"], c["height"], c["width"]) * 2 - 1
    labels = torch.zeros(B, dtype=torch.long)

    def hinge(x, real_flag):          # trainer.calc_loss with adv_loss "hinge"
        return torch.relu(1.0 + (-x if real_flag else x)).mean()

    def k_frames(video):              # k of the T frames, drawn at random, in order
        index, _ = torch.randperm(T)[:k].sort()
        return video[:, index]

    def half(video):                  # [B, T, C, H, W] -> [B, C, T, H/2, W/2]
        b, t, ch_, h, w = video.shape
        x = F.avg_pool2d(video.reshape(b * t, ch_, h, w), kernel_size=2)
        return x.reshape(b, t, ch_, h // 2, w // 2).permute(0, 2, 1, 3, 4).contiguous()

    def reset():
        for opt in (opt_g, opt_ds, opt_dt):
            opt.zero_grad()

    def step():
        z = torch.randn(B, z_dim)
        fake = G(z, labels)
        fake_k = k_frames(fake)
        ds_loss = hinge(D_s(k_frames(real), labels), True) + hinge(D_s(fake_k.detach(), labels), False)
        reset()
        ds_loss.backward()
        opt_ds.step()
        fake_half = half(fake)
        dt_loss = hinge(D_t(half(real), labels), True) + hinge(D_t(fake_half.detach(), labels), False)
        reset()
        dt_loss.backward()
        opt_dt.step()
        g_loss = hinge(D_s(fake_k, labels), True) + hinge(D_t(fake_half, labels), True)
        reset()
        g_loss.backward()
        opt_g.step()

    count = sum(p.numel() for m in (G, D_s, D_t) for p in m.parameters() if p.requires_grad)
    return count, step


if __name__ == "__main__":
    main(build, __doc__.split("\n\n")[0])
