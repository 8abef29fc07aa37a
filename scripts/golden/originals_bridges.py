"""The Brownian / Schrodinger bridges from their official code: BBDM, I2SB, DDBM, DBIM
(float64 NumPy; see make_golden.py for the numerical policy)."""

import math

import numpy as np

from golden_io import (close, generic_implicit_step, rel_close, secondary_indices, write_coeffs,
                       write_steps)


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
    for t, n in list(zip(steps[:-1], steps[1:]))[:20]:  # the code takes any eta >= 0 (noise eta*sigma)
        rows.append((t, n, 2.0) + bbdm_p_sample(S, t, n, 2.0)[0])
    write_steps("bbdm", "bbdm", [],
                "BrownianBridgeModel.p_sample (x0 form, eta quirk: mean uses the eta=1 sigma2, noise eta*sqrt(sigma2)) "
                "on its 200-entry skip grid (torch float32 arange .long() ++ [1,0]); from 0 returns x0_recon; "
                "eta=2 on the first 20 pairs",
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
    # --ot-ode (train.py / sample.py): q_sample without std_sb * noise, p_posterior without var * z
    S = i2sb_schedule(0.3)
    co = i2sb_coeffs(S)
    co = [(i, a, b, 0.0) for i, a, b, _ in (co[i] for i in secondary_indices(S["n"], extra=range(495, 505)))]
    sets = [("ot_ode", "true")]
    write_coeffs("i2sb_otode", "i2sb", sets,
                 "NVlabs/I2SB @1ffdfaa diffusion.q_sample(ot_ode=True): mu_x0 x0 + mu_x1 x1, no noise; beta_max=0.3; "
                 "subset of indices", co, True)
    rows = [(n, p, 1.0) + i2sb_p_posterior(S, p, n)[:3] + (0.0,) for n, p in i2sb_pairs(10) + i2sb_pairs(999)[:20]]
    write_steps("i2sb_otode", "i2sb", sets,
                "diffusion.p_posterior(ot_ode=True): mu_x0 x0 + mu_xn x_n, never noise; nfe=10 and the first 20 of "
                "nfe=999", rows, True)


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
                                 ("dbim-i2sb", "i2sb", i2, [("schedule", "i2sb"), ("beta_max", "1.0")]),
                                 ("dbim-i2sb_betamin0.2", "i2sb", DbimI2SB(beta_min=0.2),
                                  [("schedule", "i2sb"), ("beta_max", "1.0"), ("beta_min", "0.2")])]:
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
