namespace MFuser.Training.Augmentation;

/// <summary>
/// mmseg <c>Pad</c> to a fixed size: the frame stays at the top-left, the rest is filled with
/// <see cref="Bgr"/> in the image and 255 (ignore) in the labels. mmseg pads after Normalize with 0, i.e. with
/// the normalisation mean; the pipeline passes the CLIP mean rounded to bytes (≤ 0.01 std from 0 after normalising).
/// The padded frame remembers its content size, so input alignment measures the real image only.
/// </summary>
public sealed record Pad(int Width, int Height, byte B, byte G, byte R)
{
    public Frame Apply(Frame f)
    {
        if (f.Width > Width || f.Height > Height)
            throw new ArgumentException($"cannot pad a {f.Width}x{f.Height} frame to {Width}x{Height}");
        if (f.Width == Width && f.Height == Height) return f;
        var r = new Frame(Width, Height) { Content = (f.Width, f.Height) };
        Array.Fill(r.Labels, Frame.Ignore);
        for (int p = 0; p < Width * Height; p++) { r.Bgr[p * 3] = B; r.Bgr[p * 3 + 1] = G; r.Bgr[p * 3 + 2] = R; }
        for (int y = 0; y < f.Height; y++)
        {
            Array.Copy(f.Bgr, y * f.Width * 3, r.Bgr, y * Width * 3, f.Width * 3);
            Array.Copy(f.Labels, y * f.Width, r.Labels, y * Width, f.Width);
        }
        return r;
    }
}
