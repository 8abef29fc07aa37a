"""Held-out evaluation of the default model (docs/default-model.md), through the C++ tool:

  1. the classical baseline: a Gaussian filter whose sigma is tuned (grid 0.3..3.0) for the best
     mean PSNR on the training photographs, degraded as in training (seed 1000·i);
  2. each held-out photograph: `diffbridge degrade` (seed 1), `diffbridge restore --model default`
     (timed), the baseline, and `diffbridge compare` for PSNR / SSIM of all three;
  3. the parity fixture of the CI test: the PyTorch model's output on tests/golden/data's degraded
     crop (z_T = the Philox normals of seed 0, as the tool draws them).

    /usr/bin/python3 scripts/default_model/evaluate.py build/release/apps/diffbridge [build/photos]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "golden"))
import degrade as deg  # noqa: E402
import diffir_torch as dt  # noqa: E402
import train_default as td  # noqa: E402


def gaussian(x, sigma):
    """Separable Gaussian (truncated at 4 sigma, reflect borders) of float (C, H, W)."""
    r = max(1, int(4 * sigma + 0.5))
    k = np.exp(-np.arange(-r, r + 1) ** 2 / (2 * sigma ** 2))
    k /= k.sum()
    p = np.pad(x, ((0, 0), (r, r), (0, 0)), mode="reflect")
    y = sum(k[i] * p[:, i:i + x.shape[1], :] for i in range(2 * r + 1))
    p = np.pad(y, ((0, 0), (0, 0), (r, r)), mode="reflect")
    return sum(k[i] * p[:, :, i:i + x.shape[2]] for i in range(2 * r + 1))


def psnr(a, b):
    return 10 * np.log10(255.0 ** 2 / np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))


def tune_sigma(photos):
    data = []
    for i, name in enumerate(td.TRAIN):
        x = td.load_u8(os.path.join(photos, name))
        d = deg.quantise(deg.degrade(x, "default", 1000 * i)).astype(np.float64) / 255
        data.append((x, d))
    best = None
    for s in np.round(np.arange(0.3, 3.01, 0.1), 2):
        m = np.mean([psnr(x, deg.quantise(gaussian(d, s))) for x, d in data])
        if best is None or m > best[1]:
            best = (s, m)
    return best


def torch_model(model_dir):
    """The exported Stage-2 model in PyTorch, float32 from the file's (F16) values (duplicated keys
    restored from their sources)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    m = dt.DiffIRS2("deblur", cfg)
    sd = read_safetensors(os.path.join(model_dir, "diffir_s2.safetensors"))
    for k in list(m.state_dict()):
        if k.startswith("diffusion.model."):
            sd[k] = sd["denoise." + k[len("diffusion.model."):]]
        elif k.startswith("diffusion.condition."):
            sd[k] = sd["condition." + k[len("diffusion.condition."):]]
    m.load_state_dict(sd, strict=True)
    return m.eval()


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        blob = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        dt = {"F32": "<f4", "F16": "<f2"}[v["dtype"]]
        out[k] = torch.from_numpy(np.frombuffer(blob[a:b], dtype=dt).astype(np.float32).reshape(v["shape"]))
    return out


def main():
    tool = os.path.abspath(sys.argv[1])
    photos = sys.argv[2] if len(sys.argv) > 2 else "build/photos"
    model_dir = os.path.join(ROOT, "models", "default")
    sigma, train_psnr = tune_sigma(photos)
    print(f"baseline: Gaussian sigma = {sigma} (mean training PSNR {train_psnr:.2f} dB)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in td.HELD_OUT:
            clean = os.path.join(tmp, "clean.png")
            Image.fromarray(td.load_u8(os.path.join(photos, name)).transpose(1, 2, 0)).save(clean)
            lq, out, base = (os.path.join(tmp, f) for f in ("lq.png", "out.png", "base.png"))
            subprocess.run([tool, "degrade", "--seed", "1", "--input", clean, "--output", lq], check=True)
            t = time.time()
            subprocess.run([tool, "restore", "--model", "default", "--input", lq, "--output", out], check=True)
            secs = time.time() - t
            d = np.asarray(Image.open(lq).convert("RGB")).transpose(2, 0, 1).astype(np.float64) / 255
            Image.fromarray(deg.quantise(gaussian(d, sigma)).transpose(1, 2, 0)).save(base)
            r = subprocess.run([tool, "compare", "--reference", clean, "--image", lq, "--image", base, "--image", out],
                               check=True, capture_output=True, text=True).stdout.split("\n")
            vals = [(float(l.split("psnr=")[1].split()[0]), float(l.split("ssim=")[1])) for l in r if l]
            h, w = d.shape[1:]
            rows.append((name, w, h, vals, secs))
    print("\n| photo | size | degraded PSNR / SSIM | Gaussian σ=%s | default model | Δ PSNR | restore time |" % sigma)
    print("|---|---|---|---|---|---|---|")
    for name, w, h, v, secs in rows:
        print(f"| {name} | {w}×{h} | {v[0][0]:.2f} / {v[0][1]:.4f} | {v[1][0]:.2f} / {v[1][1]:.4f} | "
              f"{v[2][0]:.2f} / {v[2][1]:.4f} | +{v[2][0] - v[0][0]:.2f} dB | {secs:.2f} s |")
    mean = lambda i, j: np.mean([r[3][i][j] for r in rows])
    print(f"| mean | | {mean(0, 0):.2f} / {mean(0, 1):.4f} | {mean(1, 0):.2f} / {mean(1, 1):.4f} | "
          f"{mean(2, 0):.2f} / {mean(2, 1):.4f} | +{mean(2, 0) - mean(0, 0):.2f} dB | |")

    # parity fixture: the PyTorch model on the golden degraded crop
    m = torch_model(model_dir)
    g = np.asarray(Image.open(os.path.join(ROOT, "tests", "golden", "data", "degraded_default.png")).convert("RGB"))
    x = torch.from_numpy(g.transpose(2, 0, 1).astype(np.float32) / np.float32(255))[None]
    z = torch.from_numpy(deg.philox_normals(0, 0, 256))[None]
    H, W = x.shape[2:]
    xp = torch.nn.functional.pad(x, (0, (8 - W % 8) % 8, 0, (8 - H % 8) % 8), mode="reflect")
    with torch.no_grad():
        y = m(xp, z)[:, :, :H, :W]
    np.save(os.path.join(ROOT, "tests", "golden", "data", "default_model_out.npy"), y.numpy().astype(np.float32))
    print("wrote tests/golden/data/default_model_out.npy")


if __name__ == "__main__":
    main()
