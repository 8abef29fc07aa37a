#!/usr/bin/env python3
"""Independent golden-data generator for diffbridge (python3 + numpy only).

Every function below re-implements, in float64 NumPy, the formulas of ONE original
model's official code (file/function named in each docstring).  Nothing here uses
the C++ library.  Running the script rewrites tests/golden/*.csv deterministically
and checks the numbers against values published in the specs
(the project specifications docs/spec/bridges-reference.md, rdbm.md, generalised-bridge.md).

File format (parsed by the C++ tests):
    # bridge=NAME
    # set=KEY=VALUE           one per non-default parameter
    # source=free text
    t,c_x0,c_y,std                    (coeffs:  x_t = c_x0*x0 + c_y*y + std*eps)
    from,to,eta,c_xt,c_x0,c_y,c_z     (steps:   x_to = c_xt*x_from + c_x0*x0hat + c_y*y + c_z*z)

Numerical policy: the formulas are the originals', evaluated in float64 (the originals
run their buffers in float32; that is NOT reproduced).  Where a formula contains
1 - exp(-u) or exp(u) - 1 it is evaluated with expm1, and squared standard deviations
are kept as variances instead of sqrt-then-square; both are the same mathematical value
as the original expression, only more accurate.

Usage:  /usr/bin/python3 scripts/golden/make_golden.py
"""

import math
import os
import sys

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "tests", "golden")
MAX_TOTAL_BYTES = 400 * 1024

_written = []


# --------------------------------------------------------------------------------------
# output helpers
# --------------------------------------------------------------------------------------
def _num(x):
    x = float(x)
    assert math.isfinite(x), x
    if x == 0.0:
        x = 0.0  # never write -0.0
    return repr(x)


def _time(t, discrete):
    if discrete:
        assert float(t) == int(t), t
        return str(int(t))
    return _num(t)


def _header(bridge, sets, source):
    lines = ["# bridge=" + bridge]
    lines += ["# set=%s=%s" % (k, v) for k, v in sets]
    lines.append("# source=" + source)
    return lines


def write_coeffs(case, bridge, sets, source, rows, discrete):
    """rows: iterable of (t, c_x0, c_y, std)."""
    lines = _header(bridge, sets, source) + ["t,c_x0,c_y,std"]
    seen = set()
    for t, a, b, c in rows:
        key = _time(t, discrete)
        if key in seen:
            continue
        seen.add(key)
        assert c >= 0.0
        lines.append(",".join([key, _num(a), _num(b), _num(c)]))
    _write(case + ".coeffs.csv", lines)


def write_steps(case, bridge, sets, source, rows, discrete):
    """rows: iterable of (from, to, eta, c_xt, c_x0, c_y, c_z)."""
    lines = _header(bridge, sets, source) + ["from,to,eta,c_xt,c_x0,c_y,c_z"]
    seen = set()
    for fr, to, eta, cxt, cx0, cy, cz in rows:
        key = (_time(fr, discrete), _time(to, discrete), _num(eta))
        if key in seen:
            continue
        seen.add(key)
        assert cz >= 0.0
        lines.append(",".join(list(key) + [_num(cxt), _num(cx0), _num(cy), _num(cz)]))
    _write(case + ".step.csv", lines)


def _write(name, lines):
    path = os.path.join(OUT, name)
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    _written.append(path)


def secondary_indices(n, extra=()):
    """Index subset for the secondary 1000-step cases (keeps the output < 400 KB):
    the first and last 10 indices, every 20th, and any extra ones."""
    keep = set(range(10)) | set(range(n - 10, n)) | set(range(0, n, 20)) | set(extra)
    return sorted(keep)


def close(x, ref, tol):
    """|x - ref| <= tol (absolute), for checks against rounded published numbers."""
    return abs(float(x) - float(ref)) <= tol


def rel_close(x, ref, rtol=1e-12, atol=1e-15):
    return abs(float(x) - float(ref)) <= atol + rtol * abs(float(ref))


# --------------------------------------------------------------------------------------
# generic formulas of generalised-bridge.md, used ONLY as cross-checks of the originals
# --------------------------------------------------------------------------------------
def generic_implicit_step(a_s, b_s, c_s, a_t, b_t, c_t, omega):
    """generalised-bridge.md sec. 4: x_s = a_s x0 + b_s y + sqrt(c_s^2 - w^2) epshat + w z."""
    k = math.sqrt(max(c_s * c_s - omega * omega, 0.0)) / c_t
    return k, a_s - k * a_t, b_s - k * b_t, omega


# ======================================================================================
# RDBM   MiliLab/RDBM  code/rdbm.py @ ddc8ef9
# ======================================================================================
def rdbm_thetas(T):
    """code/rdbm.py betas_for_alpha_bar(T, max_beta=0.999) (improved-DDPM cosine)."""
    def alpha_bar(s):
        return math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
    return np.array([min(1 - alpha_bar((i + 1) / T) / alpha_bar(i / T), 0.999)
                     for i in range(T)])


def rdbm_schedule(T, lam):
    """code/rdbm.py RDBM.__init__: thetas_cumsum_0_to_t = cumsum (incl. theta_0),
    Theta = sinh(tc_t_to_T)/sinh(tc_0_to_T), Sigma2 = 2 lamb sinh(tc_0_to_t) sinh(tc_t_to_T)/sinh(tc_0_to_T)."""
    th = rdbm_thetas(T)
    cum = np.cumsum(th)
    tot = cum[-1]
    rem = tot - cum
    Theta = np.sinh(rem) / np.sinh(tot)
    Sigma2 = 2 * lam * np.sinh(cum) * np.sinh(rem) / np.sinh(tot)
    # coefficient of mu, 1 - Theta = (sinh(tot) - sinh(rem))/sinh(tot), written without cancellation
    OneMinusTheta = 2 * np.cosh((tot + rem) / 2) * np.sinh((tot - rem) / 2) / np.sinh(tot)
    assert np.allclose(OneMinusTheta, 1 - Theta, rtol=0, atol=2e-15)
    return dict(th=th, cum=cum, tot=tot, Theta=Theta, OneMinusTheta=OneMinusTheta, Sigma2=Sigma2,
                Sigma=np.sqrt(Sigma2), T=T, lam=lam)


def rdbm_coeffs(S):
    """code/rdbm.py q_sample: x_t = mu + (x0 - mu) Theta[t] + Sigma[t] eps."""
    return [(i, S["Theta"][i], S["OneMinusTheta"][i], S["Sigma"][i]) for i in range(S["T"])]


def rdbm_time_pairs(T, nsteps):
    """code/rdbm.py ddim_sample: times = linspace(-1, T-1, S+1).int() reversed, zipped."""
    times = [int(v) for v in np.linspace(-1.0, T - 1.0, nsteps + 1)]  # .int() truncates
    times = list(reversed(times))
    return list(zip(times[:-1], times[1:]))


def rdbm_step_eq19(S, t, s):
    """code/rdbm.py ddim_sample, sampling_type 'pred_x_start' (paper Eq. 19, x0 form), eta = 0."""
    T = S["T"]
    if s < 0:                       # time_next < 0: img = x_start
        return (0.0, 1.0, 0.0, 0.0)
    Th, Sg = S["Theta"], S["Sigma"]
    if t == T - 1:                  # img = mu + Theta_next (x_start - mu)
        return (0.0, Th[s], S["OneMinusTheta"][s], 0.0)
    k = Sg[s] / Sg[t]
    cx0 = Th[s] - Th[t] * k
    return (k, cx0, 1 - k - cx0, 0.0)


def rdbm_step_posterior(S, t, s):
    """rdbm.md sec. 3 exact Markov posterior q(x_s | x_t, x0, mu) (sinh form), pi = 1 as in the code:
    mean = mu + sinh(tb_t - tb_s)/sinh(tb_t) (x0 - mu) + sinh(tb_s)/sinh(tb_t) (x_t - mu),
    var = 2 lam sinh(tb_s) sinh(tb_t - tb_s)/sinh(tb_t)."""
    T, lam, cum = S["T"], S["lam"], S["cum"]
    if s < 0:
        return (0.0, 1.0, 0.0, 0.0)
    if t == T - 1:                  # pinned end x_t = mu: posterior = marginal at s
        return (0.0, S["Theta"][s], S["OneMinusTheta"][s], S["Sigma"][s])
    d = cum[t] - cum[s]
    k = math.sinh(cum[s]) / math.sinh(cum[t])
    c0 = math.sinh(d) / math.sinh(cum[t])
    var = 2 * lam * math.sinh(cum[s]) * math.sinh(d) / math.sinh(cum[t])
    return (k, c0, 1 - k - c0, math.sqrt(var))


def make_rdbm():
    # published numbers (rdbm.md sec. 3 'Code discretization details', sec. 5 table)
    S = rdbm_schedule(100, 10 / 255)
    assert close(S["tot"], 7.8789, 5e-5), S["tot"]
    assert close(S["Theta"][0], 0.99937, 5e-6)
    for v, ref in zip(S["th"][:3], [6.3e-4, 1.12e-3, 1.60e-3]):
        assert close(v, ref, 0.006 * ref), (v, ref)
    for v, ref in zip(S["th"][-3:], [0.555, 0.750, 0.999]):
        assert close(v, ref, 5e-4), (v, ref)
    S4 = rdbm_schedule(100, 1e-4)
    table = {  # idx: Theta, Sigma(10/255), Sigma(1e-4), Theta^2/Sigma^2 (10/255)
        89: (0.027943, 0.197934, 0.009995, 0.0199), 79: (0.099494, 0.197045, 0.009950, 0.255),
        69: (0.208675, 0.193670, 0.009780, 1.161), 59: (0.345504, 0.185834, 0.009384, 3.457),
        49: (0.497229, 0.171814, 0.008676, 8.375), 39: (0.649533, 0.150568, 0.007603, 18.61),
        29: (0.787903, 0.121947, 0.006158, 41.75), 19: (0.899037, 0.086712, 0.004379, 107.5),
        9: (0.972141, 0.046417, 0.002344, 438.6)}
    for i, (th_, sg, sg4, r) in table.items():
        assert close(S["Theta"][i], th_, 6e-7), (i, S["Theta"][i], th_)
        assert close(S["Sigma"][i], sg, 6e-7), (i, S["Sigma"][i], sg)
        assert close(S4["Sigma"][i], sg4, 6e-7), (i, S4["Sigma"][i], sg4)
        assert rel_close(S["Theta"][i] ** 2 / S["Sigma2"][i], r, 3e-3, 0), (i, r)
    assert S["Theta"][99] == 0.0 and S["Sigma"][99] == 0.0
    assert rdbm_time_pairs(100, 10)[0] == (99, 89) and rdbm_time_pairs(100, 10)[-1] == (9, -1)
    assert [p[0] for p in rdbm_time_pairs(100, 5)] == [99, 79, 59, 39, 19]
    # sinh forms == stable forms of rdbm.md sec. 5
    a, b = S["cum"], S["tot"] - S["cum"]
    stable = np.exp(-a) * -np.expm1(-2 * b) / -np.expm1(-2 * (a + b))
    assert np.allclose(S["Theta"], stable, rtol=1e-13, atol=1e-300)

    for case, lam, sets in [("rdbm", 10 / 255, []), ("rdbm_lambda1e-4", 1e-4, [("lambda", "0.0001")])]:
        S = rdbm_schedule(100, lam)
        src = ("MiliLab/RDBM code/rdbm.py @ddc8ef9 betas_for_alpha_bar + RDBM.__init__ (Theta, Sigma2), "
               "q_sample; T=100, lamb=%r (variance), float64" % lam)
        write_coeffs(case, "rdbm", sets, src, rdbm_coeffs(S), True)
        rows = []
        for nsteps in (10, 5):
            for t, s in rdbm_time_pairs(100, nsteps):
                e0 = rdbm_step_eq19(S, t, s)
                e1 = rdbm_step_posterior(S, t, s)
                # cross-check against generalised-bridge.md sec. 4 (omega = 0 and omega = omega_M)
                if 0 <= s and t != 99:
                    mk = lambda i: (S["Theta"][i], 1 - S["Theta"][i], S["Sigma"][i])
                    g0 = generic_implicit_step(*mk(s), *mk(t), 0.0)
                    g1 = generic_implicit_step(*mk(s), *mk(t), e1[3])
                    assert all(rel_close(x, y, 1e-11, 1e-14) for x, y in zip(e0, g0)), (t, s)
                    assert all(rel_close(x, y, 1e-9, 1e-13) for x, y in zip(e1, g1)), (t, s, e1, g1)
                rows.append((t, s, 0.0) + e0)
                rows.append((t, s, 1.0) + e1)
        src2 = ("MiliLab/RDBM code/rdbm.py ddim_sample pred_x_start (Eq. 19) for eta=0; rdbm.md sec. 3 exact "
                "Markov posterior (sinh form) for eta=1; pairs int(linspace(-1,99,S+1)) reversed, S=10 and S=5")
        write_steps(case, "rdbm", sets, src2, rows, True)


# ======================================================================================
# IR-SDE / GOUB / UniDB share the IR-SDE cosine theta schedule with dt scaling
# ======================================================================================
def irsde_cosine_thetas(T, s=0.008):
    """codes/utils/sde_utils.py IRSDE._initialize.cosine_theta_schedule (same in GOUB, UniDB):
    timesteps = T+2, x = linspace(0, T+2, T+3), abar = cos(((x/(T+2))+s)/(1+s) pi/2)^2 / abar[0],
    thetas = 1 - abar[1:-1]  (T+1 values, index 0..T)."""
    n = T + 2
    x = np.linspace(0.0, n, n + 1)
    ac = np.cos(((x / n) + s) / (1 + s) * math.pi * 0.5) ** 2
    ac = ac / ac[0]
    return 1 - ac[1:-1]


def ou_schedule(T, eps):
    """IRSDE/GOUB._initialize: thetas_cumsum = cumsum(thetas) - thetas[0];
    dt = -log(eps)/thetas_cumsum[-1]; returns theta_bar = thetas_cumsum*dt (the exponent everywhere)."""
    th = irsde_cosine_thetas(T)
    tc = np.cumsum(th) - th[0]
    dt = -1 / tc[-1] * math.log(eps)
    return th, tc, dt


# ---------------------------------- IR-SDE -------------------------------------------
def irsde_schedule(max_sigma, T=100, eps=0.005):
    """Algolzw/image-restoration-sde codes/utils/sde_utils.py IRSDE.__init__/_initialize
    (max_sigma >= 1 is divided by 255; lambda is a std: sigma_t^2 = 2 lambda^2 theta_t)."""
    lam = max_sigma / 255 if max_sigma >= 1 else max_sigma
    th, tc, dt = ou_schedule(T, eps)
    return dict(lam=lam, th=th, tc=tc, dt=dt, T=T)


def irsde_coeffs(S):
    """IRSDE.mu_bar / sigma_bar: x_t = mu + (x0-mu) e^{-tc dt} + lam sqrt(1 - e^{-2 tc dt}) eps."""
    a = S["tc"] * S["dt"]
    return [(i, math.exp(-a[i]), -math.expm1(-a[i]), S["lam"] * math.sqrt(-math.expm1(-2 * a[i])))
            for i in range(S["T"] + 1)]


def irsde_posterior_step(S, t):
    """IRSDE.reverse_posterior_step (x0 form): reverse_optimum_step mean + reverse_optimum_std
    with A = e^{-theta_t dt}, B = e^{-tc_t dt}, C = e^{-tc_{t-1} dt};
    std = max_sigma sqrt(max((1-A^2)(1-C^2)/(1-B^2), 1e-20 dt))  (the code's clamp, kept)."""
    th, tc, dt, lam = S["th"], S["tc"], S["dt"], S["lam"]
    A = math.exp(-th[t] * dt)
    B = math.exp(-tc[t] * dt)
    C = math.exp(-tc[t - 1] * dt)
    omA2 = -math.expm1(-2 * th[t] * dt)        # 1 - A^2
    omB2 = -math.expm1(-2 * tc[t] * dt)        # 1 - B^2
    omC2 = -math.expm1(-2 * tc[t - 1] * dt)    # 1 - C^2
    term1 = A * omC2 / omB2
    term2 = C * omA2 / omB2
    # coefficient of mu is 1 - term1 - term2; with B = A C (tc_t = tc_{t-1} + theta_t) it factors
    # exactly as (1-A)(1-C)(1-AC)/(1-B^2): evaluated that way to avoid cancellation
    omA, omC = -math.expm1(-th[t] * dt), -math.expm1(-tc[t - 1] * dt)
    omAC = -math.expm1(-(th[t] + tc[t - 1]) * dt)
    cy = omA * omC * omAC / omB2
    assert abs(cy - (1 - term1 - term2)) < 1e-14
    var = omA2 * omC2 / omB2
    std = lam * math.sqrt(max(var, 1e-20 * dt))
    return (term1, term2, cy, std)


def make_irsde():
    S = irsde_schedule(10)
    assert close(S["dt"], 0.104094, 5e-7), S["dt"]
    assert close(S["tc"][-1] * S["dt"], 5.29832, 5e-6)
    assert len(S["th"]) == 101 and S["tc"][0] == 0.0
    co = irsde_coeffs(S)
    assert rel_close(co[100][1], 0.005, 1e-13) and rel_close(co[100][3], S["lam"] * math.sqrt(1 - 0.005 ** 2), 1e-13)
    for case, ms, sets in [("irsde", 10, []), ("irsde_maxsigma30", 30, [("max_sigma", "30")])]:
        S = irsde_schedule(ms)
        src = ("Algolzw/image-restoration-sde codes/utils/sde_utils.py @2598d73 IRSDE._initialize, mu_bar, "
               "sigma_bar; T=100 eps=0.005 cosine, max_sigma=%d (/255, std); unpinned" % ms)
        write_coeffs(case, "irsde", sets, src, irsde_coeffs(S), True)
    S = irsde_schedule(10)
    rows = []
    for t in range(100, 0, -1):
        rows.append((t, t - 1, 1.0) + irsde_posterior_step(S, t))
    # the clamp is active at t = 1 (1 - C^2 = 0)
    assert rows[-1][3] == 0.0 and rows[-1][6] == S["lam"] * math.sqrt(1e-20 * S["dt"])
    write_steps("irsde", "irsde", [],
                "IRSDE.reverse_posterior_step in x0 form (reverse_optimum_step + reverse_optimum_std with "
                "its max(var, 1e-20*dt) clamp), t = 100..1 -> t-1", rows, True)


# ---------------------------------- GOUB / UniDB -------------------------------------
def goub_schedule(lambda_square=30, T=100, eps=0.005, gamma_inv=None):
    """Hammour-steak/GOUB codes/utils/sde_utils.py GOUB._initialize, m, n, f_sigma
    (UniDB-SOC/UniDB UniDB-GOU/utils/sde_utils.py UniDB.m, n when gamma_inv is given).
    lambda_square/255 is used as a STD: sigma_bar_t^2 = lam^2 (1 - e^{-2 tc_t dt})."""
    lam = lambda_square / 255 if lambda_square >= 1 else lambda_square
    th, tc, dt = ou_schedule(T, eps)
    a = tc * dt                        # theta_bar_t
    b = (tc[-1] - tc) * dt             # theta_bar_{t:T}
    sb2 = lam ** 2 * -np.expm1(-2 * a)           # sigma_bars^2
    stT2 = lam ** 2 * -np.expm1(-2 * b)          # sigma_t_T^2
    fvar = sb2 * stT2 / sb2[-1]                  # f_sigmas^2
    if gamma_inv is None:
        # GOUB.m and GOUB.n (the code's long expression for n, not 1 - m)
        m = np.exp(-a) * stT2 / sb2[-1]
        n = (-np.expm1(-a) * stT2 + np.exp(-2 * b) * sb2) / sb2[-1]
    else:
        # UniDB.m: e^{-tc dt} (gamma_inv + sigma_t_T^2)/(gamma_inv + sigma_bars[-1]^2); UniDB.n = 1 - m
        m = np.exp(-a) * (gamma_inv + stT2) / (gamma_inv + sb2[-1])
        # UniDB.n = 1 - m, evaluated through its exact factorisation
        # 1 - m = (1 - e^{-a}) (gamma_inv + lam^2 (1 + e^{-a-2b})) / (gamma_inv + sigma_bars[-1]^2)
        # (no cancellation for small t; the plain 1 - m loses ~1e-12 there, which the posterior amplifies)
        n = -np.expm1(-a) * (gamma_inv + lam ** 2 * (1 + np.exp(-a - 2 * b))) / (gamma_inv + sb2[-1])
        assert np.allclose(n, 1 - m, rtol=0, atol=2e-15)
    return dict(lam=lam, th=th, tc=tc, dt=dt, a=a, b=b, sb2=sb2, stT2=stT2, fvar=fvar, m=m, n=n, T=T)


def goub_coeffs(S):
    """GOUB.f_mean / f_sigma: x_t = m(t) x0 + n(t) mu + f_sigma(t) eps."""
    return [(i, S["m"][i], S["n"][i], math.sqrt(S["fvar"][i])) for i in range(S["T"] + 1)]


def goub_posterior_step(S, t, s):
    """GOUB.r_mean_1 / r_sigma_1 (x0 form) with t-1 replaced by s:
    fm = m_t/m_s, fn = n_t - n_s fm, s1^2 = f_sigma_t^2 - f_sigma_s^2 fm^2,
    mean = [f_sigma_s^2 fm (x_t - fn mu) + s1^2 (m_s x0 + n_s mu)]/f_sigma_t^2, std = s1 f_sigma_s/f_sigma_t."""
    m, n, fv = S["m"], S["n"], S["fvar"]
    fm = m[t] / m[s]
    fn = n[t] - n[s] * fm
    s1sq = fv[t] - fv[s] * fm ** 2
    assert s1sq > 0, (t, s, s1sq)
    cxt = fv[s] * fm / fv[t]
    cx0 = s1sq * m[s] / fv[t]
    cy = (s1sq * n[s] - fv[s] * fm * fn) / fv[t]
    cz = math.sqrt(s1sq) * math.sqrt(fv[s]) / math.sqrt(fv[t])
    return (cxt, cx0, cy, cz)


GOUB_SKIP_PAIRS = [(90, 80), (50, 10), (99, 50), (20, 0)]


def goub_step_rows(S):
    rows = [(t, t - 1, 1.0) + goub_posterior_step(S, t, t - 1) for t in range(99, 0, -1)]
    rows += [(t, s, 1.0) + goub_posterior_step(S, t, s) for t, s in GOUB_SKIP_PAIRS]
    return rows


def make_goub():
    S = goub_schedule()
    assert close(S["lam"], 0.117647, 5e-7)
    assert S["m"][100] == 0.0 and S["fvar"][100] == 0.0 and rel_close(S["n"][100], 1.0, 1e-15)
    assert S["m"][0] == 1.0 and S["n"][0] == 0.0 and S["fvar"][0] == 0.0
    # bridges-reference sec. 6(b): sinh forms and n = 1 - m
    A, B = S["a"], S["b"]
    tot = A[-1]
    assert np.allclose(S["m"], np.sinh(B) / np.sinh(tot), rtol=1e-13, atol=1e-16)
    assert np.allclose(S["n"], 1 - S["m"], rtol=1e-13, atol=1e-15)
    assert np.allclose(S["fvar"], 2 * S["lam"] ** 2 * np.sinh(A) * np.sinh(B) / np.sinh(tot), rtol=1e-12, atol=1e-18)
    # the code's posterior equals generalised-bridge.md sec. 3 (Markov posterior of the OU between (0,x0),(t,x_t))
    lam2 = S["lam"] ** 2
    for t, s in [(tt, tt - 1) for tt in range(99, 0, -1)] + GOUB_SKIP_PAIRS:
        V0s = lam2 * -math.expm1(-2 * A[s]); V0t = lam2 * -math.expm1(-2 * A[t])
        Vst = lam2 * -math.expm1(-2 * (A[t] - A[s]))
        k = math.exp(-(A[t] - A[s])) * V0s / V0t
        c0 = math.exp(-A[s]) - k * math.exp(-A[t])
        g = (k, c0, 1 - k - c0, math.sqrt(V0s * Vst / V0t))
        c = goub_posterior_step(S, t, s)
        assert all(rel_close(x, y, 1e-9, 1e-13) for x, y in zip(c, g)), (t, s, c, g)
    src = ("Hammour-steak/GOUB codes/utils/sde_utils.py @895876e GOUB._initialize, m, n, f_sigma; "
           "T=100 eps=0.005 cosine, lambda_square=30 (/255, std)")
    write_coeffs("goub", "goub", [], src, goub_coeffs(S), True)
    write_steps("goub", "goub", [],
                "GOUB.r_mean_1 / r_sigma_1 (reverse_optimum_step, x0 form) t = 99..1 -> t-1, plus skip pairs "
                "with t-1 replaced by s; t=100 undefined (f_sigma_T = 0)", goub_step_rows(S), True)


def make_unidb():
    S = goub_schedule(gamma_inv=1e-7)
    assert close(S["m"][100], 3.6e-8, 5e-10), S["m"][100]
    assert S["m"][0] == 1.0
    for case, gi, sets in [("unidb", 1e-7, []), ("unidb_gammainv1e-8", 1e-8, [("gamma_inv", "1e-08")])]:
        S = goub_schedule(gamma_inv=gi)
        src = ("UniDB-SOC/UniDB UniDB-GOU/utils/sde_utils.py @5625e73 UniDB.m (gamma_inv), n = 1 - m, "
               "f_sigma unchanged from GOUB; lambda_square=30, eps=0.005, gamma_inv=%r" % gi)
        write_coeffs(case, "unidb", sets, src, goub_coeffs(S), True)
        write_steps(case, "unidb", sets,
                    "UniDB r_mean_1 / r_sigma_1 (GOUB code, new m and n, GOUB f_sigma), t = 99..1 -> t-1 "
                    "plus skip pairs with t-1 replaced by s", goub_step_rows(S), True)


# ======================================================================================
# BBDM   xuekt98/BBDM  model/BrownianBridge/BrownianBridgeModel.py @02c3b13
# ======================================================================================
def bbdm_schedule(mt_type="linear", T=1000, max_var=1.0):
    """BrownianBridgeModel.register_schedule: m_t ('linear' = linspace(0.001, 0.999, T);
    'sin' = 1.0075**linspace(0,T,T) / last, m[-1] = 0.999), variance_t = 2 (m - m^2) max_var."""
    if mt_type == "linear":
        m = np.linspace(0.001, 0.999, T)
    elif mt_type == "sin":
        m = 1.0075 ** np.linspace(0, T, T)
        m = m / m[-1]
        m[-1] = 0.999
    else:
        raise ValueError(mt_type)
    var = 2.0 * (m - m ** 2) * max_var
    return dict(m=m, var=var, T=T, max_var=max_var)


def bbdm_skip_steps(T=1000, sample_step=200):
    """register_schedule skip_sample/'linear': torch.arange(T-1, 1, step=-((T-1)/(sample_step-2))).long()
    ++ [1, 0].  Emulates torch's float32 arange: value_i = float32(start + i*step) computed in double
    (CPU acc type), then .long() truncation; size = ceil((end - start)/step)."""
    start, end, step = float(T - 1), 1.0, -((T - 1) / (sample_step - 2))
    size = int(math.ceil((end - start) / step))
    mid = [int(np.trunc(np.float32(start + i * step))) for i in range(size)]
    return mid + [1, 0]


def bbdm_p_sample(S, t, n, eta):
    """BrownianBridgeModel.p_sample (x0 form):
    sigma2 = (var_t - var_n (1-m_t)^2/(1-m_n)^2) var_n/var_t   (eta-independent),
    x_n = (1-m_n) x0 + m_n y + sqrt((var_n - sigma2)/var_t) (x_t - (1-m_t) x0 - m_t y) + eta sqrt(sigma2) z."""
    m, v = S["m"], S["var"]
    r = (1.0 - m[t]) / (1.0 - m[n])
    sigma2 = (v[t] - v[n] * r ** 2) * v[n] / v[t]
    k_code = math.sqrt((v[n] - sigma2) / v[t])
    cx0_code, cy_code = (1.0 - m[n]) - k_code * (1.0 - m[t]), m[n] - k_code * m[t]
    # exact simplification of the code's expressions: var_n - sigma2 = var_n^2 r^2/var_t and
    # var = 2 max_var m (1-m) give k = m_n/m_t, c_x0 = (m_t - m_n)/m_t, c_y = 0 (y cancels exactly)
    # and sigma2 = 2 max_var m_n (m_t - m_n)/m_t
    k = m[n] / m[t]
    cx0 = (m[t] - m[n]) / m[t]
    s2 = 2.0 * S["max_var"] * m[n] * (m[t] - m[n]) / m[t]
    assert rel_close(k, k_code, 1e-10) and rel_close(cx0, cx0_code, 1e-9, 1e-13) and abs(cy_code) < 1e-12
    assert rel_close(s2, sigma2, 1e-10)
    return (k, cx0, 0.0, eta * math.sqrt(s2)), s2


def make_bbdm():
    steps = bbdm_skip_steps()
    assert len(steps) == 200 and steps[:3] == [999, 993, 988] and steps[-3:] == [5, 1, 0]
    for v in (666, 333, 222, 111):
        assert v in steps and (v - 1) not in steps, v
    S = bbdm_schedule("linear")
    assert close(S["var"][0], 0.001998, 1e-15) and close(S["var"][-1], 0.001998, 1e-15)
    # paper Markov posterior of consecutive steps has c_y = 0 (bridges-reference sec. 4(c))
    for t in (1, 500, 999):
        (k, c0, cy, _), s2 = bbdm_p_sample(S, t, t - 1, 1.0)
        assert abs(cy) < 1e-12
    # eta quirk: eta=1 keeps the marginal variance, eta != 1 does not (0.073 std error at eta=0)
    worst = 0.0
    for t, n in zip(steps[:-1], steps[1:]):
        for eta in (0.0, 0.5, 1.0):
            (k, c0, cy, cz), s2 = bbdm_p_sample(S, t, n, eta)
            out_var = k * k * S["var"][t] + cz * cz
            if eta == 1.0:
                assert rel_close(out_var, S["var"][n], 1e-12)
            else:
                assert out_var < S["var"][n]
            if eta == 0.0:
                worst = max(worst, math.sqrt(S["var"][n]) - math.sqrt(out_var))
    assert close(worst, 0.073, 1e-3), worst

    for case, mt, sets in [("bbdm", "linear", []), ("bbdm_sin", "sin", [("mt_type", "sin")])]:
        S = bbdm_schedule(mt)
        src = ("xuekt98/BBDM model/BrownianBridge/BrownianBridgeModel.py @02c3b13 register_schedule, q_sample; "
               "num_timesteps=1000, mt_type=%s, max_var=1" % mt)
        idx = range(S["T"]) if mt == "linear" else secondary_indices(S["T"])
        if mt != "linear":
            src += "; subset of indices (first/last 10, every 20th)"
        write_coeffs(case, "bbdm", sets, src,
                     [(i, 1 - S["m"][i], S["m"][i], math.sqrt(S["var"][i])) for i in idx], True)
    S = bbdm_schedule("linear")
    rows = []
    for eta in (0.0, 0.5, 1.0):
        for t, n in zip(steps[:-1], steps[1:]):
            rows.append((t, n, eta) + bbdm_p_sample(S, t, n, eta)[0])
        rows.append((0, -1, eta, 0.0, 1.0, 0.0, 0.0))   # steps[i] == 0: return x0_recon
    write_steps("bbdm", "bbdm", [],
                "BrownianBridgeModel.p_sample (x0 form, eta quirk: mean uses the eta=1 sigma2, noise eta*sqrt(sigma2)) "
                "on its 200-entry skip grid (torch float32 arange .long() ++ [1,0]); from 0 returns x0_recon",
                rows, True)


# ======================================================================================
# I2SB   NVlabs/I2SB  i2sb/runner.py, i2sb/diffusion.py, i2sb/util.py @1ffdfaa
# ======================================================================================
def i2sb_betas(interval=1000, beta_max=0.3):
    """runner.make_beta_schedule(n_timestep=interval, linear_start=1e-4, linear_end=beta_max/interval)
    = linspace(sqrt(1e-4), sqrt(linear_end), n)^2, then Runner.__init__ symmetrises:
    concat(betas[:n/2], flip(betas[:n/2]))."""
    b = np.linspace(1e-4 ** 0.5, (beta_max / interval) ** 0.5, interval) ** 2
    return np.concatenate([b[: interval // 2], np.flip(b[: interval // 2])])


def i2sb_schedule(beta_max=0.3, interval=1000):
    """diffusion.Diffusion.__init__: std_fwd^2 = cumsum(betas), std_bwd^2 = flip(cumsum(flip(betas)))."""
    betas = i2sb_betas(interval, beta_max)
    fwd2 = np.cumsum(betas)
    bwd2 = np.flip(np.cumsum(np.flip(betas)))
    return dict(betas=betas, fwd2=fwd2, bwd2=bwd2, n=interval)


def i2sb_coeffs(S):
    """diffusion.compute_gaussian_product_coef(std_fwd, std_bwd) used by q_sample (eq 11):
    mu_x0 = bwd^2/(fwd^2+bwd^2), mu_x1 = fwd^2/(...), std_sb = sqrt(fwd^2 bwd^2/(...))."""
    f, b = S["fwd2"], S["bwd2"]
    den = f + b
    return [(i, b[i] / den[i], f[i] / den[i], math.sqrt(f[i] * b[i] / den[i])) for i in range(S["n"])]


def i2sb_space_indices(num_steps, count):
    """util.space_indices: float stride accumulated, python round (half to even)."""
    frac_stride = 1 if count <= 1 else (num_steps - 1) / (count - 1)
    cur, out = 0.0, []
    for _ in range(count):
        out.append(round(cur))
        cur += frac_stride
    return out


def i2sb_p_posterior(S, nprev, n):
    """diffusion.p_posterior (eq 4): std_delta^2 = std_n^2 - std_nprev^2,
    compute_gaussian_product_coef(std_nprev, std_delta): x = mu_x0 x0 + mu_xn x_n + sqrt(var) z,
    no z when nprev == 0 (and none for ot_ode)."""
    assert nprev < n
    f2p = S["fwd2"][nprev]
    d2 = float(np.sum(S["betas"][nprev + 1: n + 1]))   # = std_n^2 - std_nprev^2, without cancellation
    den = f2p + d2
    cz = math.sqrt(f2p * d2 / den) if nprev > 0 else 0.0
    return (f2p / den, d2 / den, 0.0, cz)


def i2sb_pairs(nfe):
    steps = i2sb_space_indices(1000, nfe + 1)[::-1]   # ddpm_sampling: steps[::-1], zip(steps[1:], steps[:-1])
    return [(n, p) for p, n in zip(steps[1:], steps[:-1])]


def make_i2sb():
    S3, S1 = i2sb_schedule(0.3), i2sb_schedule(1.0)
    assert close(S3["fwd2"][-1], 0.1410, 5e-5) and close(S1["fwd2"][-1], 0.2469, 5e-5)
    assert close(S3["betas"].max(), 1.865e-4, 5e-8) and close(S1["betas"].max(), 4.33e-4, 5e-7)
    assert close(i2sb_coeffs(S3)[0][1], 0.999291, 5e-7)
    assert rel_close(math.sqrt(S3["fwd2"][0]), 0.01, 1e-12)
    assert i2sb_space_indices(1000, 11) == [0, 100, 200, 300, 400, 500, 599, 699, 799, 899, 999]
    assert i2sb_space_indices(1000, 1000) == list(range(1000))
    for case, bm, sets in [("i2sb", 0.3, []), ("i2sb_betamax1", 1.0, [("beta_max", "1.0")])]:
        S = i2sb_schedule(bm)
        src = ("NVlabs/I2SB @1ffdfaa runner.make_beta_schedule (linear_start=1e-4 not /interval, "
               "linear_end=beta_max/interval, symmetrised) + diffusion.Diffusion.__init__/q_sample; interval=1000, "
               "beta_max=%r" % bm)
        co = i2sb_coeffs(S)
        if bm != 0.3:
            co = [co[i] for i in secondary_indices(S["n"], extra=range(495, 505))]
            src += "; subset of indices (first/last 10, every 20th, 495..504)"
        write_coeffs(case, "i2sb", sets, src, co, True)
        rows = []
        p999 = i2sb_pairs(999)
        for n, p in i2sb_pairs(10) + p999[:50] + p999[-50:]:
            rows.append((n, p, 1.0) + i2sb_p_posterior(S, p, n))
        write_steps(case, "i2sb", sets,
                    "diffusion.p_posterior (eq 4, x0 form, no z when n'=0) on space_indices(1000, nfe+1) reversed; "
                    "nfe=10 all pairs, nfe=999 first 50 and last 50 pairs", rows, True)


# ======================================================================================
# DDBM   alexzhou907/DDBM  ddbm/karras_diffusion.py @1a92834
# ======================================================================================
def karras_grid(n, t_min, t_max, rho=7.0):
    """karras_diffusion.get_sigmas_karras (without the appended 0); karras_sample passes sigma_max - 1e-4."""
    ramp = np.linspace(0.0, 1.0, n)
    lo, hi = t_min ** (1 / rho), t_max ** (1 / rho)
    return (hi + ramp * (lo - hi)) ** rho


def ddbm_ve_coeffs(t, T=80.0):
    """KarrasDenoiser.training_bridge_losses.bridge_sample, pred_mode 've':
    mu_t = t^2/T^2 x_T + (1 - t^2/T^2) x0, std_t = t sqrt(1 - t^2/T^2)."""
    s = t ** 2 / T ** 2
    om = (T - t) * (T + t) / T ** 2        # = 1 - t^2/T^2 without cancellation near T
    return (om, s, t * math.sqrt(om))


def vp_logsnr(t, beta_d=2.0, beta_min=0.1):
    """karras_diffusion.vp_logsnr = -log(exp(0.5 beta_d t^2 + beta_min t) - 1), evaluated with expm1."""
    return -math.log(math.expm1(0.5 * beta_d * t ** 2 + beta_min * t))


def vp_logs(t, beta_d=2.0, beta_min=0.1):
    """karras_diffusion.vp_logs = -0.25 t^2 beta_d - 0.5 t beta_min."""
    return -0.25 * t ** 2 * beta_d - 0.5 * t * beta_min


def ddbm_vp_coeffs(t, T=1.0):
    """bridge_sample, pred_mode 'vp': a_t = exp(logsnr_T - logsnr_t + logs_t - logs_T),
    b_t = -expm1(logsnr_T - logsnr_t) exp(logs_t), std_t = sqrt(-expm1(logsnr_T - logsnr_t)) exp(logs_t - logsnr_t/2)."""
    lT, lt, sT, st = vp_logsnr(T), vp_logsnr(t), vp_logs(T), vp_logs(t)
    a = math.exp(lT - lt + st - sT)
    b = -math.expm1(lT - lt) * math.exp(st)
    std = math.sqrt(-math.expm1(lT - lt)) * math.exp(st - lt / 2)
    return (b, a, std)


def make_ddbm():
    assert close(math.exp(vp_logs(1.0)), 0.576950, 5e-7)
    assert close(math.exp(vp_logsnr(1.0)), 0.498961, 5e-7)
    b, a, _ = ddbm_vp_coeffs(0.5)
    assert close(a, 0.2604, 5e-5) and close(b, 0.7105, 5e-5) and close(a + b, 0.971, 5e-4)
    ts = list(karras_grid(40, 0.002, 80.0 - 1e-4)) + [0.002, 1.0, 40.0, 79.9999]
    rows = [(t,) + ddbm_ve_coeffs(t) for t in sorted(set(ts))]
    write_coeffs("ddbm-ve", "ddbm-ve", [],
                 "alexzhou907/DDBM ddbm/karras_diffusion.py @1a92834 bridge_sample (ve); sigma_max=80, sigma_min=0.002; "
                 "t = get_sigmas_karras(40, 0.002, 80-1e-4, rho=7) without the final 0, plus extra points", rows, False)
    ts = list(karras_grid(40, 1e-4, 1.0 - 1e-4)) + [1e-4, 0.5, 0.9999]
    rows = [(t,) + ddbm_vp_coeffs(t) for t in sorted(set(ts))]
    # VP identity: c_x0 = alpha_t (1 - SNR_T/SNR_t), plain-formula cross-check
    for t, cx0, cy, sd in rows:
        al = math.exp(vp_logs(t)); aT = math.exp(vp_logs(1.0))
        r = math.exp(vp_logsnr(1.0) - vp_logsnr(t))
        assert rel_close(cx0, al * (1 - r), 1e-12) and rel_close(cy, al / aT * r, 1e-12)
        assert rel_close(sd * sd, (1 - al * al) * (1 - r), 1e-11)
    write_coeffs("ddbm-vp", "ddbm-vp", [],
                 "alexzhou907/DDBM ddbm/karras_diffusion.py @1a92834 vp_logsnr (with expm1), vp_logs, bridge_sample (vp); "
                 "beta_d=2, beta_min=0.1, sigma_max=1, sigma_min=1e-4; t = get_sigmas_karras(40, 1e-4, 1-1e-4) plus extras",
                 rows, False)


# ======================================================================================
# DBIM   thu-ml/DiffusionBridge  ddbm/karras_diffusion.py @9252273
# ======================================================================================
class DbimVP:
    """VPNoiseSchedule(beta_d=2, beta_min=0.1): alpha_t = e^{-beta_min t/2 - beta_d t^2/4},
    rho_t = sqrt(e^{beta_min t + beta_d t^2/2} - 1), alpha_T, rho_T at t = 1 (hard-coded)."""
    T, t_min = 1.0, 1e-4

    def __init__(self, beta_d=2.0, beta_min=0.1):
        self.bd, self.bm = beta_d, beta_min
        self.alpha_T = self.alpha(1.0)
        self.rho_T2 = self.rho2(1.0)

    def alpha(self, t):
        return math.exp(-0.5 * self.bm * t - 0.25 * self.bd * t ** 2)

    def expo(self, t):
        return self.bm * t + 0.5 * self.bd * t ** 2

    def rho2(self, t):
        return math.expm1(self.expo(t))

    def alpha_rho(self, t):
        # rho_bar^2 = rho_T^2 - rho_t^2 = e^{u_t} expm1(u_T - u_t) (same value, no cancellation)
        rb2 = math.exp(self.expo(t)) * math.expm1(self.expo(1.0) - self.expo(t))
        return self.alpha(t), self.alpha(t) / self.alpha_T, self.rho2(t), rb2


class DbimVE:
    """VENoiseSchedule(sigma_max=80): alpha = 1, rho_t = t, rho_T = 80."""
    T, t_min = 80.0, 0.002

    def __init__(self, sigma_max=80.0):
        self.rho_T2 = sigma_max ** 2

    def alpha_rho(self, t):
        return 1.0, 1.0, t * t, (self.T - t) * (self.T + t)   # rho_T^2 - t^2, no cancellation


class DbimI2SB:
    """I2SBNoiseSchedule(n=1000, beta_min=0.1, beta_max=1.0): I2SB betas with linear_start = beta_min/n,
    rho_t = std_fwd[round(999 t)], rho_bar_t = std_bwd[round(999 t)], rho_T = std_fwd[-1] (rho_T^2 = sum beta)."""
    T, t_min = 1.0, 1e-4

    def __init__(self, beta_min=0.1, beta_max=1.0, n=1000):
        self.n = n
        b = np.linspace((beta_min / n) ** 0.5, (beta_max / n) ** 0.5, n) ** 2
        b = np.concatenate([b[: n // 2], np.flip(b[: n // 2])])
        self.betas, self.fwd2, self.bwd2 = b, np.cumsum(b), np.flip(np.cumsum(np.flip(b)))
        self.rho_T2 = self.fwd2[-1]

    def index(self, t):
        x = (self.n - 1) * t
        assert abs((x % 1.0) - 0.5) > 1e-6 or x == 499.5, t  # no float32/float64 ambiguity at .5
        return int(np.rint(x))     # torch .round(): half to even

    def alpha_rho(self, t):
        i = self.index(t)
        return 1.0, 1.0, self.fwd2[i], self.bwd2[i]


def dbim_abc(ns, t):
    """NoiseSchedule.get_abc: a = alpha_bar rho^2/rho_T^2, b = alpha rho_bar^2/rho_T^2, c = alpha rho_bar rho/rho_T."""
    al, alb, r2, rb2 = ns.alpha_rho(t)
    return (alb * r2 / ns.rho_T2, al * rb2 / ns.rho_T2, al * math.sqrt(rb2 * r2 / ns.rho_T2))


def dbim_step(ns, s, t, eta, last):
    """sample_dbim step s -> t: omega = eta alpha_t rho_t sqrt(1 - rho_t^2/rho_s^2), k = sqrt(c_t^2 - omega^2)/c_s,
    x_t = k x_s + (b_t - k b_s) x0_hat + (a_t - k a_s) x_T + [i != len(ts)-2] omega z."""
    a_s, b_s, c_s = dbim_abc(ns, s)
    a_t, b_t, c_t = dbim_abc(ns, t)
    _, _, r2s, _ = ns.alpha_rho(s)
    al_t, _, r2t, _ = ns.alpha_rho(t)
    omega = eta * al_t * math.sqrt(r2t) * math.sqrt(1 - r2t / r2s)
    k = math.sqrt(c_t ** 2 - omega ** 2) / c_s
    if not isinstance(ns, DbimI2SB):
        # VP/VE (rho_bar^2 = rho_T^2 - rho^2): c_t^2 - omega^2 =
        # alpha_t^2 rho_t^2 [(1-eta^2) rho_bar_t^2 + eta^2 rho_t^2 rho_bar_s^2/rho_s^2]/rho_T^2  (same value, no
        # cancellation; the plain difference loses ~4e-10 relative on the VE step to t_min at eta = 1)
        rb2s, rb2t = ns.alpha_rho(s)[3], ns.alpha_rho(t)[3]
        diff = al_t ** 2 * r2t * ((1 - eta ** 2) * rb2t + eta ** 2 * r2t * rb2s / r2s) / ns.rho_T2
        k_stable = math.sqrt(diff) / c_s
        assert rel_close(k_stable, k, 1e-8), (s, t, eta, k, k_stable)
        k = k_stable
    cy = a_t - k * a_s
    if eta == 1.0 and not isinstance(ns, DbimI2SB):
        # VP/VE (rho^2 + rho_bar^2 = rho_T^2): eta = 1 is the Markov posterior, x_T cancels exactly
        assert abs(cy) < 1e-14 * (abs(a_t) + abs(k * a_s)), cy
        cy = 0.0
    return (k, b_t - k * b_s, cy, 0.0 if last else omega)


def make_dbim():
    vp, ve, i2 = DbimVP(), DbimVE(), DbimI2SB()
    assert close(math.sqrt(vp.rho_T2), 1.415686, 5e-7)
    a0, b0, _ = dbim_abc(i2, 0.0)
    assert close(a0 + b0, 1.000405, 5e-7), a0 + b0
    for t in list(karras_grid(40, 1e-4, 1.0 - 1e-4)):          # DBIM VP marginal == DDBM VP marginal
        a, b, c = dbim_abc(vp, t)
        b2, a2, c2 = ddbm_vp_coeffs(t)
        assert rel_close(a, a2, 1e-12) and rel_close(b, b2, 1e-12) and rel_close(c, c2, 1e-12)
    for t in (0.002, 1.0, 40.0, 79.9999):                      # DBIM VE == DDBM VE
        a, b, c = dbim_abc(ve, t)
        b2, a2, c2 = ddbm_ve_coeffs(t)
        assert rel_close(a, a2, 1e-13) and rel_close(b, b2, 1e-13) and rel_close(c, c2, 1e-12)
    N = 9
    for case, name, ns, sets in [("dbim-vp", "vp", vp, []),
                                 ("dbim-ve", "ve", ve, [("schedule", "ve"), ("sigma_max", "80.0"), ("sigma_min", "0.002")]),
                                 ("dbim-i2sb", "i2sb", i2, [("schedule", "i2sb"), ("beta_max", "1.0")])]:
        T = ns.T
        ts = np.linspace(T - 1e-3, ns.t_min, N + 1)        # get_sigmas_uniform(N, t_min, t_max - 1e-3)
        extra = [T, 0.5 * T] + ([0.0] if name == "i2sb" else [])
        rows = []
        for t in sorted(set(list(ts) + extra)):
            a, b, c = dbim_abc(ns, t)          # a on x_T (= y), b on x0
            rows.append((t, b, a, c))
        write_coeffs(case, "dbim", sets,
                     "thu-ml/DiffusionBridge ddbm/karras_diffusion.py @9252273 %sNoiseSchedule + NoiseSchedule.get_abc; "
                     "t = linspace(T-1e-3, t_min, 10) plus T, T/2%s" % (
                         {"vp": "VP", "ve": "VE", "i2sb": "I2SB"}[name], ", 0" if name == "i2sb" else ""), rows, False)
        srows = []
        for eta in (0.0, 0.5, 1.0):
            a, b, c = dbim_abc(ns, ts[0])
            srows.append((T, ts[0], eta, 0.0, b, a, c))    # boot: bridge_sample(x0_hat, x_T, ts[0], noise)
            for i in range(N):
                srows.append((ts[i], ts[i + 1], eta) + dbim_step(ns, ts[i], ts[i + 1], eta, i == N - 1))
                if eta in (0.0, 1.0) and i < N - 1:       # generalised-bridge.md sec. 4 cross-check
                    as_, bs, cs = dbim_abc(ns, ts[i + 1]); at, bt, ct = dbim_abc(ns, ts[i])
                    g = generic_implicit_step(bs, as_, cs, bt, at, ct, srows[-1][6])   # (c_x0, c_y, std) order
                    got = srows[-1][3:5] + (srows[-1][5],)
                    assert all(rel_close(x, y, 1e-8, 1e-11) for x, y in zip(got, (g[0], g[1], g[2]))), (case, i)
        write_steps(case, "dbim", sets,
                    "sample_dbim: boot step from t_max (x = a x_T + b x0_hat + c z, written c_xt=0, c_y=a) then "
                    "s -> t on ts with eta in {0,0.5,1}; last step has no z in the original (c_z=0)", srows, False)


# ======================================================================================
# ResShift   zsyOAOA/ResShift  models/gaussian_diffusion.py @3ce1d81
# ======================================================================================
def resshift_sqrt_etas(steps=15, kappa=2.0, min_noise_level=0.04, etas_end=0.99, power=0.3):
    """get_named_eta_schedule('exponential'): etas_start = min(min_noise_level/kappa, min_noise_level),
    increaser = exp(log(etas_end/etas_start)/(T-1)), sqrt_etas = increaser**(linspace(0,1,T)**power (T-1)) etas_start."""
    etas_start = min(min_noise_level / kappa, min_noise_level)
    increaser = math.exp(1 / (steps - 1) * math.log(etas_end / etas_start))
    base = np.ones([steps]) * increaser
    pt = np.linspace(0, 1, steps, endpoint=True) ** power
    pt *= steps - 1
    return np.power(base, pt) * etas_start


def resshift_coeffs(sq, kappa):
    """q_sample: x_t = x0 + eta_t (y - x0) + kappa sqrt(eta_t) eps."""
    et = sq ** 2
    return [(i, 1 - et[i], et[i], kappa * sq[i]) for i in range(len(sq))]


def resshift_step(sq, kappa, t):
    """GaussianDiffusion.__init__ posterior buffers + p_sample: mean = (eta_{t-1}/eta_t) x_t + (alpha_t/eta_t) x0,
    std = exp(0.5 log(kappa^2 eta_{t-1} alpha_t/eta_t)), no noise at t == 0 (mean = x0)."""
    et = sq ** 2
    if t == 0:
        return (0.0, 1.0, 0.0, 0.0)
    prev = et[t - 1]
    alpha = et[t] - prev
    return (prev / et[t], alpha / et[t], 0.0, math.sqrt(kappa ** 2 * prev / et[t] * alpha))


def make_resshift():
    sq = resshift_sqrt_etas()
    ref15 = [0.02, 0.117165, 0.176305, 0.233629, 0.291574, 0.351009, 0.412356, 0.475858, 0.541672,
             0.609910, 0.680658, 0.753985, 0.829951, 0.908606, 0.99]
    assert all(close(a, b, 5e-7) for a, b in zip(sq, ref15)) and len(sq) == 15, sq
    sq4 = resshift_sqrt_etas(steps=4, min_noise_level=0.2)
    assert all(close(a, b, 5e-7) for a, b in zip(sq4, [0.1, 0.520096, 0.761382, 0.99])), sq4
    assert rel_close(sq[0], 0.02, 1e-15) and rel_close(sq[-1], 0.99, 1e-14)
    for case, kw, sets in [("resshift", {}, []),
                           ("resshift_T4", dict(steps=4, min_noise_level=0.2), [("steps", "4"), ("min_noise_level", "0.2")])]:
        sq = resshift_sqrt_etas(**kw)
        src = ("zsyOAOA/ResShift models/gaussian_diffusion.py @3ce1d81 get_named_eta_schedule('exponential'), q_sample; "
               "steps=%d kappa=2 min_noise_level=%r etas_end=0.99 power=0.3" % (len(sq), kw.get("min_noise_level", 0.04)))
        write_coeffs(case, "resshift", sets, src, resshift_coeffs(sq, 2.0), True)
        rows = [(t, t - 1, 1.0) + resshift_step(sq, 2.0, t) for t in range(len(sq) - 1, -1, -1)]
        write_steps(case, "resshift", sets,
                    "GaussianDiffusion.q_posterior_mean_variance + p_sample (xstart prediction): t -> t-1, "
                    "t=0 -> -1 returns x0 (noise masked)", rows, True)


# ======================================================================================
# DDPM / DDIM   ermongroup/ddim  runners/diffusion.py, functions/denoising.py @e8df66c
# ======================================================================================
def ddpm_logabar(beta_start=0.0001, beta_end=0.02, T=1000):
    """runners/diffusion.get_beta_schedule('linear') + compute_alpha: abar_t = prod_{s<=t}(1 - beta_s),
    abar_{-1} = 1 (kept as log abar; index i+1 of the returned array is abar_i)."""
    betas = np.linspace(beta_start, beta_end, T, dtype=np.float64)
    return np.concatenate([[0.0], np.cumsum(np.log1p(-betas))])


def ddim_step(la, t, n, eta):
    """functions/denoising.generalized_steps (x0 form):
    x0 = (x_t - sqrt(1-a_t) e)/sqrt(a_t), c1 = eta sqrt((1 - a_t/a_n)(1 - a_n)/(1 - a_t)),
    c2 = sqrt(1 - a_n - c1^2), x_n = sqrt(a_n) x0 + c1 z + c2 e  =>  e = (x_t - sqrt(a_t) x0)/sqrt(1 - a_t)."""
    lt, ln_ = la[t + 1], la[n + 1]
    om_t, om_n = -math.expm1(lt), -math.expm1(ln_)
    c1 = eta * math.sqrt(-math.expm1(lt - ln_) * om_n / om_t)
    c2 = math.sqrt(max(om_n - c1 * c1, 0.0))
    k = c2 / math.sqrt(om_t)
    return (k, math.exp(0.5 * ln_) - k * math.exp(0.5 * lt), 0.0, c1)


def make_ddpm():
    la = ddpm_logabar()
    assert close(math.exp(la[-1]), 4.0358e-5, 5e-9), math.exp(la[-1])   # well-known linear-schedule value
    rows = [(i, math.exp(0.5 * la[i + 1]), 0.0, math.sqrt(-math.expm1(la[i + 1]))) for i in range(1000)]
    write_coeffs("ddpm", "ddpm", [],
                 "ermongroup/ddim @e8df66c runners/diffusion.get_beta_schedule('linear', 1e-4, 0.02, 1000) + "
                 "functions/denoising.compute_alpha; x_t = sqrt(abar_t) x0 + sqrt(1-abar_t) eps", rows, True)
    srows = []
    for S in (10, 50):
        seq = list(range(0, 1000, 1000 // S))
        seq_next = [-1] + seq[:-1]
        for eta in (0.0, 0.5, 1.0):
            for i, j in zip(reversed(seq), reversed(seq_next)):
                st = ddim_step(la, i, j, eta)
                if eta in (0.0, 1.0) and j >= 0:          # generalised-bridge.md sec. 4 with m = 0, y unused
                    a = lambda q: (math.exp(0.5 * la[q + 1]), 0.0, math.sqrt(-math.expm1(la[q + 1])))
                    wM = math.sqrt(-math.expm1(la[i + 1] - la[j + 1]) * -math.expm1(la[j + 1]) / -math.expm1(la[i + 1]))
                    g = generic_implicit_step(*a(j), *a(i), eta * wM)
                    assert all(rel_close(x, y, 1e-10, 1e-14) for x, y in zip(st, g)), (i, j)
                srows.append((i, j, eta) + st)
    write_steps("ddpm", "ddpm", [],
                "functions/denoising.generalized_steps (DDIM) in x0 form, seq = range(0,1000,1000//S), S=10 and 50, "
                "eta in {0,0.5,1}; next after 0 is -1 (abar=1: returns x0)", srows, True)


# ======================================================================================
# Rectified flow   gnobitab/RectifiedFlow  ImageGeneration/losses.py @5a1fd4dd
# ======================================================================================
def make_rectified_flow():
    """losses.py: perturbed = t x_data + (1 - t) z0, data at t = 1, no noise."""
    rows = [(t, t, 1 - t, 0.0) for t in (0.0, 0.001, 0.25, 0.5, 0.75, 1.0)]
    write_coeffs("rectified-flow", "rectified-flow", [],
                 "gnobitab/RectifiedFlow ImageGeneration/losses.py: x_t = t*x0 + (1-t)*y (y = z0), data at t=1, std 0",
                 rows, False)


# ---------------------- Euler-Maruyama reverse SDE (GOUB / UniDB / IR-SDE) --------------
def gou_em_step(S, t, kind, gamma_inv=0.0):
    """One reverse_sde_step t -> t-1 in x0 form, following
    IRSDE.sde_reverse_drift / GOUB.sde_reverse_drift_1 / UniDB.sde_reverse_drift_1:
      x_{t-1} = x - [theta_t (mu - x) + h_t (x - mu) - g_t^2 score] dt - g_t sqrt(dt) z,
      g_t^2 = 2 lam^2 theta_t, score = -(x - m_t x0 - n_t mu)/f_sigma_t^2 (the eps-net's
      score written through x0), h_t = -g_t^2 e^{-2 theta_bar_{t:T}}/(gamma_inv + sigma_{t:T}^2);
      GOUB and UniDB hard-code h = 0 and score = 0 at t == 100 (= T)."""
    th, dt, lam, T = S["th"], S["dt"], S["lam"], S["T"]
    g2 = 2 * lam ** 2 * th[t]
    if kind == "irsde":
        a = S["tc"][t] * dt
        m, n, v = math.exp(-a), -math.expm1(-a), lam ** 2 * -math.expm1(-2 * a)
        h = 0.0
    else:
        m, n, v = S["m"][t], S["n"][t], S["fvar"][t]
        if t == T:
            h, v = 0.0, 0.0
        else:
            tmp = math.exp(-2 * S["b"][t])
            h = g2 * tmp / (gamma_inv + S["stT2"][t])
    fx, fy = -th[t] - h, th[t] + h              # forward drift f = fx x + fy mu
    sx, s0, sy = (-1 / v, m / v, n / v) if v > 0 else (0.0, 0.0, 0.0)
    cxt = 1 - dt * fx + dt * g2 * sx
    cx0 = dt * g2 * s0
    cy = -dt * fy + dt * g2 * sy
    return (cxt, cx0, cy, math.sqrt(g2 * dt))


def make_euler_maruyama():
    cases = [("goub_em", "goub", [], goub_schedule(), "goub", 0.0),
             ("unidb_em", "unidb", [], goub_schedule(gamma_inv=1e-7), "unidb", 1e-7),
             ("irsde_em", "irsde", [], irsde_schedule(10), "irsde", 0.0)]
    for case, bridge, sets, S, kind, gi in cases:
        rows = [(t, t - 1, 1.0) + gou_em_step(S, t, kind, gi) for t in range(S["T"], 0, -1)]
        lines = _header(bridge, sets, "reverse_sde_step (Euler-Maruyama, x0 form) t = T..1 -> t-1; "
                        "h-drift and score zeroed at t = 100 for GOUB/UniDB as the code does")
        lines.insert(1 + len(sets), "# sampler=euler-maruyama")
        lines.append("from,to,eta,c_xt,c_x0,c_y,c_z")
        lines += [",".join([_time(r[0], True), _time(r[1], True), _num(r[2])] + [_num(x) for x in r[3:]])
                  for r in rows]
        _write(case + ".step.csv", lines)


def main():
    os.makedirs(OUT, exist_ok=True)
    make_rdbm()
    make_goub()
    make_unidb()
    make_irsde()
    make_euler_maruyama()
    make_bbdm()
    make_i2sb()
    make_ddbm()
    make_dbim()
    make_resshift()
    make_ddpm()
    make_rectified_flow()
    total = sum(os.path.getsize(p) for p in _written)
    for p in _written:
        print("%8d  %s" % (os.path.getsize(p), os.path.relpath(p, REPO)))
    print("%8d  total (%d files)" % (total, len(_written)))
    assert total < MAX_TOTAL_BYTES, total


if __name__ == "__main__":
    sys.exit(main())
