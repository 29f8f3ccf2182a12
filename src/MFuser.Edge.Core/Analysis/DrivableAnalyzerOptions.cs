namespace MFuser.Edge.Core.Analysis;

/// <summary>How <see cref="DrivableAnalyzer"/> reads a label map. Fixed for a session.</summary>
public sealed record DrivableAnalyzerOptions
{
    /// <summary>Number of free-space column bins (LaserScan rays), 1 … image width. Without a calibration the bins
    /// split the image width evenly; with one they are evenly spaced in bearing.</summary>
    public int FreeSpaceBins { get; init; } = 32;

    /// <summary>Width of the ego corridor as a fraction of the image width, centred, used when there is no
    /// calibration (0 &lt; f ≤ 1).</summary>
    public double CorridorWidthFraction { get; init; } = 0.25;

    /// <summary>Width of the ego corridor on the ground in metres, centred on the camera, used with a calibration.</summary>
    public double CorridorWidthM { get; init; } = 2.0;

    /// <summary>A pixel counts as drivable only if its class is drivable and its confidence byte is at least this
    /// (0 = trust the arg-max everywhere; 128 ≈ max softmax probability ≥ 0.5).</summary>
    public byte MinDrivableConfidence { get; init; }

    /// <summary>Free space ends at the first run of this many consecutive non-drivable pixels (per column, and per row
    /// in the corridor): 1 stops at the first one; larger values step over thin mislabelled lines.</summary>
    public int MinObstacleRows { get; init; } = 1;

    /// <summary>LaserScan <c>range_max</c> in metres: the farthest range the scan reports as meaningful.</summary>
    public double MaxRangeM { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option, its value and what is allowed.</summary>
    public void Validate(int width)
    {
        if (FreeSpaceBins < 1 || FreeSpaceBins > width)
            throw new ArgumentException($"FreeSpaceBins = {FreeSpaceBins} is not allowed: must be 1 … image width ({width})");
        if (!(CorridorWidthFraction > 0 && CorridorWidthFraction <= 1))
            throw new ArgumentException($"CorridorWidthFraction = {CorridorWidthFraction} is not allowed: must be in (0, 1]");
        if (!(CorridorWidthM > 0 && double.IsFinite(CorridorWidthM)))
            throw new ArgumentException($"CorridorWidthM = {CorridorWidthM} is not allowed: must be a positive number of metres");
        if (MinObstacleRows < 1)
            throw new ArgumentException($"MinObstacleRows = {MinObstacleRows} is not allowed: must be ≥ 1");
        if (!(MaxRangeM > 0 && double.IsFinite(MaxRangeM)))
            throw new ArgumentException($"MaxRangeM = {MaxRangeM} is not allowed: must be a positive number of metres");
    }
}
