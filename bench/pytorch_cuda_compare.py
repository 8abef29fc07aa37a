#!/usr/bin/env python3
"""Times PyTorch eager (CUDA, or CPU with --device cpu) on the deblur S2 network of
bench_diffir_cuda — the same counter-based weights (hash seed 300), input and z_T
(scripts/golden/diffir_torch.py) — and prints it side by side with bench_diffir_cuda's figures
(run here when --bench is given), plus the max abs difference of the outputs.

PyTorch: fp32, TF32 off (torch.backends.cuda.matmul.allow_tf32 = False, cudnn.allow_tf32 = False)
unless --tf32 (then bench_diffir_cuda also gets --tf32); CUDA-event timing after --warmup passes,
median and min of --reps; peak memory from torch.cuda.max_memory_allocated.

Usage:  /usr/bin/python3 bench/pytorch_cuda_compare.py [--bench BUILD/bench_diffir_cuda]
            [--sizes 256,1024] [--reps 10] [--warmup 2] [--device cuda|cpu] [--tf32] [--graph]
Smoke check without a GPU:  bench/pytorch_cuda_compare.py --device cpu --sizes 16 --reps 1 --warmup 1
"""

import argparse
import os
import statistics
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


def run_torch(size, reps, warmup, device, tf32):
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
    model = D.DiffIRS2("deblur", R.FULL_DEBLUR).eval()
    D.fill_hash(model, 300)
    model = model.to(device)
    x = torch.from_numpy(gen("bench.input", 3 * size * size, True).reshape(1, 3, size, size)).to(device)
    z = torch.from_numpy(gen("bench.z", 256, False).reshape(1, 256)).to(device)
    times = []
    with torch.no_grad():
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        for _ in range(warmup):
            out = R.s2_pipeline(model, "deblur", x, z)
        for _ in range(reps):
            if device == "cuda":
                e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                e0.record()
                out = R.s2_pipeline(model, "deblur", x, z)
                e1.record()
                torch.cuda.synchronize()
                times.append(e0.elapsed_time(e1))
            else:
                t0 = time.perf_counter()
                out = R.s2_pipeline(model, "deblur", x, z)
                times.append(1e3 * (time.perf_counter() - t0))
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else float("nan")
    return statistics.median(times), min(times), peak, out.cpu().numpy()


def run_bench(bench, sizes, reps, warmup, tf32, graph, out_dir):
    cmd = [bench, "--sizes", ",".join(map(str, sizes)), "--reps", str(reps), "--warmup", str(warmup),
           "--out", out_dir] + (["--tf32"] if tf32 else []) + (["--graph"] if graph else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{bench}: {r.stderr.strip()}")
    rows = {}
    for line in r.stdout.splitlines():
        if line.startswith("size="):
            kv = dict(p.split("=", 1) for p in line.split())
            rows[int(kv["size"])] = kv
    return rows


def positive_int(t):
    try:
        v = int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {t!r}")
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {t!r}")
    return v


def sizes_list(t):
    return [positive_int(s) for s in t.split(",")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", help="path of bench_diffir_cuda (omit: PyTorch only)")
    ap.add_argument("--sizes", type=sizes_list, default=[256, 1024])
    ap.add_argument("--reps", type=positive_int, default=10)
    ap.add_argument("--warmup", type=positive_int, default=2)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--graph", action="store_true", help="also time bench_diffir_cuda's CUDA-graph replays")
    a = ap.parse_args()
    sizes = a.sizes
    if a.bench and not os.access(a.bench, os.X_OK):
        ap.error(f"--bench {a.bench}: not an executable file")
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("pytorch_cuda_compare: no CUDA device available to PyTorch (use --device cpu for a smoke run)")
    with tempfile.TemporaryDirectory() as d:
        cpp = run_bench(a.bench, sizes, a.reps, a.warmup, a.tf32, a.graph, d) if a.bench else {}
        print(f"deblur S2, PyTorch {torch.__version__} eager on {a.device}, tf32={a.tf32}")
        for n in sizes:
            med, best, peak, out = run_torch(n, a.reps, a.warmup, a.device, a.tf32)
            line = f"  {n}x{n}: PyTorch median {med:.2f} ms (min {best:.2f}), peak {peak:.0f} MiB"
            if n in cpp:
                c = cpp[n]
                ref = np.load(os.path.join(d, f"output_cuda_{n}.npy"))
                line += (f" | diffbridge median {float(c['median_ms']):.2f} ms (min {float(c['min_ms']):.2f}),"
                         f" pool {float(c['pool_MiB']):.0f} MiB, device {float(c['device_used_MiB']):.0f} MiB"
                         f" | PyTorch / diffbridge = {med / float(c['median_ms']):.2f}"
                         f" | max |diff| = {np.abs(out - ref).max():.3g}")
                if "graph_median_ms" in c:
                    g = float(c["graph_median_ms"])
                    line += f" | diffbridge graph replay {g:.2f} ms, PyTorch / replay = {med / g:.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
