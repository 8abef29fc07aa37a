"""Trains the default model: a small DiffIR (deblur variant, reduced config) for the `default`
degradation of scripts/degrade.py, on photographs of Debian's python3-skimage package
(scripts/default_model/fetch_photos.sh), following the paper's two stages (docs/default-model.md):

  Stage 1   CPEN_S1(LQ, GT) + DIRformer, pixel L1
  Stage 2a  CPEN_S2 + the denoiser only, L1(IPR_S2, IPR_S1)         (the official encoder_iter)
  Stage 2b  all of Stage 2 (G initialised from Stage 1), pixel L1 + L1(IPR_S2, IPR_S1)
            the IPR diffusion runs its T steps with gradients from q_sample(IPR_S1, T-1)
            (the official training; inference starts from pure noise)

Deterministic: torch / NumPy seeds, one thread count.  Writes models/default/{diffir_s2.safetensors,
config.json} with the official key layout and the loss curve docs/default-model/loss.csv.

    /usr/bin/python3 scripts/train_default.py [--quick]
"""

import argparse
import csv
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "golden"))
import degrade as deg  # noqa: E402
import diffir_torch as dt  # noqa: E402

TRAIN = ["astronaut.png", "rocket.jpg", "hubble_deep_field.jpg", "retina.jpg", "ihc.png", "coins.png",
         "grass.png", "gravel.png", "brick.png", "text.png"]
HELD_OUT = ["chelsea.png", "coffee.png", "camera.png"]  # never seen in training

CONFIG = {  # network_g, official key names (models/diffir/config.hpp)
    "dim": 16, "num_blocks": [1, 1, 1, 1], "num_refinement_blocks": 1, "heads": [1, 2, 2, 4],
    "ffn_expansion_factor": 2.0, "bias": False, "LayerNorm_type": "WithBias", "n_encoder_res": 1,
    "n_denoise_res": 1, "timesteps": 4, "linear_start": 0.1, "linear_end": 0.99,
}


def load_u8(path):
    """(3, H, W) uint8; greyscale photographs become RGB, as the C++ reader does."""
    im = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(im.transpose(2, 0, 1))


def training_pairs(photos, copies):
    """(clean, degraded) float32 pairs in [0, 1]: `copies` degradations of each photograph,
    seeds 1000·i + k, quantised to 8 bits like the PNG the C++ tool writes."""
    pairs = []
    for i, name in enumerate(TRAIN):
        x = load_u8(os.path.join(photos, name))
        clean = x.astype(np.float32) / np.float32(255)
        for k in range(copies):
            d = deg.quantise(deg.degrade(x, "default", 1000 * i + k)).astype(np.float32) / np.float32(255)
            pairs.append((clean, d))
    return pairs


class Batches:
    def __init__(self, pairs, crop, batch, seed):
        self.pairs, self.crop, self.batch = pairs, crop, batch
        self.rng = np.random.default_rng(seed)
        w = np.array([p[0].shape[1] * p[0].shape[2] for p in pairs], dtype=np.float64)
        self.p = w / w.sum()  # sample photographs by area

    def __call__(self):
        gt, lq = [], []
        for _ in range(self.batch):
            c, d = self.pairs[self.rng.choice(len(self.pairs), p=self.p)]
            H, W = c.shape[1:]
            y, x = self.rng.integers(0, H - self.crop + 1), self.rng.integers(0, W - self.crop + 1)
            a, b = c[:, y:y + self.crop, x:x + self.crop], d[:, y:y + self.crop, x:x + self.crop]
            k = self.rng.integers(0, 8)  # the 8 flips / rotations
            a, b = np.rot90(a, k % 4, (1, 2)), np.rot90(b, k % 4, (1, 2))
            if k >= 4:
                a, b = a[:, :, ::-1], b[:, :, ::-1]
            gt.append(np.ascontiguousarray(a)), lq.append(np.ascontiguousarray(b))
        return torch.from_numpy(np.stack(lq)), torch.from_numpy(np.stack(gt))


def cosine_lr(opt, base, it, total):
    for g in opt.param_groups:
        g["lr"] = 1e-6 + 0.5 * (base - 1e-6) * (1 + math.cos(math.pi * it / total))


def ipr_s1(s1, lq, gt):
    return s1.E(torch.cat([F.pixel_unshuffle(lq, 4), F.pixel_unshuffle(gt, 4)], 1))


def ipr_s2_train(s2, lq, target):
    """The Stage-2 IPR as trained officially: T posterior-mean steps from q_sample(target, T-1)."""
    d = s2.diffusion
    c = d.condition(F.pixel_unshuffle(lq, 4))
    T = d.T
    z = d.sqrt_alphas_cumprod[T - 1] * target + d.sqrt_one_minus_alphas_cumprod[T - 1] * torch.randn_like(target)
    for i in reversed(range(T)):
        t = torch.full((lq.shape[0],), i, dtype=torch.long)
        z = d.posterior_mean_coef1[i] * d.model(z, t, c) + d.posterior_mean_coef2[i] * z
    return z


def save_f16(path, tensors):
    """A minimal F16 safetensors writer (keys sorted, 8-byte aligned header). The shipped weights
    are stored in half precision (4.2 MB instead of 8.4 MB); the library widens them to float32."""
    header, blobs, pos = {}, [], 0
    for k in sorted(tensors):
        a = np.ascontiguousarray(tensors[k].detach().cpu().numpy().astype("<f2"))
        header[k] = {"dtype": "F16", "shape": list(a.shape), "data_offsets": [pos, pos + a.nbytes]}
        blobs.append(a.tobytes())
        pos += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


def run(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(os.path.dirname(args.log), exist_ok=True)
    t0 = time.time()
    pairs = training_pairs(args.photos, args.copies)
    print(f"data: {len(pairs)} pairs from {len(TRAIN)} photographs ({time.time() - t0:.0f} s)", flush=True)
    batches = Batches(pairs, args.crop, args.batch, args.seed)
    log = open(args.log, "w", newline="")
    w = csv.writer(log)
    w.writerow(["stage", "iteration", "loss_pixel_l1", "loss_ipr_l1", "seconds"])

    def record(stage, it, lp, li, every):
        if it % every == 0 or it == 1:
            w.writerow([stage, it, f"{lp:.6f}", f"{li:.6f}", f"{time.time() - t0:.0f}"])
            log.flush()
            print(f"{stage} {it} pixel {lp:.5f} ipr {li:.5f} ({time.time() - t0:.0f} s)", flush=True)

    # ---- Stage 1 -------------------------------------------------------------------------
    s1 = dt.DiffIRS1("deblur", CONFIG)
    opt = torch.optim.Adam(s1.parameters(), lr=args.lr, betas=(0.9, 0.99))
    for it in range(1, args.s1 + 1):
        cosine_lr(opt, args.lr, it, args.s1)
        lq, gt = batches()
        loss = F.l1_loss(s1(lq, gt), gt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        record("s1", it, loss.item(), 0.0, args.every)
    s1.eval()
    for p in s1.parameters():
        p.requires_grad_(False)

    # ---- Stage 2 -------------------------------------------------------------------------
    s2 = dt.DiffIRS2("deblur", CONFIG)
    s2.G.load_state_dict(s1.G.state_dict())
    enc = list(s2.condition.parameters()) + list(s2.denoise.parameters())
    opt = torch.optim.Adam(enc, lr=args.lr, betas=(0.9, 0.99))
    for it in range(1, args.s2a + 1):
        cosine_lr(opt, args.lr, it, args.s2a)
        lq, gt = batches()
        with torch.no_grad():
            target = ipr_s1(s1, lq, gt)
        li = F.l1_loss(ipr_s2_train(s2, lq, target), target)
        opt.zero_grad()
        li.backward()
        opt.step()
        record("s2a", it, 0.0, li.item(), args.every)
    opt = torch.optim.Adam(s2.parameters(), lr=args.lr_s2b, betas=(0.9, 0.99))
    for it in range(1, args.s2b + 1):
        cosine_lr(opt, args.lr_s2b, it, args.s2b)
        lq, gt = batches()
        with torch.no_grad():
            target = ipr_s1(s1, lq, gt)
        z = ipr_s2_train(s2, lq, target)
        lp, li = F.l1_loss(s2.G(lq, z), gt), F.l1_loss(z, target)
        opt.zero_grad()
        (lp + li).backward()
        opt.step()
        record("s2b", it, lp.item(), li.item(), args.every)
    log.close()

    # ---- export: the official Stage-2 state_dict (buffers included) -------------------------
    # the duplicated diffusion.model.* / diffusion.condition.* keys carry the same tensors as
    # denoise.* / condition.*; the loader ignores them, so they are left out (half the size)
    sd = {k: v.detach().contiguous().float() for k, v in s2.state_dict().items()
          if not k.startswith(("diffusion.model.", "diffusion.condition."))}
    save_f16(os.path.join(args.out, "diffir_s2.safetensors"), sd)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=1)
        f.write("\n")
    n = sum(v.numel() for k, v in s2.state_dict().items() if not k.startswith("diffusion."))
    print(f"exported {len(sd)} tensors, {n} parameters, to {args.out} ({time.time() - t0:.0f} s)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", default="build/photos")
    ap.add_argument("--out", default="models/default")
    ap.add_argument("--log", default="docs/default-model/loss.csv")
    ap.add_argument("--s1", type=int, default=3000)
    ap.add_argument("--s2a", type=int, default=400)
    ap.add_argument("--s2b", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-s2b", type=float, default=2e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--every", type=int, default=50)
    run(ap.parse_args())


if __name__ == "__main__":
    main()
