using System.Collections;
using System.Text.RegularExpressions;
using MFuser.Training.Model;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MFuser.Training.Checkpoints;

/// <summary>Outcome of mapping an official state dict onto ours.</summary>
/// <param name="Mapped">official key → our key.</param>
/// <param name="Unexpected">Official keys with no counterpart here, each with the reason.</param>
/// <param name="Missing">Our keys that no official key fills.</param>
/// <param name="ShapeMismatches">Keys whose shapes differ: "key: official (..) vs ours (..)".</param>
public sealed record KeyMapReport(IReadOnlyDictionary<string, string> Mapped, IReadOnlyDictionary<string, string> Unexpected,
    IReadOnlyList<string> Missing, IReadOnlyList<string> ShapeMismatches);

/// <summary>
/// Maps official MFuser_EVA_CLIP checkpoint keys (research §11) to this model. Our modules use the official names,
/// so every key maps to itself (the per-block RoPE tables <c>backbone.blocks.i.attn.rope.freqs_*</c> included: they share
/// one tensor here); the exceptions are the official-only parts this model replaces: the frozen text tower and its CoOp context
/// (replaced by the constant T0 buffer <c>text_embeddings</c>, which must be computed offline with that tower).
/// </summary>
public static class OfficialKeyMap
{
    private static readonly (Regex pattern, string reason)[] Dropped =
    [
        (new(@"^text_encoder\."), "frozen text tower: replaced by the precomputed constant T0 (text_embeddings)"),
        (new(@"^(contexts|random_text)$"), "text-tower input (CoOp context) / unused parameter"),
    ];

    /// <summary>Our key for an official one, or null with the reason it has none here.</summary>
    public static (string? ours, string? reason) Map(string official)
    {
        foreach (var (pattern, reason) in Dropped)
            if (pattern.IsMatch(official)) return (null, reason);
        return (official, null);
    }

    /// <summary>Our key back to the official one (the inverse on mapped keys).</summary>
    public static string ToOfficial(string ours) => ours;

    /// <summary>Compares an official state dict (names and shapes) with the model's.</summary>
    public static KeyMapReport Plan(IReadOnlyDictionary<string, long[]> official, IReadOnlyDictionary<string, long[]> ours)
    {
        var mapped = new Dictionary<string, string>();
        var unexpected = new Dictionary<string, string>();
        var mismatches = new List<string>();
        foreach (var (key, shape) in official)
        {
            var (target, reason) = Map(key);
            if (target is null) { unexpected[key] = reason!; continue; }
            if (!ours.TryGetValue(target, out var ourShape)) { unexpected[key] = "no such key in this model"; continue; }
            if (!shape.SequenceEqual(ourShape))
            {
                mismatches.Add($"{key}: official ({string.Join(",", shape)}) vs ours ({string.Join(",", ourShape)})");
                continue;
            }
            mapped[key] = target;
        }
        var filled = mapped.Values.ToHashSet();
        var missing = ours.Keys.Where(k => !filled.Contains(k)).OrderBy(k => k).ToList();
        return new KeyMapReport(mapped, unexpected, missing, mismatches);
    }

    /// <summary>Our state dict's names and shapes (parameters and persistent buffers).</summary>
    public static Dictionary<string, long[]> Shapes(MFuserModel model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    /// <summary>
    /// Loads an official checkpoint (<c>.pth</c> via TorchSharp.PyBridge's unpickler, mmcv's {"state_dict": …} nesting
    /// accepted; or <c>.safetensors</c>) into <paramref name="model"/>; returns the report of what did not map.
    /// </summary>
    public static KeyMapReport Load(MFuserModel model, string path)
    {
        var official = ReadStateDict(path);
        var report = Plan(official.ToDictionary(kv => kv.Key, kv => kv.Value.shape), Shapes(model));
        var ours = model.state_dict();
        using (no_grad())
            foreach (var (from, to) in report.Mapped) ours[to].copy_(official[from]);
        return report;
    }

    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return Safetensors.LoadStateDict(path);
        using var stream = File.OpenRead(path);
        var table = PyTorchUnpickler.UnpickleStateDict(stream);
        if (table["state_dict"] is Hashtable nested) table = nested;
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry e in table)
            if (e.Value is Tensor t) result[(string)e.Key] = t;
        if (result.Count == 0) throw new InvalidDataException($"{path}: no tensors found (expected a state dict or mmcv {{\"state_dict\": …}})");
        return result;
    }
}
