"""docs/default-model/loss.csv -> loss.svg: the training curves of the three stages (pixel L1 of
Stage 1 and 2b, IPR L1 of Stage 2a and 2b), log scale, one point per logged iteration.

    python3 scripts/default_model/plot_loss.py [docs/default-model/loss.csv]
"""

import csv
import math
import os
import sys


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "docs/default-model/loss.csv"
    rows = list(csv.DictReader(open(src)))
    series = {}  # name -> [(global iteration, value)]
    offset, last_stage, g = 0, None, 0
    for r in rows:
        if r["stage"] != last_stage:
            offset, last_stage = g, r["stage"]
        g = offset + int(r["iteration"])
        for key, label in (("loss_pixel_l1", "pixel L1"), ("loss_ipr_l1", "IPR L1")):
            v = float(r[key])
            if v > 0:
                series.setdefault(f"{r['stage']} {label}", []).append((g, v))
    W, H, L, R, T, B = 760, 380, 70, 170, 30, 50
    gmax = max(x for s in series.values() for x, _ in s)
    vals = [v for s in series.values() for _, v in s]
    lo, hi = math.floor(math.log10(min(vals))), math.ceil(math.log10(max(vals)))
    X = lambda x: L + (W - L - R) * x / gmax
    Y = lambda v: T + (H - T - B) * (hi - math.log10(v)) / (hi - lo)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="18" text-anchor="middle">default model: training loss (log scale)</text>']
    for e in range(lo, hi + 1):
        y = Y(10 ** e)
        out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">1e{e}</text>')
    for k in range(0, 6):
        x = gmax * k / 5
        out.append(f'<text x="{X(x):.1f}" y="{H - B + 18}" text-anchor="middle">{int(x)}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">iteration (all stages)</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="black"/>')
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
    for i, (name, pts) in enumerate(series.items()):
        c = colours[i % len(colours)]
        d = " ".join(f"{X(x):.1f},{Y(v):.1f}" for x, v in pts)
        out.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="1.2"/>')
        out.append(f'<line x1="{W - R + 12}" y1="{T + 14 + 18 * i}" x2="{W - R + 32}" y2="{T + 14 + 18 * i}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{W - R + 38}" y="{T + 18 + 18 * i}">{name}</text>')
    out.append("</svg>")
    dst = os.path.splitext(src)[0] + ".svg"
    open(dst, "w").write("\n".join(out) + "\n")
    print(f"wrote {dst}")


if __name__ == "__main__":
    main()
