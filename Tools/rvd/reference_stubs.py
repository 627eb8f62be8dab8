"""Stand-ins for the reference's imports that these scripts do not need in full (installed only when the real
package is missing): kornia (imported, unused here), tqdm (a progress bar: the stand-in returns the iterable)
and einops' `rearrange` for the three patterns RVD's modules use (network_components.py)."""
import sys
import types


def _rearrange(t, pattern, **axes):
    if pattern == "b c -> b c 1 1":
        return t[:, :, None, None]
    if pattern == "b (h c) x y -> b h c (x y)":
        b, hc, x, y = t.shape
        return t.reshape(b, axes["h"], hc // axes["h"], x * y)
    if pattern == "b h c (x y) -> b (h c) x y":
        b, h, c, _ = t.shape
        return t.reshape(b, h * c, axes["x"], axes["y"])
    raise NotImplementedError(f"einops stand-in: pattern {pattern!r}")


def install():
    for name in ("kornia", "einops", "tqdm"):
        if name in sys.modules:
            continue
        try:
            __import__(name)
        except ImportError:
            module = types.ModuleType(name)
            if name == "einops":
                module.rearrange = _rearrange
            if name == "tqdm":
                module.tqdm = lambda iterable, **kwargs: iterable
            sys.modules[name] = module
