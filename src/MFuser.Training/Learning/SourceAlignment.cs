using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Scenes;

namespace MFuser.Training.Learning;

/// <summary>
/// The <c>--input-align</c> option: <c>none</c>, or <c>source</c> = <see cref="InputAlignment"/> to the statistics of
/// source-domain training frames, measured here (seeds 0…<see cref="Frames"/>−1, all below the held-out range).
/// </summary>
public static class SourceAlignment
{
    /// <summary>Source frames the reference statistics average over.</summary>
    public const int Frames = 128;

    public static MFuserConfig Apply(MFuserConfig cfg, string option, ISceneSource scenes) => option switch
    {
        "none" => cfg,
        "source" => cfg with { InputAlignment = Measure(scenes, cfg) },
        _ => throw new ArgumentException($"unknown input alignment '{option}': expected none or source"),
    };

    /// <summary>Mean over source frames of each frame's channel mean and floored spread (as the graph computes them).</summary>
    public static InputAlignment Measure(ISceneSource scenes, MFuserConfig cfg, int frames = Frames)
    {
        int w = cfg.ImageWidth, h = cfg.ImageHeight;
        var floor = new InputAlignment { Mean = [0, 0, 0], Std = [1, 1, 1] }.Floor;
        var bgr = new byte[w * h * 3];
        var labels = new byte[w * h];
        double[] mean = new double[3], std = new double[3];
        for (var seed = 0; seed < frames; seed++)
        {
            scenes.Render(seed, Domains.Source, w, h, bgr, labels);
            var (m, s) = PixelNormalisation.Statistics(bgr, w, w, h, floor);
            for (var c = 0; c < 3; c++) { mean[c] += m[c] / frames; std[c] += s[c] / frames; }
        }
        return new InputAlignment { Mean = [.. mean.Select(v => Math.Round(v, 3))], Std = [.. std.Select(v => Math.Round(v, 3))], Floor = floor };
    }
}
