#!/usr/bin/env python3
"""Times torch.topk(x.abs(), k) on the GPU, the baseline for kernels/bench_sparse_cuda.

    scripts/torch_topk.py [--n N] [--ratio R] [--runs R] [--warmup W] [--csv FILE]

Same defaults, same k (ceil(ratio n), as compress/sparsify.c's cc_sparse_k) and the same CSV columns
as bench_sparse_cuda, so the two CSV files concatenate (drop the second header) into one comparison.
Each run is one torch.topk(x.abs(), k) between two CUDA events on the current stream: the abs is part
of it, since a magnitude top-k has to read signed gradients either way. Rows: mode "exact" (the
default, values sorted) and "exact-unsorted" (sorted=False, what a payload needs). Python standard
library and torch only; exits 77 when torch has no GPU.
"""
import argparse
import math
import os
import statistics
import sys

CSV_HEADER = "impl,mode,device,n,k,ratio,runs,median_us,min_us,max_us,gbps"


def sparse_k(ratio, n):
    """compress/sparsify.c's cc_sparse_k: ceil(ratio n) after a relative 1e-12 nudge down, in [1, n]."""
    want = ratio * n
    k = math.ceil(want - want * 1e-12)
    return min(max(k, 1), n)


def time_topk(torch, x, k, sorted_, runs, warmup):
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    times = []
    for r in range(warmup + runs):
        start.record()
        torch.topk(x.abs(), k, sorted=sorted_)
        stop.record()
        stop.synchronize()
        if r >= warmup:
            times.append(start.elapsed_time(stop) * 1000.0)  # ms -> us
    return statistics.median(times), min(times), max(times)


def write_atomic(path, text):
    tmp = path + ".partial"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1 << 26)
    ap.add_argument("--ratio", type=float, default=0.01)
    ap.add_argument("--runs", type=int, default=25)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--csv")
    a = ap.parse_args()
    if a.n < 1 or not 0 < a.ratio <= 1 or a.runs < 20 or a.warmup < 0:
        ap.error("need --n >= 1, --ratio in (0, 1], --runs >= 20, --warmup >= 0")
    try:
        import torch
    except ImportError:
        print("torch_topk.py: skipped: no torch", file=sys.stderr)
        return 77
    if not torch.cuda.is_available():
        print("torch_topk.py: skipped: torch sees no GPU", file=sys.stderr)
        return 77

    device = torch.cuda.get_device_name().replace(",", " ")
    gen = torch.Generator(device="cuda").manual_seed(42)
    x = torch.randn(a.n, device="cuda", generator=gen) * 1e-3
    k = sparse_k(a.ratio, a.n)
    rows = []
    print(f"{device}, n = {a.n}, ratio {a.ratio:g}, median of {a.runs} runs (torch {torch.__version__})")
    print(f"{'mode':<15} {'k':>10} {'median_us':>12} {'min_us':>12} {'max_us':>12} {'GB/s':>8}")
    for mode, sorted_ in (("exact", True), ("exact-unsorted", False)):
        med, lo, hi = time_topk(torch, x, k, sorted_, a.runs, a.warmup)
        gbps = a.n * 4 / (med * 1e3)
        print(f"{mode:<15} {k:>10} {med:>12.1f} {lo:>12.1f} {hi:>12.1f} {gbps:>8.1f}")
        rows.append(f"torch,{mode},{device},{a.n},{k},{a.ratio!r},{a.runs},{med:.1f},{lo:.1f},{hi:.1f},{gbps:.1f}")
    if a.csv:
        write_atomic(a.csv, CSV_HEADER + "\n" + "\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
