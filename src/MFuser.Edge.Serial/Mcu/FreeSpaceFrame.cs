using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Serial.Mcu;

/// <summary>Bits of <see cref="FreeSpaceFrame.Flags"/> (byte 1 of the wire payload, docs/serial-protocol.md).</summary>
[Flags]
public enum FreeSpaceFlags : byte
{
    None = 0,

    /// <summary>A camera calibration is present: ranges are metric.</summary>
    HasRanges = 1 << 0,

    /// <summary>The ego corridor is clear to its far end.</summary>
    CorridorClear = 1 << 1,

    /// <summary>A fresh GPS fix was available for this frame.</summary>
    GpsFix = 1 << 2,

    /// <summary>A domain-shift episode is open: treat the segmentation with extra caution.</summary>
    DomainShift = 1 << 3,
}

/// <summary>
/// One processed frame's free space as the MCU receives it: a reusable buffer (allocate one per link user and refill
/// it each frame with <see cref="CopyFrom"/>). Rows use −1 for "free to the top of the image", class ids −1 for
/// "none", ranges NaN for "unknown".
/// </summary>
public sealed class FreeSpaceFrame
{
    /// <summary>The most bins one frame carries (the count is one byte on the wire).</summary>
    public const int MaxBins = 255;

    public long FrameId { get; set; }

    /// <summary>Capture time, microseconds since the Unix epoch (UTC).</summary>
    public long CapturedAtUnixMicros { get; set; }

    public FreeSpaceFlags Flags { get; set; }

    public int ImageWidth { get; set; }
    public int ImageHeight { get; set; }

    /// <summary>Clear rows above the bottom of the image inside the ego corridor.</summary>
    public int CorridorClearRows { get; set; }

    /// <summary>Clear forward distance in metres (NaN without calibration or when clear).</summary>
    public double CorridorRangeM { get; set; } = double.NaN;

    /// <summary>The class blocking the corridor (−1 when clear).</summary>
    public int CorridorClassId { get; set; } = -1;

    /// <summary>Number of valid entries in <see cref="Rows"/>, <see cref="ClassIds"/>, <see cref="RangesM"/>.</summary>
    public int BinCount { get; set; }

    public int[] Rows { get; } = new int[MaxBins];
    public int[] ClassIds { get; } = new int[MaxBins];
    public double[] RangesM { get; } = new double[MaxBins];

    /// <summary>Copies one frame's analysis result (no allocation). <paramref name="extraFlags"/> adds
    /// <see cref="FreeSpaceFlags.GpsFix"/> / <see cref="FreeSpaceFlags.DomainShift"/>, which the summary does not know.</summary>
    public void CopyFrom(DrivableSummary summary, long frameId, DateTimeOffset capturedAt, FreeSpaceFlags extraFlags = FreeSpaceFlags.None)
    {
        var scan = summary.FreeSpace;
        if (scan.Count > MaxBins)
            throw new ArgumentException($"free-space scan has {scan.Count} bins; the MCU frame carries at most {MaxBins}", nameof(summary));
        FrameId = frameId;
        CapturedAtUnixMicros = (capturedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        ImageWidth = summary.Width;
        ImageHeight = summary.Height;
        var corridor = summary.EgoCorridor;
        CorridorClearRows = corridor.ClearRows;
        CorridorRangeM = corridor.RangeM;
        CorridorClassId = corridor.ClassId;
        Flags = extraFlags & (FreeSpaceFlags.GpsFix | FreeSpaceFlags.DomainShift);
        if (scan.HasGeometry)
            Flags |= FreeSpaceFlags.HasRanges;
        if (corridor.Row < 0)
            Flags |= FreeSpaceFlags.CorridorClear;
        BinCount = scan.Count;
        scan.Rows.CopyTo(Rows);
        scan.ClassIds.CopyTo(ClassIds);
        scan.Ranges.CopyTo(RangesM);
    }
}
