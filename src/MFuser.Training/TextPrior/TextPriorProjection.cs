using MFuser.Onnx.Architecture;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MFuser.Training.TextPrior;

/// <summary>
/// T0 of the text-prior variant: the constant class-name table of a pretrained text encoder (buffer <c>table</c>,
/// 1×K×D, like the official precomputed output of the frozen CLIP text tower) through a trainable Linear
/// <c>proj</c> (D → embed width). Weight-only, so the exporter receives the product as a constant.
/// The projection starts as a random Gaussian map with std 1 (the scale of the learned T0 it replaces), which keeps
/// the encoder's cosine geometry approximately (Johnson–Lindenstrauss): related names start as related queries.
/// </summary>
public sealed class TextPriorProjection : nn.Module
{
    private readonly Tensor table;
    private readonly Linear proj;

    public TextPriorProjection(MFuserConfig cfg, ClassTextTable t) : base("TextPrior")
    {
        table = tensor(t.FlatFor(cfg)).view(1, cfg.NumClasses, t.Dim);
        proj = nn.Linear(t.Dim, cfg.EmbedDim);
        Model.Layers.TruncNormal(proj.weight, 1.0);
        using (no_grad()) proj.bias!.zero_();
        register_buffer("table", table);
        register_module("proj", proj);
    }

    /// <summary>T0 (1, K, E).</summary>
    public Tensor call() => proj.call(table);

    /// <summary>Config of the text-prior variant of <paramref name="cfg"/> (<c>none</c> or <c>minilm</c>).</summary>
    public static MFuserConfig Apply(MFuserConfig cfg, string prior) => prior switch
    {
        "none" => cfg,
        "minilm" => cfg with { Name = cfg.Name + "+minilm", TextEmbeddings = TextEmbeddingSource.Projected },
        _ => throw new ArgumentException($"unknown text prior '{prior}': expected none or minilm"),
    };
}
