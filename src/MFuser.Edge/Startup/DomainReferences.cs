using MFuser.Edge.Core.Config;
using MFuser.Edge.Inference;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Edge.Startup;

/// <summary>Where the daemon's in-domain reference comes from (docs/field-logging.md §2): the per-vehicle baseline
/// (<c>domain_shift.reference</c>, written by <c>calibrate-domain</c>) when the file exists, else the model package's
/// <c>domain_statistics</c>, else none (the monitor learns during its warm-up).</summary>
public static class DomainReferences
{
    /// <exception cref="ConfigException">The per-vehicle file exists but is not a valid reference.</exception>
    /// <exception cref="ModelPackageException">The package's statistics file is not a valid reference.</exception>
    public static ResolvedReference Resolve(DomainShiftConfig config, PackageDirectory package)
    {
        if (!config.Enabled)
            return new ResolvedReference(null, "off");
        if (config.Reference.Length > 0 && File.Exists(config.Reference))
        {
            try
            {
                var reference = DomainReferenceFile.Load(config.Reference);
                return new ResolvedReference(FitsTheModel(reference, package.Manifest, config.Reference), $"per-vehicle baseline {config.Reference}");
            }
            catch (FormatException e)
            {
                throw new ConfigException([new ConfigProblem(config.Reference, "domain_shift.reference", null, e.Message)]);
            }
        }
        if (package.DomainStatisticsPath is { } stats)
        {
            try
            {
                var reference = FitsTheModel(DomainReferenceFile.Load(stats), package.Manifest, stats);
                return new ResolvedReference(reference, $"model package statistics {stats}");
            }
            catch (FormatException e)
            {
                throw new ModelPackageException(stats, "domain statistics", $"a {DomainReferenceFile.Format} file", e.Message);
            }
        }
        return new ResolvedReference(null, $"none (learned during the first {config.Options.Warmup.TotalSeconds:0.#} s)");
    }

    /// <summary>A reference recorded with another model (a different embedding size) would fail on every frame.</summary>
    /// <exception cref="FormatException">The embedding sizes differ.</exception>
    private static DomainReference FitsTheModel(DomainReference reference, ModelManifest manifest, string path) =>
        reference.Embedding is { } e && e.Dimension != manifest.EmbeddingDim
            ? throw new FormatException($"{path}: its embedding reference has {e.Dimension} values, but model {manifest.Name} " +
                                        $"{manifest.Version} emits {manifest.EmbeddingDim}: it was recorded with another model " +
                                        "(record a new one with 'mfuser-edge calibrate-domain')")
            : reference;
}

/// <summary>The in-domain reference the monitor starts from (null: learned in the warm-up) and where it came from.</summary>
public sealed record ResolvedReference(DomainReference? Reference, string Origin);
