namespace MFuser.ModelPackage.DomainStatistics;

/// <summary>Cheap appearance statistics of one camera frame, on a grey grid sampled from the BGR bytes.</summary>
/// <param name="Brightness">Mean luma, 0 (black) … 1 (white).</param>
/// <param name="Contrast">Standard deviation of luma, 0 … 0.5.</param>
/// <param name="Sharpness">Variance of the 4-neighbour Laplacian of the grey grid, in grey levels²
/// (the usual blur measure; fog, rain and night lower it).</param>
public readonly record struct ImageStats(double Brightness, double Contrast, double Sharpness);

/// <summary>
/// Computes <see cref="ImageStats"/> from an interleaved BGR frame (OpenCV's order, <c>H·W·3</c> bytes). The frame is
/// sampled on a grid of about <see cref="TargetWidth"/> columns (one pixel, the block centre, per step×step block), so
/// a 1280×720 frame costs ~10 k pixel reads. Luma is BT.601 (<c>(29·B + 150·G + 77·R) / 256</c>). Built once per
/// resolution; the grid buffer is allocated once, so <see cref="Compute"/> allocates nothing. Not thread-safe.
/// </summary>
public sealed class ImageStatistics
{
    /// <summary>Default grid width in samples.</summary>
    public const int TargetWidth = 128;

    private readonly int _width, _height, _step, _gridWidth, _gridHeight;
    private readonly byte[] _grid;

    public ImageStatistics(int width, int height, int targetWidth = TargetWidth)
    {
        if (width < 3 || height < 3)
            throw new ArgumentOutOfRangeException(nameof(width), $"frame {width}x{height} is too small: need at least 3x3");
        if (targetWidth < 3)
            throw new ArgumentOutOfRangeException(nameof(targetWidth), $"targetWidth = {targetWidth}: need ≥ 3");
        _width = width;
        _height = height;
        _step = Math.Max(1, width / targetWidth);
        _gridWidth = width / _step;
        _gridHeight = height / _step;
        if (_gridHeight < 3)
            throw new ArgumentOutOfRangeException(nameof(height), $"frame {width}x{height} gives a {_gridWidth}x{_gridHeight} grid: need ≥ 3 rows");
        _grid = new byte[_gridWidth * _gridHeight];
    }

    /// <summary>Sampling step in pixels (both axes).</summary>
    public int Step => _step;

    /// <summary>The statistics of <paramref name="bgr"/> (exactly width·height·3 bytes).</summary>
    public ImageStats Compute(ReadOnlySpan<byte> bgr)
    {
        if (bgr.Length != _width * _height * 3)
            throw new ArgumentException($"frame has {bgr.Length} bytes, expected {_width}x{_height}x3 = {_width * _height * 3}");
        var grid = _grid.AsSpan();
        var half = _step / 2;
        long sum = 0, sumSq = 0;
        for (var gy = 0; gy < _gridHeight; gy++)
        {
            var row = bgr.Slice(((gy * _step + half) * _width + half) * 3);
            var outRow = grid.Slice(gy * _gridWidth, _gridWidth);
            for (var gx = 0; gx < outRow.Length; gx++)
            {
                var p = gx * _step * 3;
                var y = (29 * row[p] + 150 * row[p + 1] + 77 * row[p + 2]) >> 8;
                outRow[gx] = (byte)y;
                sum += y;
                sumSq += y * y;
            }
        }
        var n = (double)grid.Length;
        var mean = sum / n;
        var variance = Math.Max(0, sumSq / n - mean * mean);

        long lapSum = 0, lapSq = 0;
        for (var gy = 1; gy < _gridHeight - 1; gy++)
        {
            var up = grid.Slice((gy - 1) * _gridWidth, _gridWidth);
            var mid = grid.Slice(gy * _gridWidth, _gridWidth);
            var down = grid.Slice((gy + 1) * _gridWidth, _gridWidth);
            for (var gx = 1; gx < _gridWidth - 1; gx++)
            {
                var lap = up[gx] + down[gx] + mid[gx - 1] + mid[gx + 1] - 4 * mid[gx];
                lapSum += lap;
                lapSq += lap * lap;
            }
        }
        var m = (double)(_gridWidth - 2) * (_gridHeight - 2);
        var lapMean = lapSum / m;
        return new ImageStats(mean / 255, Math.Sqrt(variance) / 255, Math.Max(0, lapSq / m - lapMean * lapMean));
    }
}
