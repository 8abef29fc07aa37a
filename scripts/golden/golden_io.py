"""Output helpers of the golden-data generator (make_golden.py): the CSV format the C++ tests
parse, and the generic formulas used only as cross-checks of the originals."""

import math
import os


REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "tests", "golden")
MAX_TOTAL_BYTES = 512 * 1024

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
