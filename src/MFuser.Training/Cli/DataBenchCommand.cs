using System.CommandLine;
using System.Diagnostics;
using MFuser.Onnx.Architecture;
using MFuser.Training.Augmentation;
using MFuser.Training.Learning;

namespace MFuser.Training.Cli;

/// <summary><c>mfuser-train bench-data</c>: time per batch of each data pipeline, on the caller's thread (no model).</summary>
public static class DataBenchCommand
{
    public static Command Create()
    {
        var batches = new Option<int>("--batches") { DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 4 };
        var pool = new Option<int>("--rcs-pool") { DefaultValueFactory = _ => 256 };
        var dump = new Option<string?>("--dump")
        {
            Description = "also write the first official+rcs batch as PPM (image) / PGM (labels × 12) files here",
        };
        var cmd = new Command("bench-data", "time the flip and official data pipelines (render + augment + tensors) per batch")
        {
            batches, batch, pool, dump,
        };
        cmd.SetAction(r =>
        {
            var cfg = MFuserPresets.Tiny();
            int n = r.GetValue(batches), b = r.GetValue(batch);
            var dir = Path.Combine(Path.GetTempPath(), "mfuser-bench-data-" + Environment.ProcessId);
            Directory.CreateDirectory(dir);
            try
            {
                foreach (var (name, rcs) in new[] { ("flip", false), ("official", false), ("official", true) })
                {
                    var o = new TrainOptions
                    {
                        Augment = name, RareClassSampling = rcs, RcsPool = r.GetValue(pool), BatchSize = b, Steps = n, Out = dir,
                    };
                    using var data = TrainBatches.Create(o, new RendererSource(), cfg, TextWriter.Null);
                    var sw = Stopwatch.StartNew();
                    for (int s = 0; s < n; s++)
                    {
                        using var scope = TorchSharp.torch.NewDisposeScope();
                        if (data is AugmentedBatches a) FrameTensors.From(a.Frames(s), cfg); else data.Get(s);
                    }
                    Console.WriteLine($"{name}{(rcs ? " + rcs" : "")}: {sw.Elapsed.TotalMilliseconds / n:F0} ms per batch of {b}");
                    if (rcs && r.GetValue(dump) is { } d && data is AugmentedBatches ab) Dump(ab.Frames(0), d);
                }
            }
            finally { Directory.Delete(dir, true); }
            return 0;
        });
        return cmd;
    }

    private static void Dump(Frame[] frames, string dir)
    {
        Directory.CreateDirectory(dir);
        for (int i = 0; i < frames.Length; i++)
        {
            var f = frames[i];
            var rgb = new byte[f.Bgr.Length];
            for (int p = 0; p < f.Width * f.Height; p++)
                (rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]) = (f.Bgr[p * 3 + 2], f.Bgr[p * 3 + 1], f.Bgr[p * 3]);
            Write(Path.Combine(dir, $"sample{i}.ppm"), "P6", f, rgb);
            Write(Path.Combine(dir, $"sample{i}.labels.pgm"), "P5", f, f.Labels.Select(l => (byte)(l == 255 ? 255 : l * 12)).ToArray());
        }
        static void Write(string path, string magic, Frame f, byte[] data)
        {
            using var s = File.Create(path);
            s.Write(System.Text.Encoding.ASCII.GetBytes($"{magic}\n{f.Width} {f.Height}\n255\n"));
            s.Write(data);
        }
    }
}
