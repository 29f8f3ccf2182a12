using System.CommandLine;
using MFuser.Bench;

// Each benchmark is a subcommand; `all` runs the suite and writes docs/performance.md.
var root = new RootCommand("mfuser-bench: MFuser.Edge benchmarks; results are written as JSON to bench/results/")
{
    Suite.All(),
    Suite.Report(),
    Suite.Part("scan", "selective scan: fused op vs portable vs scalar reference vs exp bound", MFuser.Bench.Scan.ScanBenchmark.Run),
    Suite.Part("model", "MFuser-tiny per-frame latency: ORT fused vs ORT portable vs OpenCV DNN", MFuser.Bench.Model.ModelBenchmark.Run),
    MFuser.Bench.Model.PackageLatency.Create(),
    Suite.Part("scaling", "fusion-stage cost vs token count: Mamba vs self-attention fusion", MFuser.Bench.Scaling.ScalingBenchmark.Run),
    Suite.Part("pipeline", "daemon throughput and latency vs bare session.Run", MFuser.Bench.Pipeline.PipelineBenchmark.Run),
    Suite.Part("memory", "daemon RSS over a long run", MFuser.Bench.Pipeline.MemoryBenchmark.Run),
    Suite.Part("console", "web console cost: daemon fps and CPU with 0, 1 and 20 MJPEG viewers; a stalled viewer",
        MFuser.Bench.WebConsole.ConsoleBenchmark.Run),
    RenderBenchmark.Create(),
};
return root.Parse(args).Invoke();
