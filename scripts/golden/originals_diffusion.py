"""ResShift, DDPM/DDIM and rectified flow from their official code (float64 NumPy; see
make_golden.py for the numerical policy)."""

import math

import numpy as np

from golden_io import close, generic_implicit_step, rel_close, write_coeffs, write_steps


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


def ddim_betas(beta_schedule, beta_start, beta_end, T):
    """runners/diffusion.get_beta_schedule (ermongroup/ddim @e8df66c), written from its code; and
    'cosine' of improved-diffusion's get_named_beta_schedule (openai/improved-diffusion
    gaussian_diffusion.py betas_for_alpha_bar, max_beta 0.999), which ddim does not offer."""
    if beta_schedule == "quad":
        return np.linspace(beta_start ** 0.5, beta_end ** 0.5, T, dtype=np.float64) ** 2
    if beta_schedule == "linear":
        return np.linspace(beta_start, beta_end, T, dtype=np.float64)
    if beta_schedule == "const":
        return beta_end * np.ones(T, dtype=np.float64)
    if beta_schedule == "sigmoid":
        x = np.linspace(-6, 6, T)
        return 1 / (np.exp(-x) + 1) * (beta_end - beta_start) + beta_start
    if beta_schedule == "cosine":
        ab = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        return np.array([min(1 - ab((i + 1) / T) / ab(i / T), 0.999) for i in range(T)])
    raise NotImplementedError(beta_schedule)


def ddim_seq(T, S, skip_type):
    """runners/diffusion.sample_image: the indices generalized_steps walks (increasing)."""
    if skip_type == "uniform":
        return list(range(0, T, T // S))
    return [int(v) for v in list(np.linspace(0, np.sqrt(T * 0.8), S) ** 2)]


def make_ddpm_schedules():
    """Every other beta_schedule of ddim (and improved DDPM's cosine): coefficients at every
    19th index, and DDIM steps along the uniform (S = 10) and quad (S = 20) grids, eta 0 and 1."""
    T, b0, b1 = 1000, 1e-4, 0.02
    for kind in ("quad", "const", "sigmoid", "cosine"):
        la = np.concatenate([[0.0], np.cumsum(np.log1p(-ddim_betas(kind, b0, b1, T)))])
        sets = [("beta_schedule", kind)]
        rows = [(i, math.exp(0.5 * la[i + 1]), 0.0, math.sqrt(-math.expm1(la[i + 1])))
                for i in list(range(0, T, 19)) + [T - 1]]
        write_coeffs("ddpm_" + kind, "ddpm", sets,
                     "ermongroup/ddim @e8df66c get_beta_schedule('%s', 1e-4, 0.02, 1000)%s + compute_alpha"
                     % (kind, " (cosine: improved-diffusion betas_for_alpha_bar)" if kind == "cosine" else ""),
                     rows, True)
        srows = []
        for S, skip in ((10, "uniform"), (20, "quad")):
            seq = ddim_seq(T, S, skip)
            seq_next = [-1] + seq[:-1]
            for eta in (0.0, 1.0):
                for i, j in zip(reversed(seq), reversed(seq_next)):
                    if i != j:  # a step from an index to itself is the identity
                        srows.append((i, j, eta) + ddim_step(la, i, j, eta))
        write_steps("ddpm_" + kind, "ddpm", sets,
                    "functions/denoising.generalized_steps (x0 form) on seq of skip_type uniform (S=10) and "
                    "quad (S=20), eta 0 and 1", srows, True)


# ======================================================================================
# Rectified flow   gnobitab/RectifiedFlow  ImageGeneration/losses.py @5a1fd4dd
# ======================================================================================
def make_rectified_flow():
    """losses.py: perturbed = t x_data + (1 - t) z0, data at t = 1, no noise."""
    rows = [(t, t, 1 - t, 0.0) for t in (0.0, 0.001, 0.25, 0.5, 0.75, 1.0)]
    write_coeffs("rectified-flow", "rectified-flow", [],
                 "gnobitab/RectifiedFlow ImageGeneration/losses.py: x_t = t*x0 + (1-t)*y (y = z0), data at t=1, std 0",
                 rows, False)
