#!/usr/bin/env python3
"""DDBM with a single sampling step (alexzhou907/DDBM ddbm/karras_diffusion.py @1a92834):
get_sigmas_karras(1, ...) is torch.linspace(0, 1, 1) = [0], so the grid is [sigma_max - 1e-4, 0]
and sample_heun takes one Euler step (its last step) from x = x_T.  Written from the code's
formulas (float64 torch): the drift of its probability-flow ODE (get_d_ode, pred_mode ve / vp,
w = 1), evaluated on unit inputs to read off the output's coefficients of the denoiser output D
and of y = x_T.  Prints the constants of tests/core/samplers.cpp ("DDBM with one step").
    /usr/bin/python3 scripts/golden/ddbm_one_step.py
"""
import math

import torch as th

dt = th.float64


def karras_one(smax, rho=7.0):
    ramp = th.linspace(0, 1, 1, dtype=dt)
    s = (smax ** (1 / rho) + ramp * (0.0 - smax ** (1 / rho))) ** rho  # ramp = 0: sigma_min unused
    return th.cat([s, s.new_zeros([1])])


def drift_ve(x, sigma, den, x_T, smax):
    # to_d for VE: -(1/2) g^2 (score(x | x0) - score(x | x_T)), g^2 = 2 sigma
    return -0.5 * 2 * sigma * ((den - x) / sigma ** 2 - (x_T - x) / (smax ** 2 - sigma ** 2))


def drift_vp(x, t, den, x_T, T, beta_d=2.0, beta_min=0.1):
    r = lambda u: (math.e ** (0.5 * beta_d * u ** 2 + beta_min * u) - 1) ** 0.5  # noqa: E731
    rd = lambda u: 0.5 * (beta_min + beta_d * u) * (r(u) + 1 / r(u))  # noqa: E731
    s = lambda u: (1 + r(u) ** 2).rsqrt()  # noqa: E731
    sd = lambda u: -r(u) * rd(u) * s(u) ** 3  # noqa: E731
    logs = lambda u: -0.25 * u ** 2 * beta_d - 0.5 * u * beta_min  # noqa: E731
    logsnr = lambda u: -2 * th.log(r(u))  # noqa: E731
    std = r(t) * s(t)
    a_t = (logsnr(T) - logsnr(t) + logs(t) - logs(T)).exp()
    b_t = -th.expm1(logsnr(T) - logsnr(t)) * logs(t).exp()
    mu = a_t * x_T + b_t * den
    grad_q = -(x - mu) / std ** 2 / (-th.expm1(logsnr(T) - logsnr(t)))
    grad_T = -(x - th.exp(logs(t) - logs(T)) * x_T) / std ** 2 / th.expm1(logsnr(t) - logsnr(T))
    f = sd(t) * (-logs(t)).exp() * x
    g2 = 2 * logs(t).exp() ** 2 * r(t) * rd(t)
    return f - g2 * (0.5 * grad_q - grad_T)


def one_step(kind, den, y):
    smax = 80.0 if kind == "ve" else 1.0
    sig = karras_one(smax - 1e-4)
    x = th.tensor(y, dtype=dt)
    d_ = th.tensor(den, dtype=dt)
    if kind == "ve":
        d = drift_ve(x, sig[0], d_, x, smax)
    else:
        d = drift_vp(x, sig[0], d_, x, th.tensor(smax, dtype=dt))
    return float(x + d * (sig[1] - sig[0]))


for kind in ("ve", "vp"):
    c_y = one_step(kind, 0.0, 1.0)
    c_d = one_step(kind, 1.0, 0.0) - one_step(kind, 0.0, 0.0)
    print("ddbm-%s: x = %.17g * D + %.17g * y" % (kind, c_d, c_y))
