namespace MFuser.Training.Augmentation;

/// <summary>mmseg <c>RandomFlip</c> (horizontal): mirrors image and labels together with probability <see cref="Probability"/>.</summary>
public sealed record RandomFlip(double Probability = 0.5)
{
    public Frame Apply(Frame f, Random rng) => rng.NextDouble() < Probability ? Mirror(f) : f;

    public static Frame Mirror(Frame f)
    {
        var r = new Frame(f.Width, f.Height);
        for (int y = 0; y < f.Height; y++)
        {
            int row = y * f.Width;
            for (int x = 0; x < f.Width; x++)
            {
                int s = row + x, d = row + f.Width - 1 - x;
                r.Labels[d] = f.Labels[s];
                r.Bgr[d * 3] = f.Bgr[s * 3]; r.Bgr[d * 3 + 1] = f.Bgr[s * 3 + 1]; r.Bgr[d * 3 + 2] = f.Bgr[s * 3 + 2];
            }
        }
        return r;
    }
}
