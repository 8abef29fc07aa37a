"""Literal float64 ports of each original's own sampling loop, for make_sampling_golden.py
(inputs, denoiser and noise: sampling_common.py)."""

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

# ======================================================================================
# RDBM   MiliLab/RDBM code/rdbm.py @ddc8ef9  RDBM.ddim_sample (sampling_type pred_x_start)
# ======================================================================================
def rdbm_ddim_sample(y, target, seed, steps, lamb=10 / 255, T=100, sampling_type="pred_x_start"):
    """ddim_sample with condition=True: img = mu; times = linspace(-1, T-1, S+1).int() reversed
    (torch float32); per pair: x_start = clamp(model); time_next < 0: img = x_start;
    time == T-1: img = mu + Theta_next (x_start - mu); else Eq. 19 in x0 form. No noise at all.
    Theta, Sigma as RDBM.__init__ (originals_ou.rdbm_schedule, float64; lamb = 10/255 is the
    paper's and the first upload's value, the preset default; HEAD has 1e-4).
    sampling_type 'pred_noise' (objective 'pred_noise'): the network answers the noise N, here
    predict_noise_from_x_start(x_t, t, mu, x0hat) (0 at t = T-1, where Sigma = 0 and the code
    never reads it: its first step sets img = mu); x_start = clamp(predict_x_start_from_noise);
    img = mu + (Theta_next/Theta_now)(img - mu) - ((Theta_next/Theta_now) Sigma_now - Sigma_next) N."""
    S = rdbm_schedule(T, lamb)
    Theta, Sigma = S["Theta"], S["Sigma"]
    D = Denoiser(target)
    mu = y
    times = torch.linspace(-1, T - 1, steps=steps + 1)
    times = list(reversed(times.int().tolist()))
    time_pairs = list(zip(times[:-1], times[1:]))
    img = mu
    for time, time_next in time_pairs:
        if sampling_type == "pred_x_start":
            x_start = clamp(D(img), "rdbm")
        else:
            x0hat = D(img)
            if Sigma[time] > 0:
                noise = (img - mu - Theta[time] * (x0hat - mu)) / Sigma[time]
                x_start = clamp(((img - mu - (Sigma[time] * noise)) / Theta[time]) + mu, "rdbm")
            else:               # t = T-1: the code's x_start is (mu - mu - 0)/0 + mu, never used
                noise, x_start = np.zeros(N), None
        if time_next < 0:
            img = x_start
            continue
        Theta_now, Theta_next = Theta[time], Theta[time_next]
        Sigma_now, Sigma_next = Sigma[time], Sigma[time_next]
        if sampling_type == "pred_noise":
            if time == T - 1:
                img = mu
            else:
                img = mu + (Theta_next / Theta_now) * (img - mu) - \
                    (((Theta_next / Theta_now) * Sigma_now) - Sigma_next) * noise
        elif time == T - 1:
            img = mu + Theta_next * (x_start - mu)
        else:
            img = mu + (Sigma_next / Sigma_now) * (img - mu) + \
                (Theta_next - (Theta_now * Sigma_next / Sigma_now)) * (x_start - mu)
    return img


# ======================================================================================
# IR-SDE   Algolzw/image-restoration-sde codes/utils/sde_utils.py @2598d73  class IRSDE
# GOUB     Hammour-steak/GOUB codes/utils/sde_utils.py @895876e            class GOUB
# UniDB    UniDB-SOC/UniDB UniDB-GOU/utils/sde_utils.py @5625e73           class UniDB
# ======================================================================================
class IRSDE:
    """IRSDE.__init__/_initialize (cosine), float64."""

    def __init__(self, max_sigma=10, T=100, eps=0.005):
        self.T = T
        self.max_sigma = max_sigma / 255 if max_sigma >= 1 else max_sigma
        thetas = irsde_cosine_thetas(T)            # cosine_theta_schedule(T), float64
        self.sigmas = np.sqrt(self.max_sigma ** 2 * 2 * thetas)
        tc = np.cumsum(thetas) - thetas[0]
        self.dt = -1 / tc[-1] * math.log(eps)
        self.sigma_bars = np.sqrt(self.max_sigma ** 2 * (1 - np.exp(-2 * tc * self.dt)))
        self.thetas, self.thetas_cumsum = thetas, tc

    def mu_bar(self, x0, t):
        return self.mu + (x0 - self.mu) * math.exp(-self.thetas_cumsum[t] * self.dt)

    def sigma_bar(self, t):
        return self.sigma_bars[t]

    def sde_reverse_drift(self, x, score, t):
        return (self.thetas[t] * (self.mu - x) - self.sigmas[t] ** 2 * score) * self.dt

    def dispersion(self, z, t):
        return self.sigmas[t] * (z * math.sqrt(self.dt))

    def get_score_from_noise(self, noise, t):
        return -noise / self.sigma_bar(t)

    def get_real_noise(self, xt, x0, t):
        return (xt - self.mu_bar(x0, t)) / self.sigma_bar(t)

    def get_init_state_from_noise(self, xt, noise, t):
        A = math.exp(self.thetas_cumsum[t] * self.dt)
        return (xt - self.mu - self.sigma_bar(t) * noise) * A + self.mu

    def reverse_optimum_step(self, xt, x0, t):
        A = math.exp(-self.thetas[t] * self.dt)
        B = math.exp(-self.thetas_cumsum[t] * self.dt)
        C = math.exp(-self.thetas_cumsum[t - 1] * self.dt)
        term1 = A * (1 - C ** 2) / (1 - B ** 2)
        term2 = C * (1 - A ** 2) / (1 - B ** 2)
        return term1 * (xt - self.mu) + term2 * (x0 - self.mu) + self.mu

    def reverse_optimum_std(self, t):
        A = math.exp(-2 * self.thetas[t] * self.dt)
        B = math.exp(-2 * self.thetas_cumsum[t] * self.dt)
        C = math.exp(-2 * self.thetas_cumsum[t - 1] * self.dt)
        posterior_var = (1 - A) * (1 - C) / (1 - B)
        min_value = 1e-20 * self.dt
        log_posterior_var = math.log(max(posterior_var, min_value))
        return math.exp(0.5 * log_posterior_var) * self.max_sigma


def irsde_run(y, target, seed, mode, **kw):
    """test.py: noisy_state = sde.noise_state(LQ) = LQ + randn * max_sigma (counter 0), then
    mode 'posterior': reverse_posterior (t = T..1: noise = model; x0 = get_init_state_from_noise;
      x = reverse_optimum_step + reverse_optimum_std * randn);
    mode 'sde': reverse_sde (t = T..1: score = -model/sigma_bar; x = x - sde_reverse_drift - dispersion).
    The epsilon network answers get_real_noise(x, x0hat, t)."""
    sde = IRSDE(**kw)
    sde.mu = y
    D = Denoiser(target)
    z = Noise(seed)
    x = y + z(0) * sde.max_sigma
    for t in reversed(range(1, sde.T + 1)):
        k = sde.T - t + 1                         # library step grid[k-1] = t -> t-1
        noise = sde.get_real_noise(x, D(x), t)
        if mode == "posterior":
            x0 = sde.get_init_state_from_noise(x, noise, t)
            x = sde.reverse_optimum_step(x, x0, t) + sde.reverse_optimum_std(t) * z(k)
        else:
            score = sde.get_score_from_noise(noise, t)
            x = x - sde.sde_reverse_drift(x, score, t) - sde.dispersion(z(k, -1.0), t)
    return x


class GOUB:
    """GOUB._initialize (cosine) and its m, n, f_sigma, drifts; gamma_inv given: UniDB's class
    (m with gamma_inv, n = 1 - m, drift_h over gamma_inv + sigma_t_T^2). float64."""

    def __init__(self, lambda_square=30, T=100, eps=0.005, gamma_inv=None):
        self.T, self.gamma_inv = T, gamma_inv
        self.lambda_square = lambda_square / 255 if lambda_square >= 1 else lambda_square
        thetas = irsde_cosine_thetas(T)
        self.sigmas = np.sqrt(self.lambda_square ** 2 * 2 * thetas)
        tc = np.cumsum(thetas) - thetas[0]
        self.dt = -1 / tc[-1] * math.log(eps)
        self.sigma_bars = np.sqrt(self.lambda_square ** 2 * (1 - np.exp(-2 * tc * self.dt)))
        self.thetas, self.thetas_cumsum = thetas, tc
        self.sigma_t_T = np.sqrt(self.lambda_square ** 2 * (1 - np.exp(-2 * (tc[-1] - tc) * self.dt)))
        self.f_sigmas = self.sigma_bars * self.sigma_t_T / self.sigma_bars[-1]

    def m(self, t):
        e = math.exp(-self.thetas_cumsum[t] * self.dt)
        if self.gamma_inv is None:
            return e * self.sigma_t_T[t] ** 2 / self.sigma_bars[-1] ** 2
        return e * (self.gamma_inv + self.sigma_t_T[t] ** 2) / (self.gamma_inv + self.sigma_bars[-1] ** 2)

    def n(self, t):
        if self.gamma_inv is not None:
            return 1 - self.m(t)
        tc, dt = self.thetas_cumsum, self.dt
        return ((1 - math.exp(-tc[t] * dt)) * self.sigma_t_T[t] ** 2 + math.exp(
            -2 * (tc[-1] - tc[t]) * dt) * self.sigma_bars[t] ** 2) / self.sigma_bars[-1] ** 2

    def f_mean(self, x0, t):
        return self.m(t) * x0 + self.n(t) * self.mu

    def f_sigma(self, t):
        return self.f_sigmas[t]

    def get_real_noise(self, xt, x0, t):
        if t == 100:  # the code's mask (t == 100), not t == T
            return np.zeros_like(xt)
        return (xt - self.f_mean(x0, t)) / self.f_sigma(t)

    def sde_reverse_drift_1(self, x, score, t):
        if t == 100:
            return (self.thetas[t] * (self.mu - x) - self.sigmas[t] ** 2 * score) * self.dt  # drift_h=0
        tmp = math.exp(2 * (self.thetas_cumsum[t] - self.thetas_cumsum[-1]) * self.dt)
        den = self.sigma_t_T[t] ** 2 if self.gamma_inv is None else self.gamma_inv + self.sigma_t_T[t] ** 2
        drift_h = - self.sigmas[t] ** 2 * tmp / den * (x - self.mu)
        return (self.thetas[t] * (self.mu - x) + drift_h - self.sigmas[t] ** 2 * score) * self.dt

    def dispersion(self, z, t):
        return self.sigmas[t] * (z * math.sqrt(self.dt))


def goub_reverse_sde(y, target, seed, **kw):
    """test.py: model.feed_data(LQ, LQ, GT); model.test -> sde.reverse_sde(state = LQ):
    t = T..1: noise = model(x, mu, t); score = -noise/f_sigma(t) if t != 100 else 0;
    x = x - sde_reverse_drift_1(x, score, t) - dispersion. The epsilon network answers
    get_real_noise(x, x0hat, t). T must be 100: the code hard-codes t == 100 for the pinned end."""
    sde = GOUB(**kw)
    assert sde.T == 100
    sde.mu = y
    D = Denoiser(target)
    z = Noise(seed)
    x = y.copy()
    for t in reversed(range(1, sde.T + 1)):
        noise = sde.get_real_noise(x, D(x), t)
        score = - noise / sde.f_sigma(t) if t != 100 else 0
        x = x - sde.sde_reverse_drift_1(x, score, t) - sde.dispersion(z(sde.T - t + 1, -1.0), t)
    return x


# ======================================================================================
# BBDM   xuekt98/BBDM model/BrownianBridge/BrownianBridgeModel.py @02c3b13
# ======================================================================================
def bbdm_p_sample_loop(y, target, seed, sample_step, eta=1.0, num_timesteps=1000, max_var=1.0, mt_type="linear"):
    """register_schedule ('linear' m_t, skip_sample 'linear' steps: torch.arange(T-1, 1,
    -(T-1)/(sample_step-2)).long() ++ [1, 0]); p_sample_loop: img = y, then p_sample for every
    i: steps[i] == 0 returns x0_recon; else the mean from the eta = 1 variance plus
    sqrt(sigma2_t)*eta*randn. objective 'grad': x0_recon = x_t - objective_recon, the network
    answering x_t - x0hat; clip_denoised=True (a no-op here)."""
    T = num_timesteps
    if mt_type == "linear":
        m_min, m_max = 0.001, 0.999
        m_t = np.linspace(m_min, m_max, T)
    else:
        m_t = 1.0075 ** np.linspace(0, T, T)
        m_t = m_t / m_t[-1]
        m_t[-1] = 0.999
    variance_t = 2. * (m_t - m_t ** 2) * max_var
    midsteps = torch.arange(T - 1, 1, step=-((T - 1) / (sample_step - 2))).long()
    steps = torch.cat((midsteps, torch.Tensor([1, 0]).long()), dim=0).tolist()
    D = Denoiser(target)
    z = Noise(seed)
    img, k = y, 0
    for i in range(len(steps)):
        x0_recon = clamp(img - (img - D(img)), "bbdm")
        if steps[i] == 0:
            img = x0_recon
            break
        t, n_t = steps[i], steps[i + 1]
        mt, mnt, var_t, var_nt = m_t[t], m_t[n_t], variance_t[t], variance_t[n_t]
        sigma2_t = (var_t - var_nt * (1. - mt) ** 2 / (1. - mnt) ** 2) * var_nt / var_t
        sigma_t = math.sqrt(sigma2_t) * eta
        if t == n_t:   # the 1 -> 1 step: sigma2_t = 0, mean = x_t (no library counterpart)
            assert sigma2_t == 0.0
            noise = z.unused()
        else:
            k += 1
            noise = z(k)
        x_tminus_mean = (1. - mnt) * x0_recon + mnt * y + math.sqrt((var_nt - sigma2_t) / var_t) * \
            (img - (1. - mt) * x0_recon - mt * y)
        img = x_tminus_mean + sigma_t * noise
    return img


# ======================================================================================
# I2SB   NVlabs/I2SB i2sb/runner.py, i2sb/diffusion.py, i2sb/util.py @1ffdfaa
# ======================================================================================
def i2sb_ddpm_sampling(y, target, seed, nfe, beta_max=0.3, interval=1000, ot_ode=False):
    """Runner.__init__ (make_beta_schedule with torch float64 linspace, symmetrised), Diffusion.__init__
    (std_fwd, std_bwd), Runner.ddpm_sampling (steps = space_indices(interval, nfe+1)) and
    Diffusion.ddpm_sampling: xt = x1 = y; for (prev_step, step) of steps reversed:
    pred_x0 = pred_x0_fn(xt, step); xt = p_posterior(prev_step, step, xt, pred_x0)
    (noise only when nprev > 0 and not ot_ode). The result is xs[:, 0], the state at index 0.
    The network output net_out is such that compute_pred_x0 = xt - std_fwd*net_out = x0hat."""
    betas = (torch.linspace(1e-4 ** 0.5, (beta_max / interval) ** 0.5, interval, dtype=torch.float64) ** 2).numpy()
    betas = np.concatenate([betas[:interval // 2], np.flip(betas[:interval // 2])])
    std_fwd = np.sqrt(np.cumsum(betas))

    def gauss_coef(sigma1, sigma2):
        denom = sigma1 ** 2 + sigma2 ** 2
        return sigma2 ** 2 / denom, sigma1 ** 2 / denom, (sigma1 ** 2 * sigma2 ** 2) / denom

    D = Denoiser(target)
    z = Noise(seed)
    steps = i2sb_space_indices(interval, nfe + 1)
    assert steps[0] == 0
    xt = y.copy()
    steps = steps[::-1]
    for k, (prev_step, step) in enumerate(zip(steps[1:], steps[:-1]), start=1):
        assert prev_step < step
        net_out = (xt - D(xt)) / std_fwd[step]
        pred_x0 = xt - std_fwd[step] * net_out
        std_n, std_nprev = std_fwd[step], std_fwd[prev_step]
        std_delta = math.sqrt(std_n ** 2 - std_nprev ** 2)
        mu_x0, mu_xn, var = gauss_coef(std_nprev, std_delta)
        xt_prev = mu_x0 * pred_x0 + mu_xn * xt
        if not ot_ode and prev_step > 0:
            xt_prev = xt_prev + math.sqrt(var) * z(k)
        xt = xt_prev
    return xt


# ======================================================================================
# DBIM   thu-ml/DiffusionBridge ddbm/karras_diffusion.py @9252273  sample_dbim
# ======================================================================================
class DbimVP:
    def __init__(self, beta_d=2, beta_min=0.1):
        self.alpha_fn = lambda t: np.e ** (-0.5 * beta_min * t - 0.25 * beta_d * t ** 2)
        self.alpha_T = self.alpha_fn(1)
        self.rho_fn = lambda t: math.sqrt(np.e ** (beta_min * t + 0.5 * beta_d * t ** 2) - 1)
        self.rho_T = self.rho_fn(1.0)

    def get_alpha_rho(self, t):
        t = float(t)
        alpha_t = self.alpha_fn(t)
        rho_t = self.rho_fn(t)
        return alpha_t, alpha_t / self.alpha_T, rho_t, math.sqrt(self.rho_T ** 2 - rho_t ** 2)


class DbimVE:
    def __init__(self, sigma_max=80.0):
        self.rho_T = sigma_max

    def get_alpha_rho(self, t):
        t = float(t)
        return 1.0, 1.0, t, math.sqrt(self.rho_T ** 2 - t ** 2)


class DbimI2SB:
    def __init__(self, n_timestep=1000, beta_min=0.1, beta_max=1.0):
        self.n_timestep = n_timestep
        ls, le = beta_min / n_timestep, beta_max / n_timestep
        betas = torch.linspace(ls ** 0.5, le ** 0.5, n_timestep, dtype=torch.float64) ** 2
        betas = torch.cat([betas[: n_timestep // 2], torch.flip(betas[: n_timestep // 2], dims=(0,))])
        self.std_fwd = torch.sqrt(torch.cumsum(betas, dim=0)).numpy()
        self.std_bwd = torch.sqrt(torch.flip(torch.cumsum(torch.flip(betas, dims=(0,)), dim=0), dims=(0,))).numpy()
        self.rho_T = float(self.std_fwd[-1])

    def get_alpha_rho(self, t):
        # t is the float32 time tensor (ts[i] * ones): ((n - 1) * t).round().long() in float32
        i = int(((self.n_timestep - 1) * torch.tensor([t], dtype=torch.float32)).round().long()[0])
        return 1.0, 1.0, float(self.std_fwd[i]), float(self.std_bwd[i])


def dbim_get_abc(ns, t):
    alpha_t, alpha_bar_t, rho_t, rho_bar_t = ns.get_alpha_rho(t)
    return ((alpha_bar_t * rho_t ** 2) / ns.rho_T ** 2, (alpha_t * rho_bar_t ** 2) / ns.rho_T ** 2,
            (alpha_t * rho_bar_t * rho_t) / ns.rho_T)


def dbim_sample(y, target, seed, nfe, eta, schedule="vp"):
    """karras_sample(sampler='dbim'): ts = get_sigmas_uniform(steps, t_min, t_max - 1e-3) =
    torch.linspace(t_max - 1e-3, t_min, steps + 1) (float32), steps = NFE - 1 (the library's
    `steps` is the NFE); sample_dbim: x_T = y; boot: x0_hat = denoiser(x_T, t_max),
    x = bridge_sample(x0_hat, x_T, ts[0], randn); then for i: omega_st, the DBIM update, noise
    except on the last step; karras_sample returns x_0.clamp(-1, 1) (a no-op here, asserted).
    Defaults of the library preset: vp sigma_max = 1, sigma_min = 1e-4; ve 80, 0.002; i2sb 1, 1e-4."""
    if schedule == "vp":
        ns, t_max, t_min = DbimVP(), 1.0, 1e-4
    elif schedule == "ve":
        ns, t_max, t_min = DbimVE(80.0), 80.0, 0.002
    else:
        ns, t_max, t_min = DbimI2SB(), 1.0, 1e-4
    ts = [float(v) for v in torch.linspace(t_max - 1e-3, t_min, nfe - 1 + 1)]
    D = Denoiser(target)
    z = Noise(seed)
    x_T = y
    x0_hat = clamp(D(x_T), "dbim")                     # denoiser(x, t_max)
    a, b, c = dbim_get_abc(ns, ts[0])
    x = a * x_T + b * x0_hat + c * z(1)                # library step 0: t_max -> ts[0]
    for i in range(len(ts) - 1):
        s, t = ts[i], ts[i + 1]
        x0_hat = clamp(D(x), "dbim")
        a_s, b_s, c_s = dbim_get_abc(ns, s)
        a_t, b_t, c_t = dbim_get_abc(ns, t)
        _, _, rho_s, _ = ns.get_alpha_rho(s)
        alpha_t, _, rho_t, _ = ns.get_alpha_rho(t)
        omega_st = eta * (alpha_t * rho_t) * math.sqrt(1 - rho_t ** 2 / rho_s ** 2)
        tmp_var = math.sqrt(c_t ** 2 - omega_st ** 2) / c_s
        coeff_xs, coeff_x0_hat, coeff_xT = tmp_var, b_t - tmp_var * b_s, a_t - tmp_var * a_s
        noise = z(i + 2)
        x = coeff_x0_hat * x0_hat + coeff_xT * x_T + coeff_xs * x + \
            (1 if i != len(ts) - 2 else 0) * omega_st * noise
    return clamp(x, "dbim final")


# ======================================================================================
# DDBM   alexzhou907/DDBM ddbm/karras_diffusion.py @1a92834  karras_sample / sample_heun
# ======================================================================================
def ddbm_sample_heun(y, target, seed, steps, pred_mode="ve", beta_d=2, beta_min=0.1):
    """karras_sample(sampler='heun', churn_step_ratio=0): sigmas = get_sigmas_karras(steps,
    sigma_min, sigma_max - 1e-4, rho=7) (torch float32 ramp, so float32 times) with a 0
    appended; sample_heun from x = x_T = y: Heun on the PF-ODE (to_d for ve, get_d_vp for vp,
    guidance w = 1), an Euler step into sigma = 0; returns x_0.clamp(-1, 1) (a no-op, asserted).
    sigma_max, sigma_min: ve 80, 0.002; vp 1, 1e-4 (the library's defaults; DDBM's scripts)."""
    sigma_max, sigma_min = (80.0, 0.002) if pred_mode == "ve" else (1.0, 1e-4)
    rho = 7.0
    ramp = torch.linspace(0, 1, steps)
    min_inv_rho = sigma_min ** (1 / rho)
    max_inv_rho = (sigma_max - 1e-4) ** (1 / rho)
    sigmas = (max_inv_rho + ramp * (min_inv_rho - max_inv_rho)) ** rho
    sigmas = [float(v) for v in sigmas] + [0.0]

    def to_d(x, sigma, denoised, x_T, w=1):
        grad_pxtlx0 = (denoised - x) / sigma ** 2
        grad_pxTlxt = (x_T - x) / (sigma_max ** 2 - sigma ** 2)
        gt2 = 2 * sigma
        return - 0.5 * gt2 * (grad_pxtlx0 - w * grad_pxTlxt)

    snr_rr = lambda t: (np.e ** (0.5 * beta_d * (t ** 2) + beta_min * t) - 1) ** 0.5  # noqa: E731
    snr_rr_deriv = lambda t: 0.5 * (beta_min + beta_d * t) * (snr_rr(t) + 1 / snr_rr(t))  # noqa: E731
    s = lambda t: (1 + snr_rr(t) ** 2) ** -0.5  # noqa: E731   (.rsqrt())
    s_deriv = lambda t: -snr_rr(t) * snr_rr_deriv(t) * (s(t) ** 3)  # noqa: E731
    logs = lambda t: -0.25 * t ** 2 * (beta_d) - 0.5 * t * beta_min  # noqa: E731
    std = lambda t: snr_rr(t) * s(t)  # noqa: E731
    logsnr = lambda t: - 2 * math.log(snr_rr(t))  # noqa: E731
    if pred_mode.startswith("vp"):
        logsnr_T, logs_T = logsnr(sigma_max), logs(sigma_max)

    def get_d_vp(x, denoised, x_T, t, w=1):
        std_t, logsnr_t, logs_t = std(t), logsnr(t), logs(t)
        a_t = math.exp(logsnr_T - logsnr_t + logs_t - logs_T)
        b_t = -math.expm1(logsnr_T - logsnr_t) * math.exp(logs_t)
        mu_t = a_t * x_T + b_t * denoised
        grad_logq = - (x - mu_t) / std_t ** 2 / (-math.expm1(logsnr_T - logsnr_t))
        grad_logpxTlxt = -(x - math.exp(logs_t - logs_T) * x_T) / std_t ** 2 / math.expm1(logsnr_t - logsnr_T)
        f = s_deriv(t) * math.exp(-logs_t) * x
        gt2 = 2 * math.exp(logs_t) ** 2 * snr_rr(t) * snr_rr_deriv(t)
        return f - gt2 * (0.5 * grad_logq - w * grad_logpxTlxt)

    d_fn = (lambda x, den, t: to_d(x, t, den, x_T)) if pred_mode == "ve" else \
        (lambda x, den, t: get_d_vp(x, den, x_T, t))
    D = Denoiser(target)
    x_T = y
    x = y.copy()
    for i in range(len(sigmas) - 1):
        sigma_hat = sigmas[i]
        denoised = clamp(D(x), "ddbm")
        d = d_fn(x, denoised, sigma_hat)
        dt = sigmas[i + 1] - sigma_hat
        if sigmas[i + 1] == 0:
            x = x + d * dt
        else:
            x_2 = x + d * dt
            denoised_2 = clamp(D(x_2), "ddbm")
            d_2 = d_fn(x_2, denoised_2, sigmas[i + 1])
            x = x + (d + d_2) / 2 * dt
    return clamp(x, "ddbm final")


# ======================================================================================
# ResShift   zsyOAOA/ResShift models/gaussian_diffusion.py, models/respace.py @3ce1d81
# ======================================================================================
def resshift_p_sample_loop(y, target, seed, sample_steps, steps=15, kappa=2.0, min_noise_level=0.04,
                           etas_end=0.99, power=0.3):
    """get_named_eta_schedule('exponential') (originals_diffusion.resshift_sqrt_etas); with fewer
    sampling steps SpacedDiffusion keeps the indices space_timesteps = {int((T/S) x)} and rebuilds
    GaussianDiffusion on their sqrt_etas; p_sample_loop_progressive: z_sample = prior_sample(y,
    randn) = y + kappa sqrt_etas[-1] randn; for t = T'-1..0: p_sample (START_X: pred_xstart =
    clamp(model), mean = coef1 x_t + coef2 x0, + (t != 0) exp(0.5 log_var_clipped) randn).
    No first-stage model (latent) and no bicubic upsampling of y: y is given at the state's size."""
    sq = resshift_sqrt_etas(steps, kappa, min_noise_level, etas_end, power)
    if sample_steps != steps:
        use = set(int((steps / sample_steps) * x) for x in range(sample_steps))
        sq = np.array([v for ii, v in enumerate(sq) if ii in use])
    etas = sq ** 2
    num_timesteps = len(etas)
    etas_prev = np.append(0.0, etas[:-1])
    alpha = etas - etas_prev
    posterior_variance = kappa ** 2 * etas_prev / etas * alpha
    posterior_variance_clipped = np.append(posterior_variance[1], posterior_variance[1:])
    posterior_log_variance_clipped = np.log(posterior_variance_clipped)
    coef1, coef2 = etas_prev / etas, alpha / etas
    D = Denoiser(target)
    z = Noise(seed)
    z_sample = y + kappa * sq[num_timesteps - 1] * z(0)
    for k, i in enumerate(list(range(num_timesteps))[::-1], start=1):
        pred_xstart = clamp(D(z_sample), "resshift")
        mean = coef1[i] * z_sample + coef2[i] * pred_xstart
        noise = z(k)
        nonzero_mask = float(i != 0)
        z_sample = mean + nonzero_mask * math.exp(0.5 * posterior_log_variance_clipped[i]) * noise
    return z_sample


# ======================================================================================
# DDIM   ermongroup/ddim runners/diffusion.py, functions/denoising.py @e8df66c
# ======================================================================================
def ddim_generalized_steps(y, target, seed, timesteps, eta, beta_schedule="linear", skip_type="uniform",
                           num_timesteps=1000):
    """Diffusion.sample_image (sample_type 'generalized'): seq from skip_type; x = randn (x_T);
    generalized_steps: at = compute_alpha(b, t), et = model(xt, t), x0_t = (xt - et sqrt(1-at))/sqrt(at),
    c1 = eta sqrt((1 - at/at_next)(1 - at_next)/(1 - at)), c2 = sqrt((1 - at_next) - c1^2),
    xt_next = sqrt(at_next) x0_t + c1 randn + c2 et; sample_image returns xs[-1]. The epsilon network
    answers (xt - sqrt(at) x0hat)/sqrt(1 - at). y is not used (DDPM is not a bridge)."""
    b = ddim_betas(beta_schedule, 0.0001, 0.02, num_timesteps)
    ab = np.cumprod(1 - np.concatenate([[0.0], b]))          # compute_alpha: index t + 1
    compute_alpha = lambda t: ab[t + 1]  # noqa: E731
    seq = ddim_seq(num_timesteps, timesteps, skip_type)
    D = Denoiser(target)
    z = Noise(seed)
    x = z(0)
    seq_next = [-1] + list(seq[:-1])
    k = 0
    for i, j in zip(reversed(seq), reversed(seq_next)):
        at, at_next = compute_alpha(i), compute_alpha(j)
        xt = x
        et = (xt - math.sqrt(at) * D(xt)) / math.sqrt(1 - at)
        x0_t = (xt - et * math.sqrt(1 - at)) / math.sqrt(at)
        c1 = eta * math.sqrt((1 - at / at_next) * (1 - at_next) / (1 - at))
        c2 = math.sqrt((1 - at_next) - c1 ** 2)
        if i == j:      # quad skip: the step 0 -> 0 (c1 = 0, x unchanged; not a library step)
            assert c1 == 0.0
            noise = z.unused()
        else:
            k += 1
            noise = z(k)
        x = math.sqrt(at_next) * x0_t + c1 * noise + c2 * et
    return x


# ======================================================================================
# Rectified flow   gnobitab/RectifiedFlow ImageGeneration/sampling.py @5a1fd4d  euler_sampler
# ======================================================================================
def rf_euler_sampler(y, target, seed, sample_N, eps=1e-3, sigma_var=0.0, noise_scale=1.0):
    """get_rectified_flow_sampler.euler_sampler with z = y (data-to-data: the start is the
    degraded image; sde.T = 1): dt = 1/N; num_t = i/N (T - eps) + eps; pred = model(x, t);
    pred_sigma = pred + sigma_t^2/(...)(...); x = x + pred_sigma dt + sigma_t sqrt(dt) randn, with
    sigma_t = (1 - t) sigma_var = 0 (RectifiedFlow's default sigma_var). The velocity network
    answers (x0hat - x)/(1 - t), the velocity of the straight path t x0 + (1 - t) y."""
    D = Denoiser(target)
    z = Noise(seed)
    x = y.copy()
    dt = 1. / sample_N
    for i in range(sample_N):
        num_t = i / sample_N * (1.0 - eps) + eps
        pred = (D(x) - x) / (1. - num_t)
        sigma_t = (1. - num_t) * sigma_var
        pred_sigma = pred + (sigma_t ** 2) / (2 * (noise_scale ** 2) * ((1. - num_t) ** 2)) * \
            (0.5 * num_t * (1. - num_t) * pred - 0.5 * (2. - num_t) * x)
        x = x + pred_sigma * dt + sigma_t * np.sqrt(dt) * z(i + 1)
    return x


# --------------------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------------------
# (bridge, sets, sampler, steps, eta, seed, port)
