#!/usr/bin/env python3
"""The PyTorch side of `zoo bench --model svg-lp`: one training step of SVG-LP as the official
train_svg_lp.py takes it (github.com/edenton/svg), timed in a fresh process.

The official code is never committed here; zoo passes the folder it was extracted to (--ref):

    git --git-dir=<mirror of edenton/svg> archive HEAD | tar -x -C /tmp/svg-ref

The step (train_svg_lp.py `train`): initial LSTM states, for t = 1 .. T-1 encode x_{t-1} and x_t, the
posterior from h_t, the prior from h_{t-1}, the frame predictor on [h_{t-1}, z_t], the decoder with the
skips (frozen after the n_past context frames); loss = sum of MSE + beta * KL (summed, divided by the
batch); backward; one Adam step for each of the five parts (lr and betas of the preset).

  * `recurrence` "lstm" (the official architecture, zoo's *-lstm presets): the official modules, built
    as Tools/svglp/make_fixtures.py builds them (models/lstm.py, vgg_64.py or dcgan_64.py).
  * `recurrence` "convlstm" (the RVD paper's variant, zoo's design; the official code has no such
    model): the official VGG layer (3x3 conv, BatchNorm, LeakyReLU 0.2) at any width and depth, the last
    encoder convolution and the first decoder one 3x3 on the 4x4 map instead of 4x4 to and from 1x1, and
    the official lstm/gaussian_lstm with every linear map a 1x1 convolution and each LSTMCell a 3x3
    convolution over [input, h] giving the gates i, f, g, o. This mirrors zoo's Sources/Models/SVGLP.

Frames are uniform in [0, 1]; weights are PyTorch's defaults (timing does not depend on them).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_bench_common import main  # noqa: E402


def conv_variant(nn, torch, cfg):
    """zoo's ConvLSTM variant written with PyTorch modules: encoder, decoder, predictor, posterior, prior."""
    nc = cfg["contract"]["channels"]
    size = cfg["contract"]["height"]
    width, g, z, rnn = cfg["width"], cfg["gDim"], cfg["zDim"], cfg["rnnSize"]
    levels = 0
    while size > 4:
        size //= 2
        levels += 1

    def level_width(i):
        return width * min(2 ** i, 8)

    def vgg(nin, nout):
        return nn.Sequential(nn.Conv2d(nin, nout, 3, 1, 1), nn.BatchNorm2d(nout), nn.LeakyReLU(0.2, inplace=True))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            stages = []
            for i in range(levels):
                nin, w = (nc if i == 0 else level_width(i - 1)), level_width(i)
                count = 2 if i < 2 else 3
                stages.append(nn.Sequential(*[vgg(nin if k == 0 else w, w) for k in range(count)]))
            self.stages = nn.ModuleList(stages)
            self.final = nn.Sequential(nn.Conv2d(level_width(levels - 1), g, 3, 1, 1), nn.BatchNorm2d(g), nn.Tanh())
            self.pool = nn.MaxPool2d(2, 2)

        def forward(self, x):
            skips = []
            for i, stage in enumerate(self.stages):
                if i > 0:
                    x = self.pool(x)
                x = stage(x)
                skips.append(x)
            return self.final(self.pool(x)), skips

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            deepest = level_width(levels - 1)
            self.first = nn.Sequential(nn.Conv2d(g, deepest, 3, 1, 1), nn.BatchNorm2d(deepest),
                                       nn.LeakyReLU(0.2, inplace=True))
            stages = []
            for j in range(levels - 1, -1, -1):
                w = level_width(j)
                count = 2 if j < 2 else 3
                if j > 0:
                    below = level_width(j - 1)
                    stages.append(nn.Sequential(*[vgg(2 * w if k == 0 else w, below if k == count - 1 else w)
                                                  for k in range(count)]))
                else:
                    stages.append(nn.Sequential(*[vgg(2 * w if k == 0 else w, w) for k in range(count - 1)],
                                                nn.ConvTranspose2d(w, nc, 3, 1, 1), nn.Sigmoid()))
            self.stages = nn.ModuleList(stages)
            self.up = nn.UpsamplingNearest2d(scale_factor=2)

        def forward(self, inputs):
            h, skips = inputs
            d = self.first(h)
            for k, stage in enumerate(self.stages):
                d = stage(torch.cat([self.up(d), skips[len(skips) - 1 - k]], 1))
            return d

    class ConvRecurrent(nn.Module):
        """models/lstm.py's lstm (heads ["output"]) or gaussian_lstm (["mu_net", "logvar_net"]) on maps."""

        def __init__(self, nin, heads, layers, batch):
            super().__init__()
            self.embed = nn.Conv2d(nin, rnn, 1)
            self.cells = nn.ModuleList([nn.Conv2d(2 * rnn, 4 * rnn, 3, 1, 1) for _ in range(layers)])
            self.heads = nn.ModuleList([nn.Conv2d(rnn, n, 1) for n in heads])
            self.batch = batch
            self.hidden = self.init_hidden()

        def init_hidden(self):
            return [(torch.zeros(self.batch, rnn, 4, 4), torch.zeros(self.batch, rnn, 4, 4)) for _ in self.cells]

        def step(self, x):
            h_in = self.embed(x)
            for i, cell in enumerate(self.cells):
                h, c = self.hidden[i]
                gi, gf, gg, go = cell(torch.cat([h_in, h], 1)).chunk(4, 1)
                c = torch.sigmoid(gf) * c + torch.sigmoid(gi) * torch.tanh(gg)
                h = torch.sigmoid(go) * torch.tanh(c)
                self.hidden[i] = (h, c)
                h_in = h
            return h_in

    class Predictor(ConvRecurrent):
        def forward(self, x):
            return torch.tanh(self.heads[0](self.step(x)))

    class Gaussian(ConvRecurrent):
        def forward(self, x):
            out = self.step(x)
            mu, logvar = self.heads[0](out), self.heads[1](out)
            return torch.randn_like(mu) * logvar.mul(0.5).exp() + mu, mu, logvar

    return Encoder, Decoder, Predictor, Gaussian


def build(torch, args, cfg):
    import torch.nn as nn
    batch, frames = args.batch, args.frames
    c = cfg["contract"]
    nc, size = c["channels"], c["height"]
    g, z, rnn = cfg["gDim"], cfg["zDim"], cfg["rnnSize"]
    n_past = c["contextFrames"]
    if cfg["recurrence"] == "lstm":
        svglp_tools = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "svglp")
        sys.path.insert(0, svglp_tools)
        from make_fixtures import build as build_official, load_official  # the fixture script's import code
        if cfg["width"] != 64 or size != 64:
            raise SystemExit("the official modules are 64x64 with width 64; got %dx%d, width %d"
                             % (size, size, cfg["width"]))
        parts = build_official(load_official(args.ref), cfg["backbone"], 64, nc, g, z, rnn, cfg["predictorLayers"],
                               cfg["posteriorLayers"], cfg["priorLayers"], batch)
    else:
        Encoder, Decoder, Predictor, Gaussian = conv_variant(nn, torch, cfg)
        parts = {"encoder": Encoder(), "decoder": Decoder(),
                 "frame_predictor": Predictor(g + z, [g], cfg["predictorLayers"], batch),
                 "posterior": Gaussian(g, [z, z], cfg["posteriorLayers"], batch),
                 "prior": Gaussian(g, [z, z], cfg["priorLayers"], batch)}
    enc, dec, pred, post, prior = (parts[k] for k in ["encoder", "decoder", "frame_predictor", "posterior", "prior"])
    for m in parts.values():
        m.train()
    optimizers = [torch.optim.Adam(m.parameters(), lr=cfg["learningRate"], betas=(float(cfg["beta1"]), float(cfg["beta2"])))
                  for m in parts.values()]
    x = [torch.rand(batch, nc, size, size) for _ in range(frames)]
    mse_criterion = nn.MSELoss()
    beta, last_frame_skip = cfg["beta"], cfg["lastFrameSkip"]

    def kl_criterion(mu1, logvar1, mu2, logvar2):
        sigma1, sigma2 = logvar1.mul(0.5).exp(), logvar2.mul(0.5).exp()
        kld = torch.log(sigma2 / sigma1) + (torch.exp(logvar1) + (mu1 - mu2) ** 2) / (2 * torch.exp(logvar2)) - 0.5
        return kld.sum() / batch

    def step():
        for m in parts.values():
            m.zero_grad()
        for m in (pred, post, prior):
            m.hidden = m.init_hidden()
        mse, kld = 0, 0
        for i in range(1, frames):
            h = enc(x[i - 1])
            h_target = enc(x[i])[0]
            if last_frame_skip or i < n_past:
                h, skip = h
            else:
                h = h[0]
            z_t, mu, logvar = post(h_target)
            _, mu_p, logvar_p = prior(h)
            h_pred = pred(torch.cat([h, z_t], 1))
            x_pred = dec([h_pred, skip])
            mse = mse + mse_criterion(x_pred, x[i])
            kld = kld + kl_criterion(mu, logvar, mu_p, logvar_p)
        (mse + kld * beta).backward()
        for opt in optimizers:
            opt.step()

    return sum(p.numel() for m in parts.values() for p in m.parameters()), step


if __name__ == "__main__":
    main(build, __doc__.split("\n\n")[0])
