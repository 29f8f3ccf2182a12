namespace MFuser.Training.Augmentation;

/// <summary>
/// One training sample on the byte level, as the data pipeline transforms it: BGR interleaved (H·W·3, OpenCV's
/// order, as rendered) and Cityscapes train-id labels (H·W, 255 = ignore). Transforms return new frames.
/// </summary>
public sealed class Frame
{
    /// <summary>Label value of pixels that carry no class (padding, unlabelled).</summary>
    public const byte Ignore = 255;

    public int Width { get; }
    public int Height { get; }
    public byte[] Bgr { get; }
    public byte[] Labels { get; }

    /// <summary>Size of the real image at the top-left; the rest is padding (<see cref="Pad"/>). The whole frame by default.</summary>
    public (int Width, int Height) Content
    {
        get => _content ?? (Width, Height);
        init => _content = value.Width >= 1 && value.Height >= 1 && value.Width <= Width && value.Height <= Height
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Content), $"content {value.Width}x{value.Height} outside the {Width}x{Height} frame");
    }

    private readonly (int Width, int Height)? _content;

    public Frame(int width, int height) : this(width, height, new byte[width * height * 3], new byte[width * height]) { }

    /// <exception cref="ArgumentException">The buffers do not hold width·height pixels.</exception>
    public Frame(int width, int height, byte[] bgr, byte[] labels)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height} must be positive");
        if (bgr.Length != width * height * 3)
            throw new ArgumentException($"bgr has {bgr.Length} bytes, a {width}x{height} frame needs {width * height * 3}", nameof(bgr));
        if (labels.Length != width * height)
            throw new ArgumentException($"labels has {labels.Length} bytes, a {width}x{height} frame needs {width * height}", nameof(labels));
        Width = width; Height = height; Bgr = bgr; Labels = labels;
    }

    /// <summary>Pixels per class id (index 0..254; 255 = ignore counted at index 255).</summary>
    public int[] LabelHistogram()
    {
        var counts = new int[256];
        foreach (var l in Labels) counts[l]++;
        return counts;
    }

    /// <summary>The rectangle [x0, x0+w) × [y0, y0+h), which must lie inside the frame.</summary>
    public Frame Crop(int x0, int y0, int w, int h)
    {
        if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > Width || y0 + h > Height)
            throw new ArgumentOutOfRangeException(nameof(x0), $"crop {w}x{h}+{x0}+{y0} outside the {Width}x{Height} frame");
        var r = new Frame(w, h);
        for (int y = 0; y < h; y++)
        {
            Array.Copy(Bgr, ((y0 + y) * Width + x0) * 3, r.Bgr, y * w * 3, w * 3);
            Array.Copy(Labels, (y0 + y) * Width + x0, r.Labels, y * w, w);
        }
        return r;
    }
}
