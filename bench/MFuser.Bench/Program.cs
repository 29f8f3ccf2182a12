using System.CommandLine;
using MFuser.Bench;

// Each benchmark is a subcommand; add new ones to this list.
var root = new RootCommand("mfuser-bench: MFuser.Edge benchmarks; results are written as JSON to bench/results/")
{
    RenderBenchmark.Create(),
};
return root.Parse(args).Invoke();
