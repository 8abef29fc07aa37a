"""Shared parts of make_sampling_golden.py: the inputs, the toy denoiser and the library's
Philox normals in NumPy (core/philox.hpp header recipe)."""

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

SHAPE = (1, 3, 4, 5)
N = int(np.prod(SHAPE))
MAX_BYTES = 100 * 1024

# --------------------------------------------------------------------------------------
# the library's noise: Philox4x32-10 + Box-Muller (core/philox.hpp header recipe)
# --------------------------------------------------------------------------------------
_M0, _M1, _W0, _W1, _m32, _s32, _s8 = map(np.uint64, (0xD2511F53, 0xCD9E8D57, 0x9E3779B9,
                                                      0xBB67AE85, 0xFFFFFFFF, 32, 8))


def _philox(c, k):
    (c0, c1, c2, c3), (k0, k1) = c, k
    for r in range(10):
        if r:
            k0, k1 = (k0 + _W0) & _m32, (k1 + _W1) & _m32
        p0, p1 = c0 * _M0, c2 * _M1
        c0, c1, c2, c3 = (p1 >> _s32) ^ c1 ^ k0, p1 & _m32, (p0 >> _s32) ^ c3 ^ k1, p0 & _m32
    return c0, c1, c2, c3


def philox_normals(seed, counter, n=N):
    """philox_normals{seed, counter}(i), i = 0..n-1, as float32 values (returned as float64)."""
    seed, step = np.uint64(seed), np.uint64(counter)
    j = np.arange((n + 3) // 4, dtype=np.uint64)
    s = np.full_like(j, step)
    x = _philox((j & _m32, j >> _s32, s & _m32, s >> _s32), (seed & _m32, seed >> _s32))
    u1 = lambda a: ((a >> _s8) + np.uint64(1)) * 2.0 ** -24  # noqa: E731
    u2 = lambda b: (b >> _s8) * 2.0 ** -24  # noqa: E731
    r0, r1 = np.sqrt(-2 * np.log(u1(x[0]))), np.sqrt(-2 * np.log(u1(x[2])))
    t0, t1 = 2 * np.pi * u2(x[1]), 2 * np.pi * u2(x[3])
    z = np.stack([r0 * np.cos(t0), r0 * np.sin(t0), r1 * np.cos(t1), r1 * np.sin(t1)], 1)
    return z.ravel()[:n].astype(np.float32).astype(np.float64)


class Noise:
    """The draws of one run: counter -> philox_normals{seed, counter}; records what was drawn."""

    def __init__(self, seed):
        self.seed, self.used = seed, []

    def __call__(self, counter, sign=1.0):
        self.used.append(counter)
        return sign * philox_normals(self.seed, counter)

    def unused(self):
        """A draw of a step the library does not take: multiplied by 0 in the original."""
        return np.zeros(N)


# --------------------------------------------------------------------------------------
# inputs and the toy denoiser
# --------------------------------------------------------------------------------------
def make_inputs():
    g = np.random.default_rng(20260523)
    y = g.uniform(-1, 1, N).astype(np.float32).astype(np.float64)
    target = g.uniform(-1, 1, N).astype(np.float32).astype(np.float64)
    return y, target


class Denoiser:
    def __init__(self, target):
        self.target, self.calls = target, 0

    def __call__(self, x):
        self.calls += 1
        return 0.7 * self.target + 0.3 * np.tanh(x)


def clamp(x, what):
    """An original's clamp to [-1, 1]; a no-op on these inputs (asserted)."""
    c = np.clip(x, -1.0, 1.0)
    assert np.array_equal(c, x), "clamp active in " + what
    return c
