using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Core.Analysis;

/// <summary>
/// The drivable-area summary of one frame (docs/mqtt-api.md). One instance is owned by a <see cref="DrivableAnalyzer"/>
/// and overwritten by every <see cref="DrivableAnalyzer.Analyze"/> call: copy what you need before the next frame.
/// </summary>
public sealed class DrivableSummary
{
    internal DrivableSummary(IReadOnlyList<ClassInfo> classes, int width, int height, FreeSpaceScan freeSpace, EgoCorridor corridor)
    {
        Classes = classes;
        Width = width;
        Height = height;
        ClassFractionsArray = new double[classes.Count];
        FreeSpace = freeSpace;
        EgoCorridor = corridor;
    }

    public IReadOnlyList<ClassInfo> Classes { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Fraction of all pixels that are drivable (drivable class and, if set, confident enough).</summary>
    public double DrivableFraction { get; internal set; }

    /// <summary>Pixel fraction per class, in the order of <see cref="Classes"/>.</summary>
    public ReadOnlySpan<double> ClassFractions => ClassFractionsArray;

    /// <summary>Fraction of pixels whose label is not in the class table (e.g. 255 = ignore).</summary>
    public double UnknownFraction { get; internal set; }

    /// <summary>Mean of the confidence output scaled to [0, 1] (mean max softmax probability, quantised to 1/255).</summary>
    public double ConfidenceMean { get; internal set; }

    /// <summary>Mean of <see cref="PredictionEntropy.Normalized"/> over all pixels, in [0, 1].</summary>
    public double EntropyMean { get; internal set; }

    public FreeSpaceScan FreeSpace { get; }
    public EgoCorridor EgoCorridor { get; }

    internal double[] ClassFractionsArray { get; }
}

/// <summary>
/// Per column bin: where drivable space ends scanning upward from the bottom of the image and what ends it; with a
/// calibration also the bin's bearing and ground range (a <c>sensor_msgs/LaserScan</c>-shaped polar scan).
/// Bins are indexed left to right in the image.
/// </summary>
public sealed class FreeSpaceScan
{
    internal FreeSpaceScan(int bins, int[] edges, bool hasGeometry)
    {
        Count = bins;
        ColumnEdges = edges;
        HasGeometry = hasGeometry;
        RowsArray = new int[bins];
        ClassIdsArray = new int[bins];
        RangesArray = new double[bins];
        BearingsArray = new double[bins];
    }

    public int Count { get; }

    /// <summary>Bin i covers image columns [ColumnEdges[i], ColumnEdges[i+1]); Count + 1 entries.</summary>
    public IReadOnlyList<int> ColumnEdges { get; }

    /// <summary>Per bin, the image row of the first non-drivable pixel met scanning upward (the foot of whatever
    /// ends the free space; the nearest one among the bin's columns). −1: drivable up to the top of the image.
    /// Height − 1: blocked right at the bottom row.</summary>
    public ReadOnlySpan<int> Rows => RowsArray;

    /// <summary>Per bin, the class id at <see cref="Rows"/>; −1 when the bin is free to the top.</summary>
    public ReadOnlySpan<int> ClassIds => ClassIdsArray;

    /// <summary>True when a calibration supplies bearings and ranges.</summary>
    public bool HasGeometry { get; }

    /// <summary>Per bin, the bearing of the bin's centre from the intrinsics, radians, left positive (NaN without
    /// calibration). Bins are evenly spaced: bearing[i] = <see cref="AngleLeft"/> − i·<see cref="AngleIncrement"/>.</summary>
    public ReadOnlySpan<double> Bearings => BearingsArray;

    /// <summary>Per bin, the ground distance in metres from the point below the camera to where the free space
    /// ends (the lower edge of the row in <see cref="Rows"/>, at the bin's centre column). NaN without calibration,
    /// when the bin is free to the top, or when the boundary lies on or above the horizon.</summary>
    public ReadOnlySpan<double> Ranges => RangesArray;

    /// <summary>Bearing of bin 0 (the leftmost, largest angle), radians.</summary>
    public double AngleLeft { get; internal set; } = double.NaN;

    /// <summary>Angle between neighbouring bin centres, radians (&gt; 0).</summary>
    public double AngleIncrement { get; internal set; } = double.NaN;

    /// <summary>The nearest ground range any bin can report (the bottom edge of the image), metres.</summary>
    public double RangeMin { get; internal set; } = double.NaN;

    /// <summary><see cref="DrivableAnalyzerOptions.MaxRangeM"/>.</summary>
    public double RangeMax { get; internal set; } = double.NaN;

    internal int[] RowsArray { get; }
    internal int[] ClassIdsArray { get; }
    internal double[] RangesArray { get; }
    internal double[] BearingsArray { get; }
}

/// <summary>The clear stretch straight ahead inside the vehicle's corridor.</summary>
public sealed class EgoCorridor
{
    /// <summary>The image row where the corridor is first blocked scanning upward (−1: clear to its far end).</summary>
    public int Row { get; internal set; } = -1;

    /// <summary>Number of clear rows above the bottom of the image: Height − 1 − Row, or the corridor's full row count
    /// when clear.</summary>
    public int ClearRows { get; internal set; }

    /// <summary>The most frequent non-drivable class in the blocking row (ties → lowest id); −1 when clear.</summary>
    public int ClassId { get; internal set; } = -1;

    /// <summary>Forward ground distance (X, metres) to the blocking row at the corridor's centre; NaN without
    /// calibration or when clear.</summary>
    public double RangeM { get; internal set; } = double.NaN;
}
