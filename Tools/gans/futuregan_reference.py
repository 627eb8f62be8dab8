#!/usr/bin/env python3
"""FutureGAN against the reference PyTorch modules (github.com/TUM-LMF/FutureGAN, commit 9428c7d).

The reference is imported from a folder you name (a checkout holding model.py and custom_layers.py); its code
is never copied into this repository.

  python Tools/gans/futuregan_reference.py counts   --reference PATH
      Parameter counts of the reference generator and discriminator for zoo's reference-architecture
      presets, per growth stage: while a stage fades in (after grow_network) and after flush_network.
  python Tools/gans/futuregan_reference.py fixtures --reference PATH --out Tests/ModelTests/Fixtures/futuregan_parity.json
      A small fixture (8x8, 3 channels, 2 + 3 frames, 8 channels): fixed weights, generator and critic
      outputs at 4x4, at 8x8 while fading in (alpha 0.3) and at 8x8 flushed, and the WGAN-GP critic loss
      of train.py with its gradients with respect to every critic parameter.

Equalised layers: the reference scales the layer input by the RMS of its initial weights; zoo scales by
1/sqrt(fan_in) (PyTorch's fan rule of the stored weight). For the fixture, every equalised module's
`scale` is set to zoo's constant, so both compute the same function of the stored weights. The
reference is evaluated in float64.
"""
import argparse
import json
import math
import sys
from types import SimpleNamespace


def load_reference(path):
    sys.path.insert(0, path)
    import torch  # noqa: F401
    import model as reference_model  # the reference's model.py
    import custom_layers
    return reference_model, custom_layers


def make_config(nc, ngf, ndf, nframes_in, nframes_pred):
    # train.py's defaults for everything the modules read.
    return SimpleNamespace(batch_norm=False, g_pixelwise_norm=True, w_norm=True, padding='zero', lrelu=True,
                           g_tanh=False, d_gdrop=False, d_sigmoid=False, loss='wgan_gp', d_cond=True,
                           nc=nc, nz=512, ngf=ngf, ndf=ndf, nframes_in=nframes_in, nframes_pred=nframes_pred)


def count(module):
    return sum(p.numel() for p in module.parameters())


# zoo's reference-architecture presets: (channels, size, context, predicted).
PRESETS = {
    'mmnist64': (1, 64, 6, 6),
    'bair64': (3, 64, 4, 16),
    'kth64': (1, 64, 4, 12),
    'city128': (3, 128, 4, 16),
    'sim128': (1, 128, 4, 16),
}


def counts(args):
    ref, _ = load_reference(args.reference)
    import torch
    torch.manual_seed(0)
    out = {}
    names = args.presets.split(',') if args.presets else list(PRESETS)
    for name in names:
        nc, size, din, dpred = PRESETS[name]
        cfg = make_config(nc, 512, 512, din, dpred)
        G, D = ref.FutureGenerator(cfg), ref.Discriminator(cfg)
        stages = [{'stage': 0, 'resolution': 4, 'generator': count(G), 'discriminator': count(D)}]
        final = int(math.log2(size))
        for k, resl in enumerate(range(3, final + 1), start=1):
            G.grow_network(resl)
            D.grow_network(resl)
            row = {'stage': k, 'resolution': 2 ** resl, 'generator': count(G), 'discriminator': count(D)}
            G.flush_network()
            D.flush_network()
            row['generatorFlushed'] = count(G)
            row['discriminatorFlushed'] = count(D)
            stages.append(row)
        out[name] = stages
        print(name, json.dumps(stages[-1]), file=sys.stderr)
    return out


# ---------------------------------------------------------------------------------------------------------
# Fixtures

def equalized_params(module):
    """(weight, bias) of an equalised conv, transposed conv or linear module of the reference."""
    inner = getattr(module, 'conv', None) or getattr(module, 'deconv', None) or getattr(module, 'linear')
    return inner.weight, module.bias


def unwrap(seq):
    """The layers of a block: flush_network and deepcopy_module wrap blocks in one-child Sequentials."""
    import torch.nn as nn
    while isinstance(seq, nn.Sequential) and len(seq) == 1 and isinstance(seq[0], nn.Sequential):
        seq = seq[0]
    return seq


def generator_map(G, stage, flushed):
    """zoo name prefix → reference equalised module, for a generator grown from 4x4 to `stage`."""
    m = G.model
    out = {}
    mid = unwrap(m.middle_block)
    out.update({'generator.middle.conv1': mid[0], 'generator.middle.squeeze': mid[3],
                'generator.middle.expand': mid[6], 'generator.middle.conv2': mid[9]})
    older = stage if flushed else stage - 1     # blocks outside the concat blocks
    for j in range(older):
        r = 4 * 2 ** j
        enc = unwrap(getattr(m, 'intermediate_encode_{}x{}_{}x{}'.format(2 * r, 2 * r, r, r)))
        dec = unwrap(getattr(m, 'intermediate_decode_{}x{}_{}x{}'.format(r, r, 2 * r, 2 * r)))
        out['generator.encoders.%d.conv' % j], out['generator.encoders.%d.down' % j] = enc[0], enc[3]
        out['generator.decoders.%d.up' % j], out['generator.decoders.%d.conv' % j] = dec[0], dec[3]
    if stage == 0 or flushed:
        out['generator.fromRGB'] = unwrap(m.from_rgb_block)[0]
        out['generator.toRGB'] = unwrap(m.to_rgb_block)[0]
    else:
        j = stage - 1
        ce, cd = m.concat_block_encode, m.concat_block_decode
        out['generator.fadeIn.fromRGB'] = unwrap(ce.layer1.low_resl_from_rgb.from_rgb_block)[0]
        out['generator.fadeIn.down'] = ce.layer1.low_resl_downsample[0]
        out['generator.fromRGB'] = ce.layer2.high_resl_from_rgb[0]
        out['generator.encoders.%d.conv' % j] = ce.layer2.high_resl_block_encode[0]
        out['generator.encoders.%d.down' % j] = ce.layer2.high_resl_block_encode[3]
        out['generator.fadeIn.up'] = cd.layer1.low_resl_upsample[0]
        out['generator.fadeIn.toRGB'] = unwrap(cd.layer1.low_resl_to_rgb.to_rgb_block)[0]
        out['generator.decoders.%d.up' % j] = cd.layer2.high_resl_block_decode[0]
        out['generator.decoders.%d.conv' % j] = cd.layer2.high_resl_block_decode[3]
        out['generator.toRGB'] = cd.layer2.high_resl_to_rgb[0]
    return out


def critic_map(D, stage, flushed):
    m = D.model
    last = unwrap(m.last_block)
    out = {'discriminator.head.conv': last[1], 'discriminator.head.clip': last[3],
           'discriminator.head.linear': last[6]}
    older = stage if flushed else stage - 1
    for j in range(older):
        r = 4 * 2 ** j
        block = unwrap(getattr(m, 'intermediate_{}x{}_{}x{}'.format(2 * r, 2 * r, r, r)))
        out['discriminator.blocks.%d.conv' % j], out['discriminator.blocks.%d.down' % j] = block[0], block[2]
    if stage == 0 or flushed:
        out['discriminator.fromRGB'] = unwrap(m.from_rgb_block)[0]
    else:
        j = stage - 1
        cb = m.concat_block
        out['discriminator.fadeIn.fromRGB'] = unwrap(cb.layer1.low_resl_from_rgb.from_rgb_block)[0]
        out['discriminator.fadeIn.down'] = cb.layer1.low_resl_downsample[0]
        out['discriminator.fromRGB'] = cb.layer2.high_resl_from_rgb[0]
        out['discriminator.blocks.%d.conv' % j] = cb.layer2.high_resl_block[0]
        out['discriminator.blocks.%d.down' % j] = cb.layer2.high_resl_block[2]
    return out


def named(mapping):
    """zoo parameter name → reference Parameter, in sorted order."""
    out = {}
    for prefix, module in mapping.items():
        w, b = equalized_params(module)
        out[prefix + '.weight'] = w
        out[prefix + '.bias'] = b
    return dict(sorted(out.items()))


def set_zoo_scale(mapping):
    for module in mapping.values():
        w, _ = equalized_params(module)
        fan_in = w.shape[1] * (int(math.prod(w.shape[2:])) if w.dim() > 2 else 1)
        module.scale = 1.0 / math.sqrt(fan_in)


def tensor_json(t):
    return {'shape': list(t.shape), 'values': [float(v) for v in t.detach().reshape(-1).tolist()]}


def fixtures(args):
    ref, layers = load_reference(args.reference)
    import torch
    torch.set_default_dtype(torch.float64)
    nc, size, din, dpred, width, batch = 3, 8, 2, 3, 8, 2
    cfg = make_config(nc, width, width, din, dpred)
    g = torch.Generator().manual_seed(1234)

    def fill(mapping, seen):
        # N(0, 1) weights and N(0, 0.1²) biases for parameters not seen before (kept across growth).
        for name, p in named(mapping).items():
            if id(p) in seen:
                continue
            seen.add(id(p))
            std = 1.0 if name.endswith('.weight') else 0.1
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * std)
        set_zoo_scale(mapping)

    G, D = ref.FutureGenerator(cfg).double(), ref.Discriminator(cfg).double()
    seen = set()
    clip8 = torch.rand(batch, nc, din + dpred, size, size, generator=g) * 2 - 1
    clip4 = torch.nn.functional.avg_pool3d(clip8, (1, 2, 2))
    fake8 = torch.rand(batch, nc, dpred, size, size, generator=g) * 2 - 1
    cases = []

    def record(name, stage, flushed, alpha, clip):
        gm, dm = generator_map(G, stage, flushed), critic_map(D, stage, flushed)
        fill(gm, seen)
        fill(dm, seen)
        if not flushed and stage > 0:
            G.model.fadein_block_encode.alpha = alpha
            G.model.fadein_block_decode.alpha = alpha
            D.model.fadein_block.alpha = alpha
        past = clip[:, :, :din]
        with torch.no_grad():
            y = G.model(past)                       # prediction only (G.forward concatenates the past)
            full = G(past)
            assert torch.equal(full[:, :, din:], y)
            scores = D(clip)
        params = {**named(gm), **named(dm)}
        cases.append({'name': name, 'stage': stage, 'flushed': flushed, 'alpha': alpha,
                      'parameters': {k: tensor_json(v) for k, v in params.items()},
                      'clip': tensor_json(clip), 'prediction': tensor_json(y), 'scores': tensor_json(scores)})
        return params

    record('stage0', 0, True, 1.0, clip4)
    G.grow_network(3)
    D.grow_network(3)
    record('fadein', 1, False, 0.3, clip8)
    G.flush_network()
    D.flush_network()
    critic_params = record('flushed', 1, True, 1.0, clip8)

    # WGAN-GP critic loss of train.py on the flushed 8x8 critic (d_cond: full clips, past frames shared).
    real = clip8
    fake = torch.cat([clip8[:, :, :din], fake8], 2)
    u = torch.rand(batch, 1, generator=g)
    alpha = u.expand(batch, real[0].nelement()).contiguous().view(*real.shape)
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = D(interpolates)
    grads = torch.autograd.grad(outputs=out, inputs=interpolates, grad_outputs=torch.ones(out.size()),
                                create_graph=True, retain_graph=True, only_inputs=True)[0]
    grads = grads.view(grads.size(0), -1)
    penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean()
    d_real, d_fake = D(real), D(fake)
    wasserstein = torch.mean(d_real) - torch.mean(d_fake)
    drift = torch.mean(d_real ** 2)
    loss_d = torch.mean(d_fake) - torch.mean(d_real) + 10 * penalty + 0.001 * drift
    names = [k for k in critic_params if k.startswith('discriminator.')]
    param_grads = torch.autograd.grad(loss_d, [critic_params[k] for k in names])
    wgan = {'real': tensor_json(real), 'fake': tensor_json(fake), 'u': [float(v) for v in u.reshape(-1)],
            'lossD': float(loss_d), 'wasserstein': float(wasserstein), 'gradientPenalty': float(penalty),
            'drift': float(drift), 'lossG': float(-torch.mean(d_fake)),
            'gradients': {k: tensor_json(v) for k, v in zip(names, param_grads)}}

    import subprocess
    try:
        commit = subprocess.run(['git', '-C', args.reference, 'rev-parse', 'HEAD'], capture_output=True,
                                text=True).stdout.strip() or None
    except OSError:
        commit = None
    fixture = {'reference': 'github.com/TUM-LMF/FutureGAN', 'commit': commit or '9428c7d (not a git checkout)',
               'torch': torch.__version__, 'script': 'Tools/gans/futuregan_reference.py',
               'config': {'channels': nc, 'size': size, 'contextFrames': din, 'predictedFrames': dpred,
                          'width': width, 'batch': batch},
               'cases': cases, 'wgan': wgan}
    with open(args.out, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print('wrote', args.out, 'loss_D', float(loss_d), file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('command', choices=['counts', 'fixtures'])
    p.add_argument('--reference', required=True, help='folder holding the reference model.py and custom_layers.py')
    p.add_argument('--presets', default='', help='counts: comma-separated preset names (default: all)')
    p.add_argument('--out', default='Tests/ModelTests/Fixtures/futuregan_parity.json')
    args = p.parse_args()
    import contextlib
    stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):      # the reference prints while growing
        if args.command == 'counts':
            json.dump(counts(args), stdout, indent=1)
            stdout.write('\n')
        else:
            fixtures(args)


if __name__ == '__main__':
    main()
