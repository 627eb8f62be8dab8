"""Helpers shared by the GAN fixture scripts: the weight formula both sides compute, stubs for the
reference code's unused imports, and JSON output."""
import math
import sys
import types

import numpy as np
import torch


def stub_modules(names):
    """Registers empty modules for imports the reference code makes but the networks never use
    (torchvision, PIL, tensorboardX), so that only torch and numpy are needed."""
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            sub = ".".join(parts[:i])
            if sub not in sys.modules:
                try:
                    __import__(sub)
                except ImportError:
                    sys.modules[sub] = types.ModuleType(sub)
    tb = sys.modules.get("tensorboardX")
    if tb is not None and not hasattr(tb, "SummaryWriter"):
        tb.SummaryWriter = object
    tvu = sys.modules.get("torchvision.utils")
    if tvu is not None and not hasattr(tvu, "save_image"):
        tvu.save_image = tvu.make_grid = None
    pil = sys.modules.get("PIL")
    if pil is not None and not hasattr(pil, "Image"):
        pil.Image = types.ModuleType("PIL.Image")
        sys.modules["PIL.Image"] = pil.Image


def formula_values(shape, p):
    """The fixture weight for a tensor of `shape` at position p of the sorted name list: with k the
    row-major element index, u = ((k*2654435761 + p*40503 + 12345) mod 2^32) / 2^32 * 2 - 1 in [-1, 1);
    rank >= 2: u * sqrt(3 / prod(shape[1:])); rank 1: 0.1 u. Computed in float64, rounded to float32."""
    n = int(np.prod(shape)) if len(shape) else 1
    k = np.arange(n, dtype=np.uint64)
    h = (k * np.uint64(2654435761) + np.uint64(p) * np.uint64(40503) + np.uint64(12345)) % np.uint64(2**32)
    s = h.astype(np.float64) / 2.0**32 * 2 - 1
    if len(shape) >= 2:
        v = s * math.sqrt(3.0 / int(np.prod(shape[1:])))
    else:
        v = 0.1 * s
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def fill(module, rename=lambda n: n):
    """Fills every floating-point parameter (trainable or not) of `module` with the formula, walking the
    parameter names (after `rename`) in sorted order; returns [{name, shape, p}] for the fixture."""
    params = {rename(n): t for n, t in module.named_parameters()}
    names = sorted(params)
    out = []
    with torch.no_grad():
        for p, name in enumerate(names):
            t = params[name]
            t.copy_(formula_values(tuple(t.shape), p))
            out.append({"name": name, "shape": list(t.shape), "p": p})
    return out


def trainable_count(module):
    """Trainable scalars (parameters with requires_grad; the reference's spectral-norm u and v vectors are
    registered as parameters without gradient and are not counted)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def tensor_json(t):
    """Shape and values (9 significant digits: float32's precision, which the tolerances are far above)."""
    t = t.detach()
    return {"shape": list(t.shape), "values": [float("%.9g" % v) for v in t.double().reshape(-1).numpy()]}


def seeded_input(shape, seed):
    """An input tensor both sides compute: u of the weight formula (in [-1, 1)) with p = seed, float32."""
    n = int(np.prod(shape))
    k = np.arange(n, dtype=np.uint64)
    h = (k * np.uint64(2654435761) + np.uint64(seed) * np.uint64(40503) + np.uint64(12345)) % np.uint64(2**32)
    s = h.astype(np.float64) / 2.0**32 * 2 - 1
    return torch.from_numpy(s.astype(np.float32).reshape(shape))


def varied_input(shape, seed, groups, scale):
    """An input whose samples differ in level and contrast, so that a network's outputs vary between them
    (white noise of the same statistics gives nearly equal scores after spatial sums). The flat tensor
    is cut into `groups` equal runs (e.g. one per clip or frame); with u = seeded_input(n, seed) and
    (g, o) = seeded_input(2 * groups, seed + 1) split in halves, element k of run j is
    scale * (u_k * (1.5 + g_j) + o_j), computed in float64 and rounded to float32. Inputs meant to differ
    need seeds far apart: the hash shifts all of u by only p * 40503 / 2^32 per unit of p."""
    n = int(np.prod(shape))
    assert n % groups == 0, f"{n} elements do not split into {groups} groups"
    k = np.arange(n, dtype=np.uint64)
    h = (k * np.uint64(2654435761) + np.uint64(seed) * np.uint64(40503) + np.uint64(12345)) % np.uint64(2**32)
    u = h.astype(np.float64) / 2.0**32 * 2 - 1
    j = np.arange(2 * groups, dtype=np.uint64)
    hg = (j * np.uint64(2654435761) + np.uint64(seed + 1) * np.uint64(40503) + np.uint64(12345)) % np.uint64(2**32)
    go = hg.astype(np.float64) / 2.0**32 * 2 - 1
    run = np.arange(n) // (n // groups)
    v = scale * (u * (1.5 + go[:groups][run]) + go[groups:][run])
    return torch.from_numpy(v.astype(np.float32).reshape(shape))
