// Counter-based Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy
// as 1, 2, 3", SC'11; Random123 1.14 include/Random123/philox.h) and the library's standard
// normals keyed by (seed, step, element index). Header-only, __host__ __device__-clean.
//
// ---- Layout (the contract; every backend and thread count gives these bits) ----------------
//   key     k = (k0, k1)         = (lo32(seed), hi32(seed))
//   counter c = (c0, c1, c2, c3) = (lo32(j), hi32(j), lo32(step), hi32(step)),  j = i / 4
//   (x0, x1, x2, x3) = philox4x32_10(c, k)        one call gives the normals of elements 4j..4j+3
//   Box–Muller on the pairs (x0, x1) -> elements 4j, 4j+1 and (x2, x3) -> elements 4j+2, 4j+3:
//     u1 = ((a >> 8) + 1) · 2^-24  in (0, 1]      u2 = (b >> 8) · 2^-24  in [0, 1)
//     r  = sqrt(−2 ln u1)                        (the top 24 bits only, so u1, u2 are exact floats;
//     z_even = r cos(2π u2),  z_odd = r sin(2π u2)   |z| ≤ sqrt(48 ln 2) ≈ 5.77; never −0)
//   i is the flat NCHW index inside the tensor the kernel writes; step is the sampler step.
//   The normals are float32. Double tensors widen the same float32 value (exact).
//
// ---- Arithmetic ----------------------------------------------------------------------------
// ln and cos/sin are evaluated in float32 by the code below using only correctly rounded IEEE
// operations (+, −, ×, ÷, √, fused multiply-add), every product that feeds a sum written as an
// explicit fma, so no compiler contraction can change a bit. On hosts without an FMA unit the
// fma is emulated exactly (double with round-to-odd, Boldo & Melquiond 2008). So the bits are
// the same on every IEEE-754 platform and thread count (tested: x86-64 and CUDA sm_90). Host
// code must not be built with -ffast-math; device code uses the __f*_rn intrinsics, which nvcc's
// --use_fast_math leaves alone.
// Accuracy (tests/backend/test_backend_philox.cpp): −2 ln u1 within 3 ulp and cos, sin within 2
// ulp, exhaustively over all 2^24 inputs; the normals within 5 ulp of the exact r cos, r sin.
//
// ---- Reproducing a run in NumPy (uint32 words bit-exact; normals within 5 ulp, except that
// float64 π puts ~1e-16 where cos or sin is exactly 0, u2 in {0, ¼, ½, ¾}, and we give +0) ----
//   M0, M1, W0, W1, m32, s32, s8 = map(np.uint64, (0xD2511F53, 0xCD9E8D57, 0x9E3779B9,
//                                                  0xBB67AE85, 0xFFFFFFFF, 32, 8))
//   def philox(c, k):                       # c: four uint64 arrays of uint32 values
//       (c0, c1, c2, c3), (k0, k1) = c, k
//       for r in range(10):
//           if r: k0, k1 = (k0 + W0) & m32, (k1 + W1) & m32
//           p0, p1 = c0 * M0, c2 * M1
//           c0, c1, c2, c3 = (p1 >> s32) ^ c1 ^ k0, p1 & m32, (p0 >> s32) ^ c3 ^ k1, p0 & m32
//       return c0, c1, c2, c3
//   def normals(seed, step, n):             # every operand np.uint64: NumPy 1.x would mix a
//       seed, step = np.uint64(seed), np.uint64(step)   # Python int with uint64 into float64
//       j = np.arange((n + 3) // 4, dtype=np.uint64)
//       s = np.full_like(j, step)
//       x = philox((j & m32, j >> s32, s & m32, s >> s32), (seed & m32, seed >> s32))
//       u1 = lambda a: ((a >> s8) + np.uint64(1)) * 2.0**-24
//       u2 = lambda b: (b >> s8) * 2.0**-24
//       r0, r1 = np.sqrt(-2 * np.log(u1(x[0]))), np.sqrt(-2 * np.log(u1(x[2])))
//       t0, t1 = 2 * np.pi * u2(x[1]), 2 * np.pi * u2(x[3])
//       z = np.stack([r0 * np.cos(t0), r0 * np.sin(t0), r1 * np.cos(t1), r1 * np.sin(t1)], 1)
//       return z.ravel()[:n].astype(np.float32)
#pragma once

#include <cstdint>
#include <cstring>

#if !defined(__CUDA_ARCH__)
#include <bit>
#include <cmath>
#endif

#include "diffbridge/core/host_device.hpp"

namespace diffbridge {

/// Four 32-bit words: a Philox counter or output block.
struct philox_block {
  std::uint32_t v[4];
};

namespace detail {

inline constexpr std::uint32_t philox_m0 = 0xD2511F53u;  // multipliers, Random123 PHILOX_M4x32
inline constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
inline constexpr std::uint32_t philox_w0 = 0x9E3779B9u;  // Weyl key increments, PHILOX_W32
inline constexpr std::uint32_t philox_w1 = 0xBB67AE85u;

DIFFBRIDGE_HD constexpr philox_block philox_round(philox_block c, std::uint32_t k0,
                                                  std::uint32_t k1) noexcept {
  const std::uint64_t p0 = std::uint64_t{philox_m0} * c.v[0];
  const std::uint64_t p1 = std::uint64_t{philox_m1} * c.v[2];
  return {{static_cast<std::uint32_t>(p1 >> 32) ^ c.v[1] ^ k0, static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ c.v[3] ^ k1, static_cast<std::uint32_t>(p0)}};
}

}  // namespace detail

/// Philox4x32-R: R rounds, the key bumped by the Weyl constants before rounds 2..R (Random123).
template <int Rounds = 10>
DIFFBRIDGE_HD constexpr philox_block philox4x32(philox_block ctr, std::uint32_t k0,
                                                std::uint32_t k1) noexcept {
  static_assert(Rounds >= 1 && Rounds <= 16, "Philox4x32 is defined for 1..16 rounds");
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int r = 0; r < Rounds; ++r) {
    if (r > 0) {
      k0 += detail::philox_w0;
      k1 += detail::philox_w1;
    }
    ctr = detail::philox_round(ctr, k0, k1);
  }
  return ctr;
}

namespace detail {

// Correctly rounded float32 primitives. Device: the _rn intrinsics (never contracted, unaffected
// by --use_fast_math). Host: plain operators; no product below feeds a sum except through ffma.
DIFFBRIDGE_HD inline float fmul(float a, float b) noexcept {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
DIFFBRIDGE_HD inline float fadd(float a, float b) noexcept {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
DIFFBRIDGE_HD inline float fdiv(float a, float b) noexcept {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
DIFFBRIDGE_HD inline float fsqrt(float a) noexcept {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}

#if !defined(__CUDA_ARCH__)
/// Exact fmaf without an FMA unit: a·b is exact in double; the sum is rounded to odd in double
/// (TwoSum error decides the sticky bit) and then to nearest float — correct because double has
/// more than 24 + 2 bits (Boldo & Melquiond, IEEE TC 57(4), 2008).
inline float fma_emulated(float a, float b, float c) noexcept {
  const double p = static_cast<double>(a) * static_cast<double>(b);
  const double cd = static_cast<double>(c);
  const double s = p + cd;
  const double bv = s - p;
  const double err = (p - (s - bv)) + (cd - bv);
  // Branch-free: an inexact sum with an even last bit moves one ulp toward the exact value.
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(s);
  const std::uint64_t fix = std::uint64_t{err != 0.0} & ~bits & 1u;
  const std::uint64_t away = std::uint64_t{(err > 0.0) == (s > 0.0)};
  return static_cast<float>(std::bit_cast<double>(bits + fix * (2 * away - 1)));
}
#endif

DIFFBRIDGE_HD inline float ffma(float a, float b, float c) noexcept {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#elif defined(__FP_FAST_FMAF)
  return std::fma(a, b, c);
#else
  return fma_emulated(a, b, c);
#endif
}

DIFFBRIDGE_HD inline float bits_to_float(std::uint32_t u) noexcept {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  return std::bit_cast<float>(u);
#endif
}

/// Index of the highest set bit of m > 0.
DIFFBRIDGE_HD inline int highest_bit(std::uint32_t m) noexcept {
#if defined(__CUDA_ARCH__)
  return 31 - __clz(static_cast<int>(m));
#else
  return static_cast<int>(std::bit_width(m)) - 1;
#endif
}

/// −2 ln(m · 2^-24) for m in [1, 2^24]. m = 2^e·f with f in (√½, √2]; ln f = 2 atanh(s),
/// s = (f − 1)/(f + 1), |s| ≤ 0.1716, series through s^9 (truncation < 2e-9 relative);
/// n·ln2 with the fdlibm split ln2 = 0x3f317180 + 0x3717f7d1.
DIFFBRIDGE_HD inline float minus_two_log_u(std::uint32_t m) noexcept {
  int e = highest_bit(m);
  float f = fmul(static_cast<float>(m), bits_to_float(static_cast<std::uint32_t>(127 - e) << 23));
  if (f > 1.41421356f) {
    f = fmul(f, 0.5f);
    ++e;
  }
  const float s = fdiv(fadd(f, -1.0f), fadd(f, 1.0f));
  const float t = fmul(s, s);
  float p = ffma(t, 2.0f / 9.0f, 2.0f / 7.0f);
  p = ffma(t, p, 2.0f / 5.0f);
  p = ffma(t, p, 2.0f / 3.0f);
  p = ffma(t, p, 2.0f);
  const float ln_f = fmul(s, p);
  const float n = static_cast<float>(e - 24);
  const float ln_u = ffma(n, 6.9313812256e-01f, ffma(n, 9.0580006145e-06f, ln_f));
  return fmul(-2.0f, ln_u);
}

/// (cos, sin)(2π k 2^-24) for k in [0, 2^24). Exact integer reduction: quadrant = k >> 22, then
/// the octant by the complement 2^22 − j, so the angle is (π/2)·a with a in [0, ½] exact;
/// Taylor series of sin through a^9 and cos through a^10 (truncation < 3e-9).
struct cos_sin {
  float c, s;
};
DIFFBRIDGE_HD inline cos_sin cos_sin_2pi(std::uint32_t k) noexcept {
  const std::uint32_t quadrant = k >> 22;
  std::uint32_t j = k & 0x3FFFFFu;
  const bool swap = j > (1u << 21);
  if (swap) j = (1u << 22) - j;
  const float a = fmul(static_cast<float>(j), 0x1p-22f);
  const float w = fmul(a, a);
  // sin((π/2)a) = a·S(a²), S_k = (−1)^k (π/2)^(2k+1)/(2k+1)!
  float ps = ffma(w, 1.6044118478735975e-04f, -4.6817541353186870e-03f);
  ps = ffma(w, ps, 7.9692626246167030e-02f);
  ps = ffma(w, ps, -6.4596409750624620e-01f);
  ps = ffma(w, ps, 1.5707963267948966e+00f);
  const float sn = fmul(a, ps);
  // cos((π/2)a) = C(a²), C_k = (−1)^k (π/2)^(2k)/(2k)!
  float pc = ffma(w, -2.5202042373060596e-05f, 9.1926027483942630e-04f);
  pc = ffma(w, pc, -2.0863480763352957e-02f);
  pc = ffma(w, pc, 2.5366950790104800e-01f);
  pc = ffma(w, pc, -1.2337005501361697e+00f);
  const float cs = ffma(w, pc, 1.0f);
  const float s0 = swap ? cs : sn;  // sin and cos of the angle inside the quadrant
  const float c0 = swap ? sn : cs;
  switch (quadrant) {
    case 0:
      return {c0, s0};
    case 1:
      return {-s0, c0};
    case 2:
      return {-c0, -s0};
    default:
      return {s0, -c0};
  }
}

}  // namespace detail

/// Two standard normals from two uint32 words (Box–Muller; layout in the header comment).
struct normal_pair {
  float z0, z1;
};
DIFFBRIDGE_HD inline normal_pair box_muller(std::uint32_t a, std::uint32_t b) noexcept {
  const float r = detail::fsqrt(detail::minus_two_log_u((a >> 8) + 1u));
  const detail::cos_sin t = detail::cos_sin_2pi(b >> 8);
  // + 0 turns a −0 (cos or sin exactly 0 at u2 in {0, ¼, ½, ¾}, or r = 0) into +0 and changes
  // nothing else, so every normal has one canonical bit pattern and survives x + 0·… kernels.
  return {detail::fadd(detail::fmul(r, t.c), 0.0f), detail::fadd(detail::fmul(r, t.s), 0.0f)};
}

/// Four consecutive normals, elements 4j..4j+3.
struct normal4 {
  float v[4];
};

/// The library's noise stream: standard normals z_i keyed by (seed, step, i).
struct philox_normals {
  std::uint64_t seed = 0;
  std::uint64_t step = 0;

  /// Raw Philox words of block j (elements 4j..4j+3).
  DIFFBRIDGE_HD constexpr philox_block bits(std::uint64_t j) const noexcept {
    const philox_block ctr{{static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(j >> 32),
                            static_cast<std::uint32_t>(step),
                            static_cast<std::uint32_t>(step >> 32)}};
    return philox4x32<10>(ctr, static_cast<std::uint32_t>(seed),
                          static_cast<std::uint32_t>(seed >> 32));
  }

  /// Normals of elements 4j..4j+3.
  DIFFBRIDGE_HD normal4 block(std::uint64_t j) const noexcept {
    const philox_block x = bits(j);
    const normal_pair a = box_muller(x.v[0], x.v[1]);
    const normal_pair b = box_muller(x.v[2], x.v[3]);
    return {{a.z0, a.z1, b.z0, b.z1}};
  }

  /// Normal of element i (computes its whole block; use block() in loops).
  DIFFBRIDGE_HD float operator()(std::uint64_t i) const noexcept { return block(i >> 2).v[i & 3]; }
};

/// Number of Philox blocks covering n elements.
DIFFBRIDGE_HD constexpr std::uint64_t philox_blocks(std::uint64_t n) noexcept {
  return (n + 3) / 4;
}

}  // namespace diffbridge
