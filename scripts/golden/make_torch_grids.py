#!/usr/bin/env python3
"""Golden sampling grids, from the originals' own expressions evaluated by torch / Python
(python3-torch; never the C++ library).  Where an original builds its grid with torch on the CPU,
its float32 values are not the exact ones and the indices it truncates or rounds them to can
differ by one; torch's CPU kernels round differently per dispatch, and this file records the
AVX2 kernels, torch's usual choice on x86-64 (forced with ATEN_CPU_CAPABILITY=avx2 below).

  rdbm      MiliLab/RDBM code/rdbm.py @ddc8ef9 ddim_sample:
            reversed(torch.linspace(-1, T-1, steps=S+1).int())
  bbdm      xuekt98/BBDM model/BrownianBridge/BrownianBridgeModel.py @02c3b13 register_schedule:
            torch.arange(T-1, 1, step=-((T-1)/(S-2))).long() ++ [1, 0]
  dbim-i2sb thu-ml/DiffusionBridge ddbm/karras_diffusion.py @9252273: get_sigmas_uniform
            torch.linspace(t_max - 1e-3, t_min, N+1) (t_max = 1, t_min = 1e-4, N = NFE - 1), each
            time read at index ((n_timestep - 1) * t).round().long(), n_timestep = 1000
  resshift  zsyOAOA/ResShift models/respace.py @3ce1d81 space_timesteps:
            {int((T/S) * x) for x in range(S)}, run from the largest down
  ddim-*    ermongroup/ddim runners/diffusion.py @e8df66c sample_image (NumPy float64, not torch):
            skip_type uniform: range(0, T, T // S); quad: [int(s) for s in
            np.linspace(0, np.sqrt(T * 0.8), S) ** 2]; functions/denoising.generalized_steps runs
            zip(reversed(seq), reversed([-1] + seq[:-1])): the grid below is reversed(seq) + [-1],
            repeated indices kept as the code runs them

Writes tests/golden/torch_grids.csv: rows `bridge,P,S,g_0 g_1 ...` (P = T, or 0 for dbim-i2sb;
the grid as the code iterates it).  Usage:  /usr/bin/python3 scripts/golden/make_torch_grids.py
"""

import os

os.environ["ATEN_CPU_CAPABILITY"] = "avx2"  # before torch loads its kernels

import numpy as np  # noqa: E402
import torch  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "tests", "golden", "torch_grids.csv")


def rdbm(T, S):
    return list(reversed(torch.linspace(-1, T - 1, steps=S + 1).int().tolist()))


def bbdm(T, S):
    mid = torch.arange(T - 1, 1, step=-((T - 1) / (S - 2))).long()
    return torch.cat((mid, torch.Tensor([1, 0]).long()), dim=0).tolist()


def dbim_i2sb(nfe):
    t = torch.linspace(1.0 - 1e-3, 1e-4, nfe)  # N + 1 = NFE times after the boot from t = 1
    return ((1000 - 1) * t).round().long().tolist()


def resshift(T, S):
    return sorted({int((T / S) * x) for x in range(S)}, reverse=True)


def ddim(T, S, skip_type):
    if skip_type == "uniform":
        seq = list(range(0, T, T // S))
    else:
        seq = [int(s) for s in list(np.linspace(0, np.sqrt(T * 0.8), S) ** 2)]
    return list(reversed(seq)) + [-1]


def cases():
    # every S at small T and at the papers' T; at T = 1000 the first S and the ones that differed
    for T in (1, 2, 3, 7, 16, 33, 100):
        for S in range(1, T + 1):
            yield "rdbm", T, S, rdbm(T, S)
    for S in list(range(1, 121)) + [145, 150, 200, 225, 500, 999, 1000]:
        yield "rdbm", 1000, S, rdbm(1000, S)
    for T in (7, 100):
        for S in range(3, T + 2):
            yield "bbdm", T, S, bbdm(T, S)
    for S in list(range(3, 41)) + [155, 200, 261, 372, 409, 502, 631, 779, 1000, 1001]:
        yield "bbdm", 1000, S, bbdm(1000, S)
    for nfe in list(range(2, 41)) + [395, 400, 456, 710, 789, 799]:
        yield "dbim-i2sb", 0, nfe, dbim_i2sb(nfe)
    for T in (4, 15):
        for S in range(2, T + 1):
            yield "resshift", T, S, resshift(T, S)
    for S in list(range(2, 31)) + [100, 250, 333]:
        yield "resshift", 1000, S, resshift(1000, S)
    for kind in ("uniform", "quad"):
        for T in (1, 7, 100):
            for S in range(1, T + 1):
                yield "ddim-" + kind, T, S, ddim(T, S, kind)
        for S in list(range(1, 61)) + [99, 100, 101, 333, 500, 999, 1000]:
            yield "ddim-" + kind, 1000, S, ddim(1000, S, kind)


def main():
    assert "AVX2" in torch.__config__.show(), "torch did not take the AVX2 kernels"
    lines = ["# torch %s CPU float32 (AVX2 kernels); the originals' expressions" % torch.__version__,
             "bridge,P,S,grid"]
    n = 0
    for name, P, S, g in cases():
        lines.append("%s,%d,%d,%s" % (name, P, S, " ".join(str(v) for v in g)))
        n += 1
    with open(OUT, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print("%d grids, %d bytes: %s" % (n, os.path.getsize(OUT), os.path.relpath(OUT, REPO)))


if __name__ == "__main__":
    main()
