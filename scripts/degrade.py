"""The degradations of `diffbridge degrade` in float64 NumPy (the definition the default model
is trained on; include/diffbridge/data/degradation.hpp is the C++ twin, and
tests/data checks that the two agree).

    x      clean image, float32 (3, H, W) = uint8 / 255 (as the C++ reader makes it), widened to
           float64
    blur   13-tap disk of radius 2 (offsets with dy² + dx² <= 4), 'reflect' borders (x[-1] = x[1]),
           summed in row-major offset order, then / 13
    noise  + sigma · z,  sigma = 25/255,  z = the library's Philox normals keyed by (seed, step 0,
           flat CHW index) (core/philox.hpp; NumPy gives them within 5 float32 ulp)
    then   clip to [0, 1]; the PNG stores round(255 · v)

kinds: noise, blur, default (= blur then noise).
"""

import numpy as np

SIGMA = 25.0 / 255.0
KINDS = ("default", "noise", "blur")
DISK = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3) if dy * dy + dx * dx <= 4]

M0, M1, W0, W1, M32 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85, 0xFFFFFFFF


def _philox(c, k):
    (c0, c1, c2, c3) = c
    k0, k1 = np.uint64(k[0]), np.uint64(k[1])
    m32 = np.uint64(M32)
    for r in range(10):
        if r:
            k0, k1 = (k0 + np.uint64(W0)) & m32, (k1 + np.uint64(W1)) & m32
        p0, p1 = c0 * np.uint64(M0), c2 * np.uint64(M1)
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & m32, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & m32
    return c0, c1, c2, c3


def philox_normals(seed, step, n):
    """float32 normals z_0..z_{n-1} of core/philox.hpp (the NumPy recipe written there)."""
    m32 = np.uint64(M32)
    j = np.arange((n + 3) // 4, dtype=np.uint64)
    s = np.full_like(j, np.uint64(step))
    x = _philox((j & m32, j >> np.uint64(32), s & m32, s >> np.uint64(32)),
                (seed & M32, seed >> 32))
    u1 = lambda a: ((a >> np.uint64(8)) + np.uint64(1)).astype(np.float64) * 2.0 ** -24
    u2 = lambda b: (b >> np.uint64(8)).astype(np.float64) * 2.0 ** -24
    r0, r1 = np.sqrt(-2 * np.log(u1(x[0]))), np.sqrt(-2 * np.log(u1(x[2])))
    t0, t1 = 2 * np.pi * u2(x[1]), 2 * np.pi * u2(x[3])
    z = np.stack([r0 * np.cos(t0), r0 * np.sin(t0), r1 * np.cos(t1), r1 * np.sin(t1)], 1)
    return z.ravel()[:n].astype(np.float32)


def disk_blur(x):
    """x: float64 (C, H, W), H, W >= 3."""
    C, H, W = x.shape
    p = np.pad(x, ((0, 0), (2, 2), (2, 2)), mode="reflect")
    acc = np.zeros_like(x)
    for dy, dx in DISK:
        acc += p[:, 2 + dy:2 + dy + H, 2 + dx:2 + dx + W]
    return acc / 13.0


def degrade(clean_u8, kind="default", seed=0):
    """clean_u8: uint8 (3, H, W) -> float64 (3, H, W) in [0, 1], before quantisation."""
    if kind not in KINDS:
        raise ValueError(f"kind = {kind}: must be one of {'|'.join(KINDS)}")
    x = (clean_u8.astype(np.float32) / np.float32(255)).astype(np.float64)
    if kind in ("default", "blur"):
        x = disk_blur(x)
    if kind in ("default", "noise"):
        z = philox_normals(seed, 0, x.size).astype(np.float64).reshape(x.shape)
        x = x + SIGMA * z
    return np.clip(x, 0.0, 1.0)


def quantise(v):
    """The PNG the C++ writer stores: 255 · v in float32, rounded half to even."""
    s = np.clip(v.astype(np.float32), 0, 1) * np.float32(255)
    return np.rint(s).astype(np.uint8)
