#!/usr/bin/env python3
"""Runs bench_diffir (C++) and PyTorch on the same deblur S2 network, weights and input, in one
run, and prints both times, their ratio and the max abs difference of the outputs.

The weights, the input and z_T come from the counter-based generator shared with the C++ side
(scripts/golden/diffir_torch.py: hash_tensor / uniform_pm1, seed 300), so nothing large is
passed between the two.

Usage:  /usr/bin/python3 bench/pytorch_compare.py BUILD/bench/bench_diffir [--size N] [--threads T]
                                                  [--peak-mem]
--peak-mem also reports each side's peak resident memory (ru_maxrss of a run in a child process).
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts", "golden"))
import diffir_reference as R  # noqa: E402
import diffir_torch as D  # noqa: E402


def gen(name, n, unit):
    u = D.uniform_pm1(name, n, 300)
    return ((u + 1.0) * 0.5 if unit else u).astype(np.float32)


def run_torch(size, threads, reps):
    torch.set_num_threads(threads)
    model = D.DiffIRS2("deblur", R.FULL_DEBLUR).eval()
    D.fill_hash(model, 300)
    x = torch.from_numpy(gen("bench.input", 3 * size * size, True).reshape(1, 3, size, size))
    z = torch.from_numpy(gen("bench.z", 256, False).reshape(1, 256))
    with torch.no_grad():
        out = R.s2_pipeline(model, "deblur", x, z)  # warm-up
        best = 1e30
        for _ in range(reps):
            t0 = time.perf_counter()
            out = R.s2_pipeline(model, "deblur", x, z)
            best = min(best, time.perf_counter() - t0)
    return best, out.numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--peak-mem", action="store_true")
    ap.add_argument("--torch-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.torch_only:  # child process of --peak-mem
        run_torch(a.size, a.threads, 0)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, DIFFBRIDGE_BENCH_SIZE=str(a.size), DIFFBRIDGE_BENCH_OUT=d,
                   OMP_NUM_THREADS=str(a.threads))
        r = subprocess.run([a.bench, "--benchmark_filter=BM_sgemm_floor|BM_deblur_s2<.*eigen",
                            "--benchmark_format=json"], env=env, check=True, capture_output=True, text=True)
        import json
        rows = {b["name"]: b for b in json.loads(r.stdout)["benchmarks"]}
        cpp = next(v for k, v in rows.items() if k.startswith("BM_deblur_s2"))
        cpp_s = cpp["real_time"] / 1e3
        floor = rows["BM_sgemm_floor/iterations:10"]["floor_s_deblur256"] * a.size * a.size / 65536
        cpp_out = np.load(os.path.join(d, "output_eigen.npy"))
    t_s, t_out = run_torch(a.size, a.threads, a.reps)
    print(f"deblur S2 {a.size}x{a.size}, {a.threads} threads")
    print(f"  diffbridge (eigen): {cpp_s:.3f} s   SGEMM floor {floor:.3f} s   ratio to floor {cpp_s / floor:.2f}")
    print(f"  PyTorch {torch.__version__}: {t_s:.3f} s   PyTorch / diffbridge = {t_s / cpp_s:.2f}")
    print(f"  max |diffbridge - PyTorch| = {np.abs(cpp_out - t_out).max():.3g}")
    if a.peak_mem:
        env = dict(os.environ, DIFFBRIDGE_BENCH_SIZE=str(a.size), OMP_NUM_THREADS=str(a.threads))
        c = subprocess.run(["/usr/bin/time", "-f", "%M", a.bench, "--benchmark_filter=BM_deblur_s2<.*eigen",
                            "--benchmark_min_time=0"], env=env, capture_output=True, text=True, check=True)
        cpp_kb = int(c.stderr.strip().splitlines()[-1])
        p = subprocess.run([sys.executable, __file__, a.bench, "--size", str(a.size), "--threads", str(a.threads),
                            "--torch-only"], capture_output=True, text=True, check=True)
        print(f"  peak RSS: diffbridge {cpp_kb / 1024:.0f} MiB, PyTorch {int(p.stdout.strip()) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
