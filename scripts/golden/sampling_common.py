"""Shared parts of make_sampling_golden.py: the inputs, the toy denoiser and the library's
Philox normals (scripts/degrade.py's NumPy port of the core/philox.hpp recipe)."""

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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import degrade as deg  # noqa: E402  (its philox_normals: the recipe, written once)


def philox_normals(seed, counter, n=N):
    """philox_normals{seed, counter}(i), i = 0..n-1, as float32 values (returned as float64)."""
    return deg.philox_normals(int(seed), int(counter), n).astype(np.float64)


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
