#!/usr/bin/env python3
"""End-to-end golden data: whole sampling runs of each original's OWN sampling loop.

tests/golden/*.step.csv check the preset's coefficients one step at a time. This script
checks the loop around them: for each preset (default parameters unless a `set` says
otherwise) and a few step counts it ports, literally and in float64, the official
repository's sampling loop -- its own starting state, its own walk over its own time
pairs, its own update expressions as written -- and writes the final sample to
tests/golden/sampling_loops.csv. The C++ test tests/sampler/sampling_loops_golden.cpp runs
diffbridge::sample<> (and, for DDBM, heun_pf_ode) on the same inputs and compares.
Nothing here uses the C++ library's formulas.

Common inputs of every run (written into the CSV):
  * a 1x3x4x5 tensor (NCHW, 60 elements, flat index i in C order);
  * y (the degraded image / x_T / mu) and target, uniform in (-1, 1), float32-exact;
  * the denoiser  x0hat(x) = 0.7*target + 0.3*tanh(x)  (the toy of tests/sampler/sampling_loop.cpp).
    It stays in (-1, 1), so the originals' clamps of x0hat to [-1, 1] are no-ops (asserted).
    Where an original's network predicts something else (an epsilon, a velocity, a score), the
    port derives that output from x0hat through the original's OWN conversion, so the
    original then recovers x0hat (or the same score) from it.
  * noise: every torch.randn of an original is replaced by the library's counter-based normals
    philox_normals{seed, counter}(i) (include/diffbridge/core/philox.hpp; NumPy recipe of its
    header comment, as scripts/degrade.py implements it, within 2 ulp of the C++ float32 values: checked against
    the C++ program, and the test re-checks the PHILOX rows of the CSV). The library's sample()
    draws counter 0 for the prior and counter k+1 for the step grid[k] -> grid[k+1]
    (sampler/sample.hpp); each original draw is mapped to the counter of the library step that
    makes the same transition. Draws of steps the library does not take (BBDM's 1 -> 1 and
    DDIM's 0 -> 0 identity steps) are multiplied by exactly 0 in the original; the port gives
    them zeros. Where the original SUBTRACTS its noise term (IR-SDE/GOUB/UniDB reverse_sde_step:
    x - drift - dispersion) the draw is mapped to -philox (randn is symmetric; see README).

Numerical policy: schedules and updates in float64 NumPy (the originals keep float32 buffers;
that rounding is not reproduced). Grids are built with torch exactly as the originals build them
(torch.linspace / torch.arange in float32 where the original does so).

Output: tests/golden/sampling_loops.csv
    # comment lines
    record,bridge,set,sampler,steps,eta,seed,values
    INPUT,y,...,<60 values separated by spaces>
    INPUT,target,...
    PHILOX,,,,<counter>,,<seed>,<first 16 normals of philox_normals{seed, counter}>
    CASE,<bridge>,<k=v;k=v>,<sampler>,<steps>,<eta>,<seed>,<60 final values>
`steps` is the argument of the preset's default_grid; `sampler` is "" (the preset's step),
"euler-maruyama", "heun" (DDBM's Heun PF-ODE, run through diffbridge::heun_pf_ode), or
"predict=pi_eps" (the preset's step, the denoiser answering the marginal's pi*eps, which the
library converts to x0hat: the original's noise parameterisation).

Usage:  /usr/bin/python3 scripts/golden/make_sampling_golden.py
"""

import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import OUT  # noqa: E402
from originals_bridges import i2sb_space_indices  # noqa: E402
from originals_diffusion import ddim_betas, ddim_seq, resshift_sqrt_etas  # noqa: E402
from originals_ou import irsde_cosine_thetas, rdbm_schedule  # noqa: E402

from sampling_common import *  # noqa: E402,F401,F403
from sampling_loops import *  # noqa: E402,F401,F403

def cases():
    c = []
    for steps in (10, 5):
        c.append(("rdbm", [], "", steps, 0.0, 0, lambda y, g, s, n=steps: rdbm_ddim_sample(y, g, s, n)))
    c.append(("rdbm", [("lambda", "0.0001")], "", 10, 0.0, 0,
              lambda y, g, s: rdbm_ddim_sample(y, g, s, 10, lamb=1e-4)))
    c.append(("rdbm", [("T", "50")], "", 7, 0.0, 0, lambda y, g, s: rdbm_ddim_sample(y, g, s, 7, T=50)))
    # S = 85: torch's float32 linspace gives 78 and 58 where exact arithmetic gives 79 and 59
    c.append(("rdbm", [], "", 85, 0.0, 0, lambda y, g, s: rdbm_ddim_sample(y, g, s, 85)))
    # the noise parameterisation: the library runs it with prediction::pi_eps
    c.append(("rdbm", [], "predict=pi_eps", 10, 0.0, 0,
              lambda y, g, s: rdbm_ddim_sample(y, g, s, 10, sampling_type="pred_noise")))
    for seed in (2026, 12345678901):
        c.append(("goub", [], "euler-maruyama", 100, 1.0, seed, lambda y, g, s: goub_reverse_sde(y, g, s)))
    c.append(("unidb", [], "euler-maruyama", 100, 1.0, 2026,
              lambda y, g, s: goub_reverse_sde(y, g, s, gamma_inv=1e-7)))
    c.append(("unidb", [("gamma_inv", "1e-08")], "euler-maruyama", 100, 1.0, 31,
              lambda y, g, s: goub_reverse_sde(y, g, s, gamma_inv=1e-8)))
    c.append(("irsde", [], "", 100, 1.0, 2026, lambda y, g, s: irsde_run(y, g, s, "posterior")))
    c.append(("irsde", [("T", "50")], "", 50, 1.0, 77, lambda y, g, s: irsde_run(y, g, s, "posterior", T=50)))
    c.append(("irsde", [], "euler-maruyama", 100, 1.0, 2026, lambda y, g, s: irsde_run(y, g, s, "sde")))
    for steps, eta, seed in ((200, 1.0, 2026), (20, 1.0, 5), (20, 0.0, 5), (200, 0.5, 9), (20, 2.0, 10)):
        c.append(("bbdm", [], "", steps, eta, seed,
                  lambda y, g, s, n=steps, e=eta: bbdm_p_sample_loop(y, g, s, n, e)))
    # S = 155: torch's float32 arange gives 221 where exact arithmetic gives 222
    c.append(("bbdm", [], "", 155, 1.0, 16, lambda y, g, s: bbdm_p_sample_loop(y, g, s, 155, 1.0)))
    c.append(("bbdm", [("mt_type", "sin")], "", 50, 1.0, 17,
              lambda y, g, s: bbdm_p_sample_loop(y, g, s, 50, 1.0, mt_type="sin")))
    # a short chain whose arange ends at 1: the original's extra 1 -> 1 step
    c.append(("bbdm", [("num_timesteps", "10")], "", 8, 1.0, 3,
              lambda y, g, s: bbdm_p_sample_loop(y, g, s, 8, 1.0, num_timesteps=10)))
    for nfe, seed in ((10, 2026), (999, 4), (3, 8), (1, 18)):
        c.append(("i2sb", [], "", nfe, 1.0, seed, lambda y, g, s, n=nfe: i2sb_ddpm_sampling(y, g, s, n)))
    c.append(("i2sb", [("beta_max", "1")], "", 10, 1.0, 6,
              lambda y, g, s: i2sb_ddpm_sampling(y, g, s, 10, beta_max=1.0)))
    c.append(("i2sb", [("ot_ode", "true")], "", 10, 1.0, 0,
              lambda y, g, s: i2sb_ddpm_sampling(y, g, s, 10, ot_ode=True)))
    for sched, sets, nfe, eta, seed in (("vp", [], 10, 0.0, 2026), ("vp", [], 5, 1.0, 11),
                                        ("vp", [], 20, 0.5, 12),
                                        ("ve", [("schedule", "ve")], 10, 0.5, 13),
                                        ("i2sb", [("schedule", "i2sb")], 10, 0.3, 14),
                                        ("i2sb", [("schedule", "i2sb")], 400, 1.0, 15)):
        c.append(("dbim", sets, "", nfe, eta, seed,
                  lambda y, g, s, n=nfe, e=eta, sc=sched: dbim_sample(y, g, s, n, e, sc)))
    for kind in ("ve", "vp"):
        for steps in (10, 40):
            c.append(("ddbm-" + kind, [], "heun", steps, 0.0, 0,
                      lambda y, g, s, n=steps, k=kind: ddbm_sample_heun(y, g, s, n, k)))
    c.append(("resshift", [], "", 15, 1.0, 2026, lambda y, g, s: resshift_p_sample_loop(y, g, s, 15)))
    c.append(("resshift", [], "", 5, 1.0, 21, lambda y, g, s: resshift_p_sample_loop(y, g, s, 5)))
    c.append(("resshift", [("steps", "4"), ("min_noise_level", "0.2")], "", 4, 1.0, 22,
              lambda y, g, s: resshift_p_sample_loop(y, g, s, 4, steps=4, min_noise_level=0.2)))
    for steps, eta, seed in ((10, 0.0, 2026), (10, 1.0, 2026), (50, 0.5, 23), (30, 1.0, 19)):
        c.append(("ddpm", [], "", steps, eta, seed,
                  lambda y, g, s, n=steps, e=eta: ddim_generalized_steps(y, g, s, n, e)))
    # DDIM's own epsilon parameterisation: the library runs it with prediction::pi_eps
    c.append(("ddpm", [], "predict=pi_eps", 10, 0.5, 26,
              lambda y, g, s: ddim_generalized_steps(y, g, s, 10, 0.5)))
    c.append(("ddpm", [("skip_type", "quad")], "", 50, 1.0, 24,
              lambda y, g, s: ddim_generalized_steps(y, g, s, 50, 1.0, skip_type="quad")))
    c.append(("ddpm", [("beta_schedule", "cosine")], "", 20, 0.3, 25,
              lambda y, g, s: ddim_generalized_steps(y, g, s, 20, 0.3, beta_schedule="cosine")))
    for steps in (10, 100):
        c.append(("rectified-flow", [], "", steps, 0.0, 2026,
                  lambda y, g, s, n=steps: rf_euler_sampler(y, g, s, n)))
    return c


def _vals(a):
    out = []
    for v in np.asarray(a, dtype=np.float64).ravel():
        v = float(v)
        assert math.isfinite(v), v
        out.append(repr(0.0 if v == 0.0 else v))
    return " ".join(out)


def main():
    y, target = make_inputs()
    lines = [
        "# End-to-end sampling runs of each original's own sampling loop (float64 ports).",
        "# Made by scripts/golden/make_sampling_golden.py; see its docstring and tests/golden/README.md.",
        "# shape=1,3,4,5 (NCHW, flat C order); denoiser x0hat = 0.7*target + 0.3*tanh(x);",
        "# noise: philox_normals{seed, counter}, counter 0 = prior, k + 1 = library step k.",
        "record,bridge,set,sampler,steps,eta,seed,values",
        "INPUT,y,,,,,," + _vals(y),
        "INPUT,target,,,,,," + _vals(target),
    ]
    for seed, counter in ((0, 0), (2026, 1), (12345678901, 100), (2 ** 64 - 1, 2 ** 40 + 3)):
        lines.append("PHILOX,,,,%d,,%d," % (counter, seed) + _vals(philox_normals(seed, counter, 16)))
    for bridge, sets, sampler, steps, eta, seed, port in cases():
        x = port(y, target, seed)
        assert x.shape == (N,)
        setstr = ";".join("%s=%s" % kv for kv in sets)
        lines.append("CASE,%s,%s,%s,%d,%r,%d,%s" % (bridge, setstr, sampler, steps, float(eta), seed, _vals(x)))
        print("%-15s %-28s %-15s steps=%-4d eta=%-4g seed=%-12d max|x|=%.4f" %
              (bridge, setstr, sampler, steps, eta, seed, np.abs(x).max()))
    path = os.path.join(OUT, "sampling_loops.csv")
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    size = os.path.getsize(path)
    print("%d bytes  %s" % (size, path))
    assert size < MAX_BYTES, size


if __name__ == "__main__":
    sys.exit(main())
