#!/usr/bin/env python3
"""Merges the device check's pieces in OUT (stages.tsv, env.txt, harness-*.json, torch-*.json) into
OUT/device-check.json and prints a short summary. Missing pieces are recorded as missing, never invented."""
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as e:
        return {"unreadable": f"{path}: {e}"}


KERNELS = ("blockscan", "register")


def compare(bench):
    """One row per (shape, B, io): both kernels' default launches, the speed-up and the automatic choice."""
    rows = {}
    for r in bench:
        if not r.get("default", True) or r.get("kernel") not in KERNELS:
            continue
        key = (r["shape"], r["B"], r["io"])
        row = rows.setdefault(key, {"shape": r["shape"], "B": r["B"], "D": r["D"], "L": r["L"], "io": r["io"],
                                    "blockscan_ms": None, "register_ms": None, "register_launch": "",
                                    "register_frac_exp": None, "register_gb_per_s": None, "auto": None})
        row[r["kernel"] + "_ms"] = r["ms"]
        if r["kernel"] == "register":
            row.update(register_launch=r.get("launch", ""), register_frac_exp=r.get("frac_exp_bound"),
                       register_gb_per_s=r.get("gb_per_s"))
        if r.get("auto"):
            row["auto"] = r["kernel"]
    for row in rows.values():
        b, g = row["blockscan_ms"], row["register_ms"]
        row["speedup"] = b / g if b and g else None
    return list(rows.values())


def main(out):
    stages = []
    if os.path.exists(os.path.join(out, "stages.tsv")):
        with open(os.path.join(out, "stages.tsv")) as f:
            for line in f:
                name, status, seconds = line.rstrip("\n").split("\t")
                stages.append({"stage": name, "status": status, "seconds": int(seconds)})
    env = {}
    if os.path.exists(os.path.join(out, "env.txt")):
        with open(os.path.join(out, "env.txt")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k] = v
    matrices = {k: load(os.path.join(out, f"harness-matrix-{k}.json")) for k in KERNELS}
    sanitize = {f"{tool}-{k}": load(os.path.join(out, f"harness-sanitize-{tool}-{k}.json"))
                for tool in ("memcheck", "racecheck") for k in KERNELS}
    bench = load(os.path.join(out, "harness-bench.json"))
    torch_runs = [t for t in (load(os.path.join(out, "torch-eager.json")), load(os.path.join(out, "torch-compiled.json")))
                  if t]
    dry = {k: load(os.path.join(out, f"harness-dryrun-{k}.json")) for k in KERNELS}
    matrix = next((m for m in matrices.values() if m), None)

    device = (bench or matrix or {}).get("device", {})
    result = {
        "card": (env.get("gpu_name") or device.get("name") or next((t.get("device") for t in torch_runs), None)
                 or ("none (CPU dry run)" if env.get("mode") == "cpu-dry-run" else "unknown (no name reported)")),
        "env": env,
        "stages": stages,
        "ok": all(s["status"] == "ok" or s["status"].startswith("info") for s in stages),
        "device": device,
        "matrix": {kernel: m and {k: m.get(k) for k in ("implementation", "matrix_kernel", "self_test_ok", "cases")}
                   for kernel, m in matrices.items()},
        "sanitize": {k: v and v.get("cases") for k, v in sanitize.items()},
        "kernel_bench": bench and bench.get("bench"),
        "kernel_comparison": compare(bench and bench.get("bench") or []),
        "torch": torch_runs,
        "cpu_dry_run": {kernel: d and {k: d.get(k) for k in ("implementation", "matrix_kernel", "self_test_ok", "cases")}
                        for kernel, d in dry.items()},
    }

    print("== device check summary ==")
    print(f"card: {result['card']}  cuda: {env.get('nvcc_version', '?')}  torch: {env.get('torch_version', '?')}")
    for s in stages:
        print(f"  stage {s['stage']:<18} {s['status']:<28} {s['seconds']:>4} s")
    labelled = [(f"GPU matrix [{k}]", m) for k, m in matrices.items()] + \
               [(f"CPU dry-run matrix [{k}]", d) for k, d in dry.items()]
    for label, m in labelled:
        if m and "cases" in m:
            cases = m["cases"]
            bad = [c for c in cases if not c["pass"]]
            print(f"{label}: {len(cases) - len(bad)}/{len(cases)} cases pass ({m.get('implementation')})")
            for c in bad[:20]:
                print(f"  FAIL {c['name']} seed={c['seed']} err_y={c['err_y']} err_last={c['err_last_state']} "
                      f"tol={c['tol']} {c['error']}")
    if bench and bench.get("bench"):
        torch_ms = {}
        for t in torch_runs:
            for e in t.get("timings", []):
                if "ms" in e:
                    torch_ms[(e["method"], e["shape"], e["B"])] = e["ms"]
        fmt = lambda v, w=9, d=3: f"{v:{w}.{d}f}" if v is not None else f"{'-':>{w}}"
        print(f"kernels side by side on {device.get('name')} (peak {device.get('peak_bytes_per_s', 0) / 1e9:.0f} GB/s, "
              f"{device.get('peak_source')}); ms, median of 20; * = LaunchSelectiveScan's choice; torch: fp32")
        print(f"  {'shape':<14} {'B':>2} {'io':<4} {'blockscan':>10} {'register':>10} {'reg S':>5} {'speedup':>7} "
              f"{'%exp reg':>8} {'GB/s reg':>8} {'seq':>9} {'chunked':>9} {'compiled':>9} {'assoc':>9}")
        for row in result["kernel_comparison"]:
            key = (row["shape"], row["B"])
            mark = lambda k: "*" if row["auto"] == k else " "
            cols = [torch_ms.get((m,) + key) for m in ("sequential", "chunked", "compiled", "assoc_scan")]
            print(f"  {row['shape']:<14} {row['B']:>2} {row['io']:<4} {fmt(row['blockscan_ms'], 9, 4)}{mark('blockscan')}"
                  f" {fmt(row['register_ms'], 9, 4)}{mark('register')} {row['register_launch'][11:]:>5} "
                  f"{fmt(row['speedup'], 6, 2)}x {fmt(row['register_frac_exp'] and 100 * row['register_frac_exp'], 8, 1)} "
                  f"{fmt(row['register_gb_per_s'], 8, 1)} " + " ".join(fmt(c) for c in cols))
        sweeps = [r for r in bench["bench"] if not r.get("default", True)]
        if sweeps:
            print("  launch sweeps:")
            for r in sweeps:
                print(f"    {r['shape']:<14} B={r['B']} {r['io']} {r.get('launch', ''):<26} {r['ms']:9.4f} ms "
                      f"{r['gb_per_s']:7.1f} GB/s {100 * r['frac_exp_bound']:5.1f}% exp2 bound")
    for t in torch_runs:
        for c in t.get("checks", []):
            print(f"torch baseline check {c['method']}: {c.get('scaled_error_vs_fp64', c.get('error'))}")
    with open(os.path.join(out, "device-check.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"overall: {'OK' if result['ok'] else 'FAILED'}; wrote {os.path.join(out, 'device-check.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
