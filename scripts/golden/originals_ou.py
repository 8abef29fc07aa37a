"""The mean-reverting OU bridges from their official code: RDBM, IR-SDE, GOUB, UniDB, and their
Euler-Maruyama reverse SDE (float64 NumPy; see make_golden.py for the numerical policy)."""

import math

import numpy as np

from golden_io import (_header, _num, _time, _write, close, generic_implicit_step, rel_close, write_coeffs, write_steps)


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
    """code/rdbm.py ddim_sample: times = linspace(-1, T-1, S+1).int() reversed, zipped.  In float64
    here; torch computes it in float32, which differs for some S (make_torch_grids.py), not S = 5, 10."""
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
