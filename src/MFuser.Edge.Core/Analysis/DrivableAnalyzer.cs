using MFuser.Edge.Core.Calibration;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Core.Analysis;

/// <summary>
/// Turns the model's <c>labels</c> and <c>confidence</c> maps (H·W bytes each, row-major) into a
/// <see cref="DrivableSummary"/>: drivable fraction, free space per column bin, the ego corridor, class fractions and
/// the confidence/entropy means. Built once per session (class table, model resolution, options, optional
/// calibration); all geometry is precomputed, and <see cref="Analyze"/> reads every pixel once, bottom row first,
/// and allocates nothing. Not thread-safe: one analyzer per inference loop.
/// </summary>
public sealed class DrivableAnalyzer
{
    private readonly int _width, _height;
    private readonly DrivableAnalyzerOptions _options;
    private readonly bool[] _drivable = new bool[256];
    private readonly double[] _entropy;
    private readonly long[] _labelHistogram = new long[256];
    private readonly long[] _confidenceHistogram = new long[256];
    private readonly int[] _blockCounts = new int[256];
    private readonly bool[] _rowDrivable;

    // Free space: per column state while scanning upward, and the bin → column mapping.
    private readonly int[] _columnRow, _columnClass, _columnRun, _columnRunStart;
    private readonly int[] _binEdges;
    private readonly double[] _binRangeByRow; // [bin * height + row], NaN when not on the ground

    // Ego corridor: per row the column span [start, end) (end ≤ start: no corridor in that row).
    private readonly int[] _corridorStart, _corridorEnd;
    private readonly double[] _corridorRangeByRow;
    private readonly int _corridorRows;

    public DrivableAnalyzer(IReadOnlyList<ClassInfo> classes, int width, int height, DrivableAnalyzerOptions options,
        CameraCalibration? calibration = null)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"model resolution must be positive, got {width}x{height}");
        if (classes.Count < 2)
            throw new ArgumentException($"the class table needs at least 2 classes, got {classes.Count}");
        foreach (var c in classes)
            if (c.Id is < 0 or > 254)
                throw new ArgumentException($"class '{c.Name}' has id {c.Id}; ids must lie in 0 … 254 (255 = ignore)");
        options.Validate(width);
        (_width, _height, _options) = (width, height, options);
        foreach (var c in classes)
            _drivable[c.Id] = c.Drivable;
        _entropy = PredictionEntropy.Table(classes.Count);

        _rowDrivable = new bool[width];
        _columnRow = new int[width];
        _columnClass = new int[width];
        _columnRun = new int[width];
        _columnRunStart = new int[width];
        _corridorStart = new int[height];
        _corridorEnd = new int[height];

        var projector = calibration is null ? null : new GroundProjector(calibration.ScaledTo(width, height));
        Projector = projector;
        FreeSpaceScan scan;
        if (projector is null)
        {
            _binEdges = new int[options.FreeSpaceBins + 1];
            for (var k = 0; k <= options.FreeSpaceBins; k++)
                _binEdges[k] = (int)((long)k * width / options.FreeSpaceBins);
            scan = new FreeSpaceScan(options.FreeSpaceBins, _binEdges, hasGeometry: false);
            _binRangeByRow = [];
            Array.Fill(scan.RangesArray, double.NaN);
            Array.Fill(scan.BearingsArray, double.NaN);
        }
        else
        {
            scan = BuildCalibratedBins(projector, out _binEdges, out _binRangeByRow);
        }

        _corridorRangeByRow = new double[height];
        _corridorRows = projector is null ? BuildImageCorridor() : BuildGroundCorridor(projector);
        Summary = new DrivableSummary(classes, width, height, scan, new EgoCorridor());
    }

    /// <summary>The summary every <see cref="Analyze"/> call overwrites.</summary>
    public DrivableSummary Summary { get; }

    /// <summary>The camera geometry at model resolution, or null without a calibration.</summary>
    public GroundProjector? Projector { get; }

    /// <summary>Analyses one frame into <see cref="Summary"/> and returns it.</summary>
    public DrivableSummary Analyze(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> confidence)
    {
        var n = _width * _height;
        if (labels.Length != n)
            throw new ArgumentException($"labels has {labels.Length} bytes, expected {_width}x{_height} = {n}");
        if (confidence.Length != n)
            throw new ArgumentException($"confidence has {confidence.Length} bytes, expected {_width}x{_height} = {n}");

        Array.Clear(_labelHistogram);
        Array.Clear(_confidenceHistogram);
        Array.Fill(_columnRow, int.MinValue); // MinValue: column still open
        Array.Clear(_columnRun);
        var minConfidence = _options.MinDrivableConfidence;
        var minRun = _options.MinObstacleRows;
        long drivableCount = 0;
        int openColumns = _width, corridorRun = 0, corridorBlockedRow = -1;
        bool corridorOpen = true, corridorBlocked = false;

        var labelHistogram = _labelHistogram;
        var confidenceHistogram = _confidenceHistogram;
        var isDrivableClass = _drivable;
        var rowDrivable = _rowDrivable;
        for (var y = _height - 1; y >= 0; y--)
        {
            // Pass 1 over the row: histograms, and which pixels are drivable.
            var rowLabels = labels.Slice(y * _width, _width);
            var rowConfidence = confidence.Slice(y * _width, _width);
            for (var x = 0; x < rowLabels.Length; x++)
            {
                var label = rowLabels[x];
                var conf = rowConfidence[x];
                labelHistogram[label]++;
                confidenceHistogram[conf]++;
                var drivable = isDrivableClass[label] & (conf >= minConfidence);
                rowDrivable[x] = drivable;
                drivableCount += drivable ? 1 : 0;
            }

            // Ego corridor: blocked if any pixel of its span in this row is not drivable.
            var corridorStart = _corridorStart[y];
            var corridorEnd = _corridorEnd[y];
            if (corridorOpen && corridorEnd <= corridorStart)
                corridorOpen = false; // the corridor ended (horizon or range limit) before anything blocked it
            if (corridorOpen)
            {
                if (rowDrivable.AsSpan(corridorStart, corridorEnd - corridorStart).Contains(false))
                {
                    if (corridorRun++ == 0)
                        corridorBlockedRow = y;
                    if (corridorRun >= minRun)
                        (corridorOpen, corridorBlocked) = (false, true);
                }
                else
                    corridorRun = 0;
            }

            // Free space: per still-open column, the run of non-drivable pixels above the drivable stretch.
            if (openColumns == 0)
                continue;
            for (var x = 0; x < rowDrivable.Length; x++)
            {
                if (_columnRow[x] != int.MinValue)
                    continue;
                if (rowDrivable[x])
                {
                    _columnRun[x] = 0;
                    continue;
                }
                if (_columnRun[x]++ == 0)
                    _columnRunStart[x] = y;
                if (_columnRun[x] >= minRun)
                {
                    var foot = _columnRunStart[x];
                    _columnRow[x] = foot;
                    _columnClass[x] = labels[foot * _width + x];
                    openColumns--;
                }
            }
        }

        FillStatistics(n, drivableCount);
        FillFreeSpace();
        FillCorridor(labels, confidence, corridorBlocked ? corridorBlockedRow : -1);
        return Summary;
    }

    private void FillStatistics(int n, long drivableCount)
    {
        var s = Summary;
        s.DrivableFraction = (double)drivableCount / n;
        long known = 0;
        for (var i = 0; i < s.Classes.Count; i++)
        {
            var count = _labelHistogram[s.Classes[i].Id];
            known += count;
            s.ClassFractionsArray[i] = (double)count / n;
        }
        s.UnknownFraction = (double)(n - known) / n;
        (s.ConfidenceMean, s.EntropyMean) = PredictionEntropy.Means(_confidenceHistogram, _entropy, n);
    }

    private void FillFreeSpace()
    {
        var scan = Summary.FreeSpace;
        for (var b = 0; b < scan.Count; b++)
        {
            int row = -1, cls = -1;
            for (var x = _binEdges[b]; x < _binEdges[b + 1]; x++)
            {
                var r = _columnRow[x];
                if (r != int.MinValue && r > row)
                    (row, cls) = (r, _columnClass[x]);
            }
            scan.RowsArray[b] = row;
            scan.ClassIdsArray[b] = cls;
            if (scan.HasGeometry)
                scan.RangesArray[b] = row < 0 ? double.NaN : _binRangeByRow[b * _height + row];
        }
    }

    private void FillCorridor(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> confidence, int blockedRow)
    {
        var corridor = Summary.EgoCorridor;
        corridor.Row = blockedRow;
        if (blockedRow < 0)
        {
            corridor.ClearRows = _corridorRows;
            corridor.ClassId = -1;
            corridor.RangeM = double.NaN;
            return;
        }
        corridor.ClearRows = _height - 1 - blockedRow;
        corridor.RangeM = _corridorRangeByRow[blockedRow];
        Array.Clear(_blockCounts);
        var offset = blockedRow * _width;
        for (var x = _corridorStart[blockedRow]; x < _corridorEnd[blockedRow]; x++)
        {
            var label = labels[offset + x];
            if (!(_drivable[label] && confidence[offset + x] >= _options.MinDrivableConfidence))
                _blockCounts[label]++;
        }
        var best = 0;
        for (var id = 1; id < 256; id++)
            if (_blockCounts[id] > _blockCounts[best])
                best = id;
        corridor.ClassId = best;
    }

    /// <summary>Centred band of the image, all rows.</summary>
    private int BuildImageCorridor()
    {
        var w = Math.Max(1, (int)Math.Round(_options.CorridorWidthFraction * _width));
        var start = (_width - w) / 2;
        Array.Fill(_corridorStart, start);
        Array.Fill(_corridorEnd, start + w);
        Array.Fill(_corridorRangeByRow, double.NaN);
        return _height;
    }

    /// <summary>The pixels whose ground point lies within ±width/2 of the camera's axis, ahead of it and within
    /// range; per row the span from the leftmost to the rightmost such pixel. Rows from the bottom up to the first
    /// row without any (the horizon or the range limit) form the corridor.</summary>
    private int BuildGroundCorridor(GroundProjector projector)
    {
        var halfWidth = _options.CorridorWidthM / 2;
        var rows = 0;
        var ended = false;
        for (var y = _height - 1; y >= 0; y--)
        {
            int start = int.MaxValue, end = int.MinValue;
            if (!ended)
                for (var x = 0; x < _width; x++)
                    if (projector.TryProjectToGround(x, y, out var fwd, out var left) && fwd > 0 && fwd <= _options.MaxRangeM &&
                        Math.Abs(left) <= halfWidth)
                    {
                        start = Math.Min(start, x);
                        end = Math.Max(end, x + 1);
                    }
            if (ended || end <= start)
            {
                ended = true;
                _corridorStart[y] = _corridorEnd[y] = 0;
                _corridorRangeByRow[y] = double.NaN;
                continue;
            }
            rows++;
            _corridorStart[y] = start;
            _corridorEnd[y] = end;
            _corridorRangeByRow[y] = projector.TryProjectToGround(0.5 * (start + end - 1), y + 0.5, out var f, out _) ? f : double.NaN;
        }
        return rows;
    }

    /// <summary>Bins evenly spaced in bearing between the image's left and right edges; each bin's range table holds
    /// the ground distance of the lower edge of every row at the bin's centre bearing.</summary>
    private FreeSpaceScan BuildCalibratedBins(GroundProjector projector, out int[] edges, out double[] rangeByRow)
    {
        var bins = _options.FreeSpaceBins;
        var left = projector.AzimuthOfColumn(-0.5);
        var right = projector.AzimuthOfColumn(_width - 0.5);
        var increment = (left - right) / bins;
        edges = new int[bins + 1];
        for (var k = 1; k < bins; k++)
            edges[k] = (int)Math.Ceiling(projector.ColumnOfAzimuth(left - k * increment));
        edges[bins] = _width;
        for (var k = 1; k <= bins; k++)
            if (edges[k] <= edges[k - 1])
                throw new ArgumentException(
                    $"FreeSpaceBins = {bins} is too many for a {_width}-pixel-wide image with this calibration: bin {k - 1} would hold no column");

        var scan = new FreeSpaceScan(bins, edges, hasGeometry: true)
        {
            AngleLeft = left - 0.5 * increment,
            AngleIncrement = increment,
            RangeMax = _options.MaxRangeM,
        };
        rangeByRow = new double[bins * _height];
        var rangeMin = double.PositiveInfinity;
        for (var b = 0; b < bins; b++)
        {
            var bearing = left - (b + 0.5) * increment;
            scan.BearingsArray[b] = bearing;
            var u = projector.ColumnOfAzimuth(bearing);
            for (var y = 0; y < _height; y++)
            {
                var range = projector.TryProjectToGround(u, y + 0.5, out var fwd, out var lft) && fwd > 0
                    ? Math.Sqrt(fwd * fwd + lft * lft)
                    : double.NaN;
                rangeByRow[b * _height + y] = range;
            }
            var bottom = rangeByRow[b * _height + _height - 1];
            if (bottom < rangeMin)
                rangeMin = bottom;
        }
        scan.RangeMin = double.IsFinite(rangeMin) ? rangeMin : double.NaN;
        Array.Fill(scan.RangesArray, double.NaN);
        return scan;
    }
}
