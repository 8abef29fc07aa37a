#!/usr/bin/env python3
"""Golden fixtures of the DiffIR networks for the C++ tests (tests/golden/diffir/).

The networks are diffir_torch.py: PyTorch modules written from the project specification docs/spec/diffir.md
with the official state_dict key layout.  Nothing here uses the C++ library.

Weights: every parameter comes from a counter-based generator (diffir_torch.hash_tensor;
the C++ twin is tests/models/hash_weights.hpp), so a fixture stores only the key manifest,
the inputs, the starting IPR noise and the outputs, not megabytes of weights.  The C++ test
regenerates the weights for exactly the manifest's keys, writes them as a safetensors file
and loads that through the library's loader.

Files:
  ops.safetensors            per-operator inputs, weights and outputs ("<case>.<role>")
  <case>.json                variant, stage, config, weight seed, sizes, key manifest, buffers
  <case>.safetensors         input (+ mask / gt), z (z_T), c, ipr, output, trace.<stage>

Usage:  /usr/bin/python3 scripts/golden/diffir_reference.py   (deterministic, ~1 minute)
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diffir_torch as D  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "diffir")

BASE = dict(bias=False, n_denoise_res=1, timesteps=4, linear_start=0.1, linear_end=0.99)
FULL_DEBLUR = dict(BASE, dim=48, num_blocks=[3, 5, 6, 6], num_refinement_blocks=4,
                   heads=[1, 2, 4, 8], ffn_expansion_factor=2.0, LayerNorm_type="WithBias",
                   n_encoder_res=5)
TINY = {
    "deblur": dict(BASE, dim=8, num_blocks=[1, 1, 1, 2], num_refinement_blocks=1,
                   heads=[1, 2, 4, 8], ffn_expansion_factor=2.66, LayerNorm_type="WithBias",
                   n_encoder_res=2),
    "sr4": dict(BASE, dim=8, num_blocks=[2, 1, 1, 1], num_refinement_blocks=1,
                heads=[1, 2, 4, 8], ffn_expansion_factor=2.2, LayerNorm_type="BiasFree",
                n_encoder_res=1, n_denoise_res=2),
    "sr2": dict(BASE, dim=8, num_blocks=[1, 1, 1, 1], num_refinement_blocks=2,
                heads=[1, 2, 4, 8], ffn_expansion_factor=2.2, LayerNorm_type="BiasFree",
                n_encoder_res=1, timesteps=3, linear_start=0.05, linear_end=0.9),
    "sr1": dict(BASE, dim=8, num_blocks=[1, 1, 1, 1], num_refinement_blocks=1,
                heads=[1, 2, 2, 4], ffn_expansion_factor=2.2, LayerNorm_type="BiasFree",
                n_encoder_res=1, bias=True),
    "inpaint": dict(BASE, dim=6, num_blocks=[1, 1, 1, 2], num_refinement_blocks=0,
                    heads=[1, 2, 4, 8], ffn_expansion_factor=1.8, LayerNorm_type="WithBias",
                    n_encoder_res=1),
}
# Input sizes (H, W): not multiples of the padding, so the pipelines pad and crop.
SIZES = {"deblur": (12, 20), "sr4": (6, 10), "sr2": (12, 10), "sr1": (20, 28), "inpaint": (14, 12)}


def save(path, tensors):
    """A minimal F32 safetensors writer (keys sorted, 8-byte aligned header)."""
    header, blobs, pos = {}, [], 0
    for k in sorted(tensors):
        a = np.ascontiguousarray(tensors[k].detach().cpu().numpy().astype("<f4"))
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [pos, pos + a.nbytes]}
        blobs.append(a.tobytes())
        pos += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


def pad_multiple(x, mult, mode):
    """§7: pad bottom/right to a multiple; mode 'reflect' (torch) or 'symmetric' (NumPy)."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % mult, (-w) % mult
    if mode == "reflect":
        return F.pad(x, (0, pw, 0, ph), mode="reflect")
    a = np.pad(x.numpy(), ((0, 0), (0, 0), (0, ph), (0, pw)), mode="symmetric")
    return torch.from_numpy(a)


def s2_pipeline(model, variant, img, z, mask=None, trace=None):
    """§6 + §7 at test time, without quantisation: pad, network, crop (inpaint: blend)."""
    h, w = img.shape[-2:]
    if variant == "inpaint":
        ip, mp = pad_multiple(img, 8, "symmetric"), pad_multiple(mask, 8, "symmetric")
        pred = model(torch.cat([ip * (1 - mp), mp], 1), z, trace)
        return (mp * pred + (1 - mp) * ip)[..., :h, :w]
    s = D.sr_scale(variant) or 1
    mult = {4: 8, 2: 16, 1: 32}[s] if D.sr_scale(variant) else 8
    out = model(pad_multiple(img, mult, "reflect"), z, trace)
    return out[..., :h * s, :w * s]


def check_schedule():
    """Spec §6 values."""
    b = D.schedule(4, 0.1, 0.99)
    np.testing.assert_allclose(b["betas"], [0.1, 0.29428563, 0.59095228, 0.99], rtol=1e-7)
    np.testing.assert_allclose(b["posterior_mean_coef1"], [1.0, 0.76518691, 0.63626975, 0.50592679], rtol=1e-7)
    np.testing.assert_allclose(b["posterior_mean_coef2"], [0.0, 0.2302458, 0.31525564, 0.074212432], rtol=1e-6)


def write_case(name, variant, cfg, seed, stage, size, full_trace=False):
    torch.manual_seed(seed)
    model = (D.DiffIRS2 if stage == 2 else D.DiffIRS1)(variant, cfg).eval()
    D.fill_hash(model, seed)
    keys, buffers = D.manifest(model)
    h, w = size
    g = torch.Generator().manual_seed(seed + 1)
    img = torch.rand(1, 3, h, w, generator=g)
    t = {"input": img}
    trace = {} if full_trace else None
    with torch.no_grad():
        if stage == 2:
            z = torch.randn(1, 4 * D.N_FEATS, generator=g)  # z_T (§6 step 3)
            mask = None
            if variant == "inpaint":
                mask = (torch.rand(1, 1, h, w, generator=g) > 0.6).float()
                t["mask"] = mask
            tr = {}
            out = s2_pipeline(model, variant, img, z, mask, tr)
            t.update(z=z, c=tr["c"], ipr=tr["ipr"], output=out)
            if full_trace:
                for k, v in tr.items():
                    t["trace." + k] = v
        else:
            s = D.sr_scale(variant) or 1
            gt = torch.rand(1, 3, h * s, w * s, generator=g)
            tr = {}
            out = model(img, gt, tr)  # sizes are multiples already (Stage 1 is for study)
            t.update(gt=gt, ipr=tr["ipr"], output=out)
    meta = {"variant": variant, "stage": stage, "config": cfg, "seed": seed, "size": [h, w],
            "keys": keys, "buffers": buffers}
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(meta, f, indent=None, separators=(",", ":"))
        f.write("\n")
    save(os.path.join(OUT, name + ".safetensors"), t)
    print(f"{name}: {len(keys)} keys, output {tuple(t['output'].shape)}, "
          f"|out| max {t['output'].abs().max():.3f}")


def ops_fixtures(seed=7):
    """Per-operator cases; the roles are read by tests/nn/test_nn.cpp."""
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    t = {}
    x = r(1, 5, 7, 9)
    for nm, k, bias in [("conv3_b", 3, True), ("conv3", 3, False), ("conv1_b", 1, True), ("conv1", 1, False)]:
        wt = r(6, 5, k, k) * 0.3
        b = r(6) if bias else None
        t[nm + ".x"], t[nm + ".w"] = x, wt
        if bias:
            t[nm + ".b"] = b
        t[nm + ".y"] = F.conv2d(x, wt, b, padding=k // 2)
    xd = r(1, 6, 7, 9)
    wd = r(6, 1, 3, 3)
    t["dw.x"], t["dw.w"], t["dw.y"] = xd, wd, F.conv2d(xd, wd, padding=1, groups=6)
    xl = r(1, 7, 5, 6) * 2 + 0.5
    for kind in ("WithBias", "BiasFree"):
        ln = D.LayerNorm(7, kind)
        with torch.no_grad():
            ln.body.weight.copy_(r(7))
            if kind == "WithBias":
                ln.body.bias.copy_(r(7))
                t["ln_wb.b"] = ln.body.bias.detach().clone()
            pre = "ln_wb" if kind == "WithBias" else "ln_bf"
            t[pre + ".x"], t[pre + ".w"], t[pre + ".y"] = xl, ln.body.weight.detach().clone(), ln(xl)
    z = r(1, 256)
    km = r(14, 256) * 0.0625
    t["mod.x"], t["mod.z"], t["mod.k"] = xl, z, km
    t["mod.y"] = D.modulate(lambda v: F.linear(v, km), xl, z)
    with torch.no_grad():
        for nm, mod in [("mdta", D.Attention(8, 2, False)), ("gdfn", D.FeedForward(8, 2.2, False)),
                        ("block", D.TransformerBlock(8, 2, 2.2, False, "WithBias"))]:
            for k, v in mod.state_dict().items():
                v.copy_(D.hash_tensor(nm + "." + k, tuple(v.shape), seed))
                t[nm + "." + k] = v.clone()
            xa = r(1, 8, 6, 5)
            t[nm + ".x"], t[nm + ".z"], t[nm + ".y"] = xa, z, mod(xa, z)
    xp = r(1, 8, 4, 6)
    t["ps.x"], t["ps.y"] = xp, F.pixel_shuffle(xp, 2)
    xu = r(1, 3, 8, 12)
    t["pu2.x"], t["pu2.y"], t["pu4.y"] = xu, F.pixel_unshuffle(xu, 2), F.pixel_unshuffle(xu, 4)
    t["lrelu.x"], t["lrelu.y"] = xp, F.leaky_relu(xp, 0.1)
    t["gelu.x"] = r(1, 1, 1, 64) * 3
    t["gelu.y"] = F.gelu(t["gelu.x"])
    t["pool.x"], t["pool.y"] = xu, F.adaptive_avg_pool2d(xu, 1).flatten(1)
    xv, wv, bv = r(1, 33), r(17, 33), r(17)
    t["linear.x"], t["linear.w"], t["linear.b"] = xv, wv, bv
    t["linear.y"], t["linear_nb.y"] = F.linear(xv, wv, bv), F.linear(xv, wv)
    xs = r(1, 2, 5, 7)
    t["pad_reflect.x"], t["pad_reflect.y"] = xs, pad_multiple(xs, 8, "reflect")
    t["pad_symmetric.y"] = pad_multiple(xs, 8, "symmetric")
    t["nearest2.y"] = F.interpolate(xs, scale_factor=2, mode="nearest")
    t["nearest4.y"] = F.interpolate(xs, scale_factor=4, mode="nearest")
    save(os.path.join(OUT, "ops.safetensors"), t)
    print(f"ops: {len(t)} tensors")


def main():
    torch.set_num_threads(1)
    check_schedule()
    os.makedirs(OUT, exist_ok=True)
    ops_fixtures()
    for i, (v, cfg) in enumerate(TINY.items()):
        write_case(f"{v}_tiny", v, cfg, 100 + i, 2, SIZES[v])
    write_case("deblur_s1_tiny", "deblur", TINY["deblur"], 200, 1, (16, 16))
    write_case("sr2_s1_tiny", "sr2", TINY["sr2"], 201, 1, (16, 16))
    write_case("deblur_full16", "deblur", FULL_DEBLUR, 300, 2, (16, 16), full_trace=True)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"total {total / 1e6:.2f} MB in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
