namespace MFuser.Onnx.Contract;

/// <summary>
/// The CPU twin of <see cref="ImagePreprocessing"/>: uint8 BGR interleaved pixels → RGB float planes, normalised as
/// the graph does (fixed mean/std, after the optional <see cref="InputAlignment"/>). Training batches, held-out
/// evaluation and the export parity check all go through here, so what the network learns is what the graph feeds it.
/// </summary>
public static class PixelNormalisation
{
    /// <summary>
    /// Per-channel (RGB) scale and shift that take this frame's bytes to model input: x·scale + shift. With an
    /// alignment, the frame statistics come from its top-left <paramref name="contentWidth"/>×<paramref name="contentHeight"/>
    /// pixels (a padded training frame counts only its content, as an unpadded camera frame would).
    /// </summary>
    public static (float[] Scale, float[] Shift) Of(ReadOnlySpan<byte> bgr, int width, int contentWidth, int contentHeight,
        IReadOnlyList<double> mean, IReadOnlyList<double> std, InputAlignment? alignment)
    {
        var scale = new float[3];
        var shift = new float[3];
        var (frameMean, frameStd) = alignment is null ? default : Statistics(bgr, width, contentWidth, contentHeight, alignment.Floor);
        for (var c = 0; c < 3; c++)
        {
            // aligned x' = (x − μ)·(refStd/σ) + refMean; normalised (x' − mean)/std
            double gain = alignment is null ? 1 : alignment.Std[c] / frameStd[c];
            double offset = alignment is null ? 0 : alignment.Mean[c] - frameMean[c] * gain;
            scale[c] = (float)(gain / std[c]);
            shift[c] = (float)((offset - mean[c]) / std[c]);
        }
        return (scale, shift);
    }

    /// <summary>Writes <paramref name="pixels"/> BGR pixels as three RGB planes of <paramref name="planes"/>.</summary>
    public static void ToPlanes(ReadOnlySpan<byte> bgr, int pixels, Span<float> planes, float[] scale, float[] shift)
    {
        if (bgr.Length < pixels * 3 || planes.Length < pixels * 3)
            throw new ArgumentException($"{pixels} pixels need {pixels * 3} bytes and floats, got {bgr.Length} and {planes.Length}");
        for (var p = 0; p < pixels; p++)
            for (var c = 0; c < 3; c++)
                planes[c * pixels + p] = bgr[p * 3 + 2 - c] * scale[c] + shift[c];
    }

    /// <summary>Per-channel (RGB) mean and floored spread √(var + floor²) over the content rectangle, two-pass as the graph.</summary>
    public static (double[] Mean, double[] Std) Statistics(ReadOnlySpan<byte> bgr, int width, int contentWidth, int contentHeight, double floor)
    {
        if (contentWidth < 1 || contentHeight < 1 || contentWidth > width || bgr.Length < (contentHeight - 1) * width * 3 + contentWidth * 3)
            throw new ArgumentException($"content {contentWidth}x{contentHeight} does not fit a frame {width} pixels wide of {bgr.Length} bytes");
        double n = (double)contentWidth * contentHeight;
        var mean = new double[3];
        var std = new double[3];
        for (var y = 0; y < contentHeight; y++)
            for (int x = 0, i = y * width * 3; x < contentWidth; x++, i += 3)
                for (var c = 0; c < 3; c++) mean[c] += bgr[i + 2 - c];
        for (var c = 0; c < 3; c++) mean[c] /= n;
        for (var y = 0; y < contentHeight; y++)
            for (int x = 0, i = y * width * 3; x < contentWidth; x++, i += 3)
                for (var c = 0; c < 3; c++)
                {
                    var d = bgr[i + 2 - c] - mean[c];
                    std[c] += d * d;
                }
        for (var c = 0; c < 3; c++) std[c] = Math.Sqrt(std[c] / n + floor * floor);
        return (mean, std);
    }
}
