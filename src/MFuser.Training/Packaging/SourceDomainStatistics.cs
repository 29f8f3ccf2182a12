using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Scenes;
using MFuser.Training.Learning;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MFuser.Training.Packaging;

/// <summary>
/// The package's source-domain reference for the daemon's domain-shift monitor: held-out frames of the source domain
/// (<see cref="Domains.Source"/>, seeds from <see cref="SceneData.HeldOutSeedBase"/>) rendered at the model resolution
/// in BGR, run through the exported model in ONNX Runtime, measured with the daemon's own signal code (image
/// statistics, the confidence/entropy means of <see cref="PredictionEntropy.Means(ReadOnlySpan{byte}, int)"/>, the
/// <c>embedding</c> output) and accumulated in a
/// <see cref="DomainBaseline"/>: the same statistics <c>mfuser-edge calibrate-domain</c> records on a vehicle.
/// </summary>
public static class SourceDomainStatistics
{
    public const string FileName = "domain_reference.json";

    /// <param name="modelPath">an exported model (fused: give <paramref name="opsLibrary"/>)</param>
    public static DomainReference Measure(string modelPath, string? opsLibrary, MFuserConfig cfg, int frames, int threads, Action<string> say)
    {
        if (frames < 4)
            throw new ArgumentOutOfRangeException(nameof(frames), frames, "the embedding statistics need at least 4 frames");
        int h = cfg.ImageHeight, w = cfg.ImageWidth;
        using var options = new SessionOptions { IntraOpNumThreads = threads };
        if (opsLibrary is not null) options.RegisterCustomOpLibrary(opsLibrary);
        using var session = new InferenceSession(modelPath, options);
        var image = new DenseTensor<byte>([1, h, w, 3]);
        var bgr = image.Buffer.Span;
        var groundTruth = new byte[h * w];
        var inputs = new[] { NamedOnnxValue.CreateFromTensor(ModelIo.Image, image) };
        string[] wanted = [ModelIo.Confidence, ModelIo.Embedding];
        var imageStats = new ImageStatistics(w, h);
        var baseline = new DomainBaseline(maxFrames: frames);
        var renderer = new RendererSource();
        for (var i = 0; i < frames; i++)
        {
            renderer.Render(SceneData.HeldOutSeedBase + i, Domains.Source, w, h, bgr, groundTruth);
            using var results = session.Run(inputs, wanted);
            var confidence = ((DenseTensor<byte>)results.First(r => r.Name == ModelIo.Confidence).Value).Buffer.Span;
            var embedding = ((DenseTensor<float>)results.First(r => r.Name == ModelIo.Embedding).Value).Buffer.Span;
            var (confidenceMean, entropyMean) = PredictionEntropy.Means(confidence, Cityscapes.Classes.Count);
            baseline.Add(DomainSignals.From(imageStats.Compute(bgr), confidenceMean, entropyMean), embedding);
            if ((i + 1) % 16 == 0 || i + 1 == frames)
                say($"  domain statistics: {i + 1}/{frames} frames");
        }
        return baseline.Build($"{frames} held-out '{Domains.Source.Name()}' frames of the synthetic drive (seeds {SceneData.HeldOutSeedBase}+), " +
                              $"{Path.GetFileName(modelPath)} in ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
    }
}
