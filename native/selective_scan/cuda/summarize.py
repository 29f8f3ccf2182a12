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
    matrix = load(os.path.join(out, "harness-matrix.json"))
    sanitize = {tool: load(os.path.join(out, f"harness-sanitize-{tool}.json")) for tool in ("memcheck", "racecheck")}
    bench = load(os.path.join(out, "harness-bench.json"))
    torch_runs = [t for t in (load(os.path.join(out, "torch-eager.json")), load(os.path.join(out, "torch-compiled.json")))
                  if t]
    dry = load(os.path.join(out, "harness-dryrun.json"))

    device = (bench or matrix or {}).get("device", {})
    result = {
        "card": (env.get("gpu_name") or device.get("name") or next((t.get("device") for t in torch_runs), None)
                 or ("none (CPU dry run)" if env.get("mode") == "cpu-dry-run" else "unknown (no name reported)")),
        "env": env,
        "stages": stages,
        "ok": all(s["status"] == "ok" or s["status"].startswith("info") for s in stages),
        "device": device,
        "matrix": matrix and {k: matrix.get(k) for k in ("implementation", "self_test_ok", "cases")},
        "sanitize": {k: v and v.get("cases") for k, v in sanitize.items()},
        "kernel_bench": bench and bench.get("bench"),
        "torch": torch_runs,
        "cpu_dry_run": dry and {k: dry.get(k) for k in ("implementation", "self_test_ok", "cases")},
    }

    print("== device check summary ==")
    print(f"card: {result['card']}  cuda: {env.get('nvcc_version', '?')}  torch: {env.get('torch_version', '?')}")
    for s in stages:
        print(f"  stage {s['stage']:<18} {s['status']:<28} {s['seconds']:>4} s")
    for label, m in (("GPU matrix", matrix), ("CPU dry-run matrix", dry)):
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
        print(f"kernel vs PyTorch on {device.get('name')} (peak {device.get('peak_bytes_per_s', 0) / 1e9:.0f} GB/s, "
              f"{device.get('peak_source')}):")
        print(f"  {'shape':<14} {'B':>2} {'io':<4} {'launch':<15} {'kernel ms':>9} {'GB/s':>7} {'%mem':>5} {'%exp':>5} "
              f"{'seq ms':>9} {'chunked':>9} {'compiled':>9} {'assoc':>9}  (torch: fp32)")
        fmt = lambda v: f"{v:9.3f}" if v is not None else f"{'-':>9}"
        for r in bench["bench"]:
            key = (r["shape"], r["B"])
            default = r.get("launch", "default").startswith("default")
            cols = [torch_ms.get((m,) + key) if default else None
                    for m in ("sequential", "chunked", "compiled", "assoc_scan")]
            print(f"  {r['shape']:<14} {r['B']:>2} {r['io']:<4} {r.get('launch', ''):<15} {r['ms']:9.4f} "
                  f"{r['gb_per_s']:7.1f} {100 * r['frac_mem_bound']:5.1f} {100 * r['frac_exp_bound']:5.1f} "
                  + " ".join(fmt(c) for c in cols))
    for t in torch_runs:
        for c in t.get("checks", []):
            print(f"torch baseline check {c['method']}: {c.get('scaled_error_vs_fp64', c.get('error'))}")
    with open(os.path.join(out, "device-check.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"overall: {'OK' if result['ok'] else 'FAILED'}; wrote {os.path.join(out, 'device-check.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
