#!/usr/bin/env python3
"""High-precision reference values of the DDBM VP and VE bridges next to the pinned end and for
steps with s -> t (python3-mpmath, 60 digits), from the closed forms of docs/spec/
bridges-reference.md (DDBM: mean a_t y + b_t x0 with a_t = (alpha_t/alpha_T) SNR_T/SNR_t,
b_t = alpha_t (1 - SNR_T/SNR_t), c_t^2 = sigma_t^2 (1 - SNR_T/SNR_t); VE: theta = 0, V(0, t) = t^2) and the implicit step family of
docs/spec/generalised-bridge.md section 4. Prints the C++ table of tests/presets/limits.cpp
("coefficients keep full relative precision next to the pinned end and as s -> t").
    /usr/bin/python3 scripts/golden/edges_reference.py
"""
from mpmath import mp, mpf, exp, sqrt

mp.dps = 60


def vp(t, beta_min=mpf("0.1"), beta_d=mpf(2), T=mpf(1)):
    """(c_x0, c_y, std) of DDBM-VP (target 0, pinned at y at T; DDBM's mean a_t y + b_t x0) and θ̄."""
    tb = lambda u: beta_min * u / 2 + beta_d * u * u / 4  # noqa: E731
    alpha = lambda u: exp(-tb(u))  # noqa: E731
    snr = lambda u: alpha(u) ** 2 / (1 - alpha(u) ** 2)  # noqa: E731
    r = snr(T) / snr(t)
    return alpha(t) * (1 - r), alpha(t) / alpha(T) * r, sqrt((1 - alpha(t) ** 2) * (1 - r)), tb


def ve(t, T=mpf(80)):
    return (T * T - t * t) / (T * T), t * t / (T * T), sqrt(t * t * (T * T - t * t)) / T


def step(abc_s, abc_t, omega_M2, eta):
    """Section 4: k = sqrt(c_s^2 - omega^2)/c_t, p = a_s - k a_t, q = b_s - k b_t, w = omega."""
    (a_s, b_s, c_s), (a_t, b_t, c_t) = abc_s, abc_t
    omega = eta * sqrt(omega_M2)
    k = sqrt(c_s ** 2 - omega ** 2) / c_t
    return k, a_s - k * a_t, b_s - k * b_t, omega


def d(x):
    """The double nearest x, exactly (the C++ test reads the times as doubles)."""
    return mpf(float(x))


rows = []
for name, t in [("ddbm-vp", d(mpf(1) - mpf("1e-4"))), ("ddbm-vp", d(mpf(1) - mpf("1e-8"))),
                ("ddbm-vp", d(mpf(1) - mpf("1e-12"))), ("ddbm-ve", d(mpf(80) - mpf("1e-9")))]:
    abc = vp(t)[:3] if name == "ddbm-vp" else ve(t)
    rows.append((name, "coeffs", t, t, 0) + tuple(abc) + (mpf(0),))
for name, t in [("ddbm-vp", mpf("0.5")), ("ddbm-ve", mpf(40))]:
    for delta in (mpf("1e-8"), mpf("1e-11")):
        s = d(t * (1 - delta))
        for eta in (0, 1):
            if name == "ddbm-vp":
                *abc_t, tb = vp(t)
                abc_s = vp(s)[:3]
                V = lambda u, v: 1 - exp(-2 * (tb(v) - tb(u)))  # noqa: E731
                om2 = V(0, s) * V(s, t) / V(0, t)
            else:
                abc_t, abc_s = ve(t), ve(s)
                om2 = s * s * (t * t - s * s) / (t * t)
            rows.append((name, "step", t, s, eta) + step(abc_s, abc_t, om2, eta))

print("// bridge, kind, t, s (the step's target), eta, then c_x0, c_y, std, 0 (coeffs) or")
print("// c_xt, c_x0, c_y, c_z (step); 17 significant digits of the 60-digit values")
for r in rows:
    print('{"%s", "%s", %s, %s, %d, {%s}},' % (r[0], r[1], repr(float(r[2])), repr(float(r[3])), r[4],
                                             ", ".join(mp.nstr(v, 17) for v in r[5:])))
