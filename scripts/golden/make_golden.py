#!/usr/bin/env python3
"""Independent golden-data generator for diffbridge (python3 + numpy only).

The functions of originals_ou.py, originals_bridges.py and originals_diffusion.py each
re-implement, in float64 NumPy, the formulas of ONE original
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

import os
import sys

from golden_io import OUT, REPO, MAX_TOTAL_BYTES, _written
from originals_bridges import make_bbdm, make_dbim, make_ddbm, make_i2sb
from originals_diffusion import make_ddpm, make_ddpm_schedules, make_rectified_flow, make_resshift
from originals_ou import make_euler_maruyama, make_goub, make_irsde, make_rdbm, make_unidb


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
    make_ddpm_schedules()
    make_rectified_flow()
    total = sum(os.path.getsize(p) for p in _written)
    for p in _written:
        print("%8d  %s" % (os.path.getsize(p), os.path.relpath(p, REPO)))
    print("%8d  total (%d files)" % (total, len(_written)))
    assert total < MAX_TOTAL_BYTES, total


if __name__ == "__main__":
    sys.exit(main())
