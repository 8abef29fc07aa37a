#!/usr/bin/env python3
"""Golden RDBM sampling grids, from torch itself (python3-torch; never the C++ library).

RDBM's ddim_sample (MiliLab/RDBM code/rdbm.py @ddc8ef9) builds its grid as
    times = torch.linspace(-1, total_timesteps - 1, steps=sampling_timesteps + 1)   # float32, CPU
    times = list(reversed(times.int().tolist()))
The float32 values are not the exact -1 + i*T/S: where that is an integer torch may land just
below it and .int() truncates to one less (T = 100, S = 85: 78 and 58, not 79 and 59). Which
points land below depends on the CPU kernel torch dispatches to; this file records the AVX2
kernel, torch's usual choice on x86-64 (forced with ATEN_CPU_CAPABILITY=avx2 below).

Writes tests/golden/rdbm_grids.csv: rows `T,S,g_0 g_1 ... g_S` (the reversed grid, as the code
iterates it).  Usage:  /usr/bin/python3 scripts/golden/make_rdbm_grids.py
"""

import os

os.environ["ATEN_CPU_CAPABILITY"] = "avx2"  # before torch loads its kernels

import torch  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "tests", "golden", "rdbm_grids.csv")

# every S at small T and at the paper's T = 100; at T = 1000 every S up to 120 and a few more (both halves of
# the vector loop, the scalar tail and each kernel path occur many times)
CASES = [(T, S) for T in (1, 2, 3, 7, 16, 33, 100) for S in range(1, T + 1)]
CASES += [(1000, S) for S in range(1, 121)] + [(1000, S) for S in (145, 150, 200, 225, 500, 999, 1000)]


def main():
    assert "AVX2" in torch.__config__.show(), "torch did not take the AVX2 kernels"
    lines = ["# torch %s CPU float32 linspace (AVX2 kernel), then .int(), reversed" % torch.__version__,
             "T,S,grid"]
    for T, S in CASES:
        g = list(reversed(torch.linspace(-1, T - 1, steps=S + 1).int().tolist()))
        lines.append("%d,%d,%s" % (T, S, " ".join(str(v) for v in g)))
    with open(OUT, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print("%d grids, %d bytes: %s" % (len(CASES), os.path.getsize(OUT), os.path.relpath(OUT, REPO)))


if __name__ == "__main__":
    main()
