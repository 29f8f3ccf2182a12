using System.CommandLine;
using MFuser.Bench;

// Each benchmark is a subcommand; `all` runs the suite and writes docs/performance.md.
var root = new RootCommand("mfuser-bench: MFuser.Edge benchmarks; results are written as JSON to bench/results/")
{
    RenderBenchmark.Create(),
    Suite.Part("scan", "selective scan: fused op vs portable vs scalar reference vs exp bound", MFuser.Bench.Scan.ScanBenchmark.Run),
};
return root.Parse(args).Invoke();
