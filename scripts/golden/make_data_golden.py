"""Golden data of tests/data: the degradations of scripts/degrade.py and PSNR / SSIM written
independently of the C++ code (SSIM with a non-separable 2-D window over sliding windows, the
convention of skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255)).

    /usr/bin/python3 scripts/golden/make_data_golden.py [build/photos]
writes tests/golden/data/: crop.png (a 48x40 crop of skimage's chelsea.png, CC0), degraded_<kind>.npy
(float32 (1, 3, 40, 48), seed 7, before quantisation), degraded_default.png, metrics.json.
"""

import json
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import degrade as deg  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "tests", "golden", "data")
SEED = 7


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


def ssim(a, b):
    """a, b: uint8 (C, H, W)."""
    k = np.arange(-5, 6, dtype=np.float64)
    g = np.exp(-k ** 2 / (2 * 1.5 ** 2))
    w = np.outer(g, g)
    w /= w.sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    out = []
    for x, y in zip(a.astype(np.float64), b.astype(np.float64)):
        win = lambda t: np.einsum("ijkl,kl->ij", np.lib.stride_tricks.sliding_window_view(t, (11, 11)), w)
        mx, my = win(x), win(y)
        vx, vy, cxy = win(x * x) - mx ** 2, win(y * y) - my ** 2, win(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
        out.append(s.mean())
    return float(np.mean(out))


def main():
    photos = sys.argv[1] if len(sys.argv) > 1 else "build/photos"
    os.makedirs(OUT, exist_ok=True)
    im = np.asarray(Image.open(os.path.join(photos, "chelsea.png")).convert("RGB"))
    crop = np.ascontiguousarray(im[120:160, 200:248].transpose(2, 0, 1))  # the cat's eye
    Image.fromarray(crop.transpose(1, 2, 0)).save(os.path.join(OUT, "crop.png"))
    for kind in deg.KINDS:
        v = deg.degrade(crop, kind, SEED).astype(np.float32)[None]
        np.save(os.path.join(OUT, f"degraded_{kind}.npy"), v)
    q = deg.quantise(deg.degrade(crop, "default", SEED))
    Image.fromarray(q.transpose(1, 2, 0)).save(os.path.join(OUT, "degraded_default.png"))
    m = {"seed": SEED, "psnr_crop_vs_degraded_default": psnr(crop, q),
         "ssim_crop_vs_degraded_default": ssim(crop, q)}
    with open(os.path.join(OUT, "metrics.json"), "w") as f:
        json.dump(m, f, indent=1)
        f.write("\n")
    print(m)


if __name__ == "__main__":
    main()
