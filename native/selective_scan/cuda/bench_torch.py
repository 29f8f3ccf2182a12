#!/usr/bin/env python3
"""PyTorch baselines for the SelectiveScan device check (../device-check.sh), timed on the same GPU as the kernel.

Methods (all fp32, MFuser's call: D skip, delta_bias, softplus, no z, no initial state, G = 1, N = 16):
  sequential  mamba_ssm's selective_scan_ref form: discretise to (B, D, L, N) tensors, then a Python loop over L.
  chunked     a two-level log-depth (Hillis-Steele) scan over chunks of Q = 16 tokens: fully
              vectorised, O(B·D·L·N) memory.
  compiled    `chunked` under torch.compile (Inductor/Triton, offline); run in its own process with a time limit.
  assoc_scan  torch._higher_order_ops.associative_scan of the affine pairs under torch.compile (if available).

Before timing, every method is checked against an fp64 sequential scan on a small shape.
Torch is imported only after argument parsing, so `--list` and `-h` run without it (CPU dry run).
"""
import argparse
import json
import math
import sys
import time

SHAPES = [  # name, D, L  (N = 16)
    ("tiny-d384", 384, 1298),
    ("tiny-d768", 768, 1298),
    ("mtenhancer", 128, 1335),
    ("paper-l", 512, 2594),
    ("paper-l-d2048", 2048, 2594),
]
BATCHES = [1, 2, 4, 8]
STATE = 16
EAGER_METHODS = ("sequential", "chunked")
COMPILED_METHODS = ("compiled", "assoc_scan")
COMPILED_RUNS = [("paper-l", 1), ("paper-l", 8), ("tiny-d384", 1)]


def planned_runs(methods, batches=BATCHES):
    runs = []
    for method in methods:
        if method in COMPILED_METHODS:
            runs += [(method, name, batch) for name, batch in COMPILED_RUNS if batch in batches]
        else:
            runs += [(method, name, batch) for name, _, _ in SHAPES for batch in batches]
    return runs


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", default=",".join(EAGER_METHODS),
                   help="comma list of: " + ", ".join(EAGER_METHODS + COMPILED_METHODS))
    p.add_argument("--json", required=False, help="write results here")
    p.add_argument("--budget-s", type=float, default=150.0, help="skip remaining timings after this many seconds")
    p.add_argument("--batches", default=",".join(map(str, BATCHES)),
                   help="comma list of batch sizes, a subset of " + ",".join(map(str, BATCHES)))
    p.add_argument("--list", action="store_true", help="print the planned runs and exit (no torch needed)")
    args = p.parse_args(argv)
    try:
        args.batches = [int(b) for b in args.batches.split(",") if b]
    except ValueError:
        p.error(f"--batches: expected a comma list of integers, got {args.batches!r}")
    if not args.batches or any(b not in BATCHES for b in args.batches):
        p.error(f"--batches: {args.batches} is not a non-empty subset of {BATCHES}")
    args.methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in args.methods if m not in EAGER_METHODS + COMPILED_METHODS]
    if unknown:
        p.error(f"--methods: unknown method(s) {unknown}; expected any of {EAGER_METHODS + COMPILED_METHODS}")
    return args


def main(argv):
    args = parse_args(argv)
    if args.list:
        for run in planned_runs(args.methods, args.batches):
            print(*run)
        return 0

    import torch
    import torch.nn.functional as F

    def make_inputs(B, D, L, device, dtype=torch.float32, seed=42):
        g = torch.Generator(device=device).manual_seed(seed)
        def rn(*shape):
            return torch.randn(*shape, generator=g, device=device, dtype=dtype)
        def ru(*shape):
            return torch.rand(*shape, generator=g, device=device, dtype=dtype)
        return dict(u=rn(B, D, L), delta=rn(B, D, L) - 3.0, A=-torch.exp(-1.0 + 4.0 * ru(D, STATE)),
                    Bm=rn(B, 1, STATE, L), Cm=rn(B, 1, STATE, L), Dv=rn(D), bias=0.5 * ru(D))

    def discretise(u, delta, A, Bm, Cm, Dv, bias):
        dt = F.softplus(delta + bias[:, None], beta=1.0, threshold=20.0)        # (B, D, L)
        a = torch.exp(dt.unsqueeze(-1) * A[:, None, :])                          # (B, D, L, N)
        b = (dt * u).unsqueeze(-1) * Bm[:, 0].transpose(1, 2).unsqueeze(1)       # (B, D, L, N)
        return a, b, Cm[:, 0].transpose(1, 2).unsqueeze(1)                       # C: (B, 1, L, N)

    def scan_sequential(u, delta, A, Bm, Cm, Dv, bias):
        a, b, c = discretise(u, delta, A, Bm, Cm, Dv, bias)
        h = torch.zeros_like(a[:, :, 0])
        ys = []
        for t in range(u.shape[-1]):
            h = a[:, :, t] * h + b[:, :, t]
            ys.append((h * c[:, :, t]).sum(-1))
        return torch.stack(ys, dim=-1) + u * Dv[:, None]

    def shift_scan(a, b, dim, length):
        """Inclusive Hillis-Steele scan of affine pairs along `dim` (identity (1, 0) shifted in)."""
        s = 1
        while s < length:
            a_prev = a.narrow(dim, 0, length - s)
            b_new = torch.cat([b.narrow(dim, 0, s), a.narrow(dim, s, length - s) * b.narrow(dim, 0, length - s)
                               + b.narrow(dim, s, length - s)], dim)
            a = torch.cat([a.narrow(dim, 0, s), a.narrow(dim, s, length - s) * a_prev], dim)
            b = b_new
            s *= 2
        return a, b

    def scan_chunked(u, delta, A, Bm, Cm, Dv, bias, Q=16):
        a, b, c = discretise(u, delta, A, Bm, Cm, Dv, bias)
        Bn, Dn, L, N = a.shape
        nc = -(-L // Q)
        pad = nc * Q - L
        a = F.pad(a, (0, 0, 0, pad), value=1.0).view(Bn, Dn, nc, Q, N)
        b = F.pad(b, (0, 0, 0, pad), value=0.0).view(Bn, Dn, nc, Q, N)
        a, b = shift_scan(a, b, 3, Q)                       # within chunks
        aC, bC = shift_scan(a[:, :, :, -1], b[:, :, :, -1], 2, nc)  # across chunk aggregates
        h_in = torch.cat([torch.zeros_like(bC[:, :, :1]), bC[:, :, :-1]], 2)
        h = (a * h_in.unsqueeze(3) + b).view(Bn, Dn, nc * Q, N)[:, :, :L]
        return (h * c).sum(-1) + u * Dv[:, None]

    def scan_assoc(u, delta, A, Bm, Cm, Dv, bias):
        from torch._higher_order_ops.associative_scan import associative_scan
        a, b, c = discretise(u, delta, A, Bm, Cm, Dv, bias)
        def combine(x, y):
            return (y[0] * x[0], y[0] * x[1] + y[1])
        _, h = associative_scan(combine, (a, b), dim=2)
        return (h * c).sum(-1) + u * Dv[:, None]

    device = torch.device("cuda")
    impls = {"sequential": scan_sequential, "chunked": scan_chunked}
    if "compiled" in args.methods:
        impls["compiled"] = torch.compile(scan_chunked, dynamic=False)
    if "assoc_scan" in args.methods:
        impls["assoc_scan"] = torch.compile(scan_assoc, dynamic=False)

    result = {"torch": torch.__version__, "torch_cuda": torch.version.cuda,
              "device": torch.cuda.get_device_name(0), "methods": args.methods, "checks": [], "timings": []}
    t_start = time.time()

    def save():  # after every step, so a run cut off by its time limit still leaves its results
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=1)

    # Correctness of each baseline against an fp64 sequential scan (small shape).
    ref_in = make_inputs(2, 24, 300, device, torch.float64, seed=7)
    ref = scan_sequential(**ref_in)
    small = {k: v.float() for k, v in ref_in.items()}
    for m in args.methods:
        try:
            got = impls[m](**small).double()
            scale = torch.maximum(ref.abs(), ref.pow(2).mean().sqrt())
            err = ((got - ref).abs() / scale).max().item()
            result["checks"].append({"method": m, "scaled_error_vs_fp64": err, "ok": bool(err < 1e-4)})
            print(f"check {m:11s}: scaled error vs fp64 sequential {err:.3g} {'ok' if err < 1e-4 else 'FAIL'}")
        except Exception as e:  # a baseline that cannot run is reported, not fatal
            result["checks"].append({"method": m, "error": f"{type(e).__name__}: {e}"[:500], "ok": False})
            print(f"check {m}: {type(e).__name__}: {e}"[:300])
        save()

    broken = {c["method"] for c in result["checks"] if not c["ok"]}
    shapes = {name: (D, L) for name, D, L in SHAPES}
    for method, name, batch in planned_runs(args.methods, args.batches):
        D, L = shapes[name]
        entry = {"method": method, "shape": name, "B": batch, "D": D, "L": L, "N": STATE}
        if method in broken:
            entry["skipped"] = "failed its correctness check"
        elif time.time() - t_start > args.budget_s:
            entry["skipped"] = f"time budget {args.budget_s:.0f} s spent"
        else:
            try:
                inputs = make_inputs(batch, D, L, device)
                fn = impls[method]
                reps = 3 if method == "sequential" else 10
                fn(**inputs)  # warm-up (and compilation)
                torch.cuda.synchronize()
                times = []
                for _ in range(reps):
                    t0, t1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    t0.record()
                    fn(**inputs)
                    t1.record()
                    t1.synchronize()
                    times.append(t0.elapsed_time(t1))
                times.sort()
                ms = times[len(times) // 2]
                nbytes = 4.0 * (3 * batch * D * L + 2 * batch * STATE * L)
                entry.update(ms=ms, bytes=nbytes, gb_per_s=nbytes / (ms * 1e-3) / 1e9)
                print(f"torch {method:11s} {name:14s} B={batch}: {ms:9.3f} ms  {entry['gb_per_s']:8.2f} GB/s")
                del inputs
            except Exception as e:
                entry["error"] = f"{type(e).__name__}: {e}"[:500]
                print(f"torch {method} {name} B={batch}: {entry['error'][:200]}")
            torch.cuda.empty_cache()
        result["timings"].append(entry)
        save()

    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
