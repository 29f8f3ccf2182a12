using System.Text.Json.Nodes;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Onnx.Scan;
using MFuser.Scenes;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using OpenCvSharp.Dnn;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Bench.Model;

/// <summary>
/// <c>model</c>: per-frame latency of MFuser-tiny (random weights) on one synthetic 512×256 frame through ORT CPU
/// with the fused scan, ORT CPU with the portable graph, and OpenCV DNN (<c>ReadNetFromOnnx</c> on the portable
/// graph): the same thread count for all, the same input, interleaved runs; medians and p95 of wall-clock and
/// thread CPU time. When OpenCV cannot load or run the graph its exact error is the result: with OpenCV 4.13 that is
/// the pixel decoder's first GridSample (deformable-attention sampling), for which its classic ONNX importer has no
/// layer; every node before it imports (tests/MFuser.Onnx.Tests OpenCvImportTests).
/// Target: ORT fused ≥ 2× OpenCV DNN.
/// </summary>
public static class ModelBenchmark
{
    public const int Threads = 1;

    public static JsonObject Run(bool quick)
    {
        var cfg = MFuserPresets.Tiny();
        var models = ExportedModels.Export(cfg, ScanVariant.Fused, ScanVariant.Portable);
        var (w, h) = (cfg.ImageWidth, cfg.ImageHeight);
        var bgr = new byte[w * h * 3];
        new SceneRenderer().Render(1, Domain.Clear, w, h, bgr, new byte[w * h]);

        using var fused = new OrtModel(models[ScanVariant.Fused], Threads, customOps: true, bgr, h, w);
        using var portable = new OrtModel(models[ScanVariant.Portable], Threads, customOps: false, bgr, h, w);
        var contenders = new List<(string, Action)> { ("ort_fused", fused.Run), ("ort_portable", portable.Run) };
        var opencv = OpenCvModel.TryLoad(models[ScanVariant.Portable], bgr, h, w, out var opencvError);
        if (opencv is not null) contenders.Add(("opencv_dnn", opencv.Run));

        var samples = Interleaved.Run(quick ? 10 : 40, quick ? 30 : 90, contenders.ToArray());
        var rows = new JsonArray();
        foreach (var s in samples)
        {
            rows.Add(new JsonObject
            {
                ["runtime"] = s.Name, ["runs"] = s.WallMs.Count,
                ["wall_ms_median"] = Stats.Round(s.WallMedian, 2), ["wall_ms_p95"] = Stats.Round(s.WallP95, 2),
                ["cpu_ms_median"] = Stats.Round(s.CpuMedian, 2), ["cpu_ms_p95"] = Stats.Round(s.CpuP95, 2),
            });
            Console.WriteLine($"model {s.Name,-13} wall {s.WallMedian,8:F1} ms (p95 {s.WallP95:F1}), CPU {s.CpuMedian,8:F1} ms (p95 {s.CpuP95:F1})");
        }
        var result = new JsonObject
        {
            ["model"] = $"{cfg.Name} (random weights, seed {ExportedModels.Seed})",
            ["input"] = $"synthetic frame {w}x{h} BGR uint8 (clear domain, seed 1)",
            ["threads"] = Threads,
            ["load_average_1min"] = ResultFile.LoadAverage(),
            ["rows"] = rows,
            ["labels_agree_fused_vs_portable"] = Stats.Round(fused.Agreement(portable.Labels()), 5),
            ["opencv_error"] = opencvError,
            ["opencv_failing_op"] = opencvError is null ? null : FailingOp(opencvError),
            ["target_fused_over_opencv"] = 2,
        };
        var byName = samples.ToDictionary(s => s.Name);
        result["portable_over_fused_cpu"] = Stats.Round(byName["ort_portable"].CpuMedian / byName["ort_fused"].CpuMedian, 2);
        if (byName.TryGetValue("opencv_dnn", out var cv))
            result["opencv_over_fused_cpu"] = Stats.Round(cv.CpuMedian / byName["ort_fused"].CpuMedian, 2);
        opencv?.Dispose();
        return result;
    }

    /// <summary>
    /// The op type of the node an OpenCV importer error names ("Node [GridSample@ai.onnx]:(onnx_node!...) parse error"),
    /// or null when the message names none (a failure in the forward pass).
    /// </summary>
    private static string? FailingOp(string error) =>
        System.Text.RegularExpressions.Regex.Match(error, @"Node \[([A-Za-z0-9_]+)@") is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>OpenCV DNN on the portable graph, with OpenCV's thread count set to the benchmark's.</summary>
    private sealed class OpenCvModel : IDisposable
    {
        private readonly Net _net;
        private readonly Mat _blob;
        private readonly string[] _outputs;
        private readonly Mat[] _results;

        private OpenCvModel(Net net, Mat blob)
        {
            _net = net;
            _blob = blob;
            _outputs = net.GetUnconnectedOutLayersNames().Where(n => n is not null).Select(n => n!).ToArray();
            _results = _outputs.Select(_ => new Mat()).ToArray();
        }

        public static OpenCvModel? TryLoad(string path, byte[] bgr, int h, int w, out string? error)
        {
            Cv2.SetNumThreads(Threads);
            Net? net = null;
            try
            {
                net = CvDnn.ReadNetFromOnnx(path) ?? throw new InvalidOperationException("ReadNetFromOnnx returned null");
                net.SetPreferableBackend(Backend.OPENCV);
                net.SetPreferableTarget(Target.CPU);
                var blob = Mat.FromPixelData(new[] { 1, h, w, 3 }, MatType.CV_8U, bgr);
                var model = new OpenCvModel(net, blob);
                model.Run();  // a graph can load and still fail at its first forward pass
                error = null;
                return model;
            }
            catch (Exception e) when (e is OpenCVException or OpenCvSharpException or InvalidOperationException)
            {
                error = e.Message.Trim();
                net?.Dispose();
                Console.WriteLine($"model opencv_dnn: cannot run the portable graph: {error}");
                return null;
            }
        }

        public void Run()
        {
            _net.SetInput(_blob, ModelIo.Image);
            _net.Forward(_results, _outputs);
        }

        public void Dispose()
        {
            foreach (var m in _results) m.Dispose();
            _blob.Dispose();
            _net.Dispose();
        }
    }
}
