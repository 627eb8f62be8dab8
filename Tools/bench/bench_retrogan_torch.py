#!/usr/bin/env python3
"""The PyTorch side of `zoo bench --model retrogan`: one training iteration of the reference Retrospective
Cycle GAN (github.com/SaulZhang/Video_Prediction_ZOO, RetrospectiveCycleGAN/train.py): the generator
update, then discriminator A (frames), then discriminator B (sequences), timed in a fresh process.

The reference code is never committed here; zoo passes the folder that holds RetrospectiveCycleGAN/:

    git --git-dir=<mirror of SaulZhang/Video_Prediction_ZOO> archive HEAD | tar -x -C /tmp/retrogan-ref

The networks are imported as Tools/gans/retrogan_fixtures.py imports them (torchvision, PIL and
tensorboardX stubbed): GeneratorResNet with 9 residual blocks, DiscriminatorA, DiscriminatorB, the
reference Laplacian. The iteration follows train.py (forward and backward predictions, their
retrospective re-predictions, L1 image and LoG terms, least-squares frame and sequence terms with zoo's
weights, Adam with zoo's rate and betas for all three networks). Clips are [B, inputFrames + 1, C, H, W]
uniform in [-1, 1]; weights are the module defaults.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_bench_common import main  # noqa: E402


def build(torch, args, cfg):
    sys.path.insert(0, os.path.join(HERE, "..", "gans"))
    from common import stub_modules  # the fixture scripts' stubs for the reference's unused imports
    stub_modules(["torchvision.utils", "PIL", "tensorboardX"])
    sys.path.insert(0, os.path.join(args.ref, "RetrospectiveCycleGAN"))
    import models
    import laplacian_of_guassian as log_module
    c = cfg["contract"]
    k = cfg["inputFrames"]
    if args.frames != k + 1:
        raise SystemExit("the reference trains on clips of inputFrames + 1 = %d frames, got %d" % (k + 1, args.frames))
    shape = (args.batch, k + 1, c["channels"], c["height"], c["width"])
    G = models.GeneratorResNet(shape, cfg["residualBlocks"])
    D_A = models.DiscriminatorA(shape)
    D_B = models.DiscriminatorB(shape)
    lap = log_module.Laplacian()
    lr, betas = cfg["learningRate"], (float(cfg["beta1"]), float(cfg["beta2"]))
    d_lr = lr * cfg["discriminatorLearningRateRatio"]
    opt_G = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    opt_DA = torch.optim.Adam(D_A.parameters(), lr=d_lr, betas=betas)
    opt_DB = torch.optim.Adam(D_B.parameters(), lr=d_lr, betas=betas)
    l1, mse = torch.nn.L1Loss(), torch.nn.MSELoss()
    w_log, w_frame, w_seq = cfg["logWeight"], cfg["frameAdversarialWeight"], cfg["sequenceAdversarialWeight"]
    clip = torch.rand(*shape) * 2 - 1
    B = args.batch
    flat = lambda x: x.reshape(B, -1, c["height"], c["width"])

    def reverse(x):   # train.py's ReverseSeq on [B, k*C, H, W]
        C = c["channels"]
        return torch.cat([x[:, i * C:(i + 1) * C] for i in reversed(range(x.shape[1] // C))], 1)

    def step():
        input_A = flat(clip[:, :k])
        real_A, real_B = clip[:, k], clip[:, 0]
        input_B = reverse(flat(clip[:, 1:]))
        C = c["channels"]
        G.train()
        opt_G.zero_grad()
        A1, B1 = G(input_A), G(input_B)
        A11 = G(torch.cat((B1, input_A[:, C:]), 1))
        B11 = G(reverse(torch.cat((input_A[:, C:], A1), 1)))
        pairs = [(real_A, A1), (real_A, A11), (A1, A11), (real_B, B1), (real_B, B11), (B1, B11)]
        loss_image = sum(l1(a, b) for a, b in pairs) / 6
        loss_log = sum(l1(lap(a), lap(b)) for a, b in pairs) / 6
        frame_outs = [D_A(y) for y in (A1, B1, A11, B11)]
        valid = torch.ones_like(frame_outs[0])
        loss_frame = sum(mse(o, valid) for o in frame_outs) / 4
        mid = input_A[:, C:]
        seqs = [torch.cat((B1, mid, real_A), 1), torch.cat((B11, mid, A1), 1), torch.cat((real_B, mid, A1), 1),
                torch.cat((B1, mid, A11), 1)]
        seq_outs = [D_B(s) for s in seqs]
        valid_seq = torch.ones_like(seq_outs[0])
        loss_seq = sum(mse(o, valid_seq) for o in seq_outs) / 4
        (loss_image + w_log * loss_log + w_frame * loss_frame + w_seq * loss_seq).backward()
        opt_G.step()

        opt_DA.zero_grad()
        fake = torch.zeros_like(valid)
        loss_DA = (mse(D_A(real_A), valid) + mse(D_A(real_B), valid)
                   + sum(mse(D_A(y.detach()), fake) for y in (A1, A11, B1, B11))) / 6
        loss_DA.backward()
        opt_DA.step()

        opt_DB.zero_grad()
        fake_seq = torch.zeros_like(valid_seq)
        loss_DB = (mse(D_B(flat(clip)), valid_seq) + sum(mse(D_B(s.detach()), fake_seq) for s in seqs)) / 5
        loss_DB.backward()
        opt_DB.step()

    count = sum(p.numel() for m in (G, D_A, D_B) for p in m.parameters() if p.requires_grad)
    return count, step


if __name__ == "__main__":
    main(build, __doc__.split("\n\n")[0])
