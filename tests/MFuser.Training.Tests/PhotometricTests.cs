using MFuser.Training.Augmentation;
using OpenCvSharp;

namespace MFuser.Training.Tests;

/// <summary>PhotoMetricDistortion: mmseg's ranges, probabilities, order, and OpenCV's 8-bit HSV conversions.</summary>
public class PhotometricTests
{
    private static byte[] RandomBgr(int pixels, int seed)
    {
        var b = new byte[pixels * 3];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void Draws_stay_in_mmseg_ranges_and_each_step_fires_half_of_the_time()
    {
        var pmd = new PhotoMetricDistortion();
        var rng = new Random(9);
        var draws = Enumerable.Range(0, 4000).Select(_ => pmd.Sample(rng)).ToList();
        void Rate(Func<PhotometricDraw, bool> fired, string what)
        {
            double r = draws.Count(fired) / (double)draws.Count;
            Assert.True(r is > 0.46 and < 0.54, $"{what} fired in {r:P1} of draws");
        }
        Rate(d => d.Brightness is not null, "brightness");
        Rate(d => d.Contrast is not null, "contrast");
        Rate(d => d.Saturation is not null, "saturation");
        Rate(d => d.Hue is not null, "hue");
        Rate(d => d.ContrastFirst, "contrast-first mode");
        Assert.All(draws.Where(d => d.Brightness is not null), d => Assert.InRange(d.Brightness!.Value, -32, 32));
        Assert.All(draws.Where(d => d.Contrast is not null), d => Assert.InRange(d.Contrast!.Value, 0.5, 1.5));
        Assert.All(draws.Where(d => d.Saturation is not null), d => Assert.InRange(d.Saturation!.Value, 0.5, 1.5));
        var hues = draws.Where(d => d.Hue is not null).Select(d => d.Hue!.Value).ToList();
        Assert.Equal((-18, 17), (hues.Min(), hues.Max()));   // numpy randint(-18, 18): upper bound exclusive
        Assert.True(draws.Where(d => d.Brightness is not null).Max(d => d.Brightness!.Value) > 30);
        Assert.True(draws.Where(d => d.Contrast is not null).Min(d => d.Contrast!.Value) < 0.52);
    }

    [Fact]
    public void Brightness_and_contrast_clip_and_truncate_like_mmcv_convert()
    {
        var img = new byte[] { 0, 10, 100, 200, 250, 255 };
        PhotoMetricDistortion.Affine(img, 1, 20.7);
        Assert.Equal(new byte[] { 20, 30, 120, 220, 255, 255 }, img);
        PhotoMetricDistortion.Affine(img, 0.5, 0);
        Assert.Equal(new byte[] { 10, 15, 60, 110, 127, 127 }, img);
        PhotoMetricDistortion.Affine(img, 1, -32);
        Assert.Equal(new byte[] { 0, 0, 28, 78, 95, 95 }, img);
    }

    [Fact]
    public void Contrast_goes_before_or_after_the_hsv_steps_as_the_mode_says()
    {
        var f = new Frame(32, 16, RandomBgr(512, 1), new byte[512]);
        var first = PhotoMetricDistortion.Apply(f, new PhotometricDraw(5, true, 1.4, null, 11));
        var last = PhotoMetricDistortion.Apply(f, new PhotometricDraw(5, false, 1.4, null, 11));
        byte[] Manual(bool contrastFirst)
        {
            var img = (byte[])f.Bgr.Clone();
            PhotoMetricDistortion.Affine(img, 1, 5);
            if (contrastFirst) PhotoMetricDistortion.Affine(img, 1.4, 0);
            PhotoMetricDistortion.Hue(img, 11);
            if (!contrastFirst) PhotoMetricDistortion.Affine(img, 1.4, 0);
            return img;
        }
        Assert.Equal(Manual(true), first.Bgr);
        Assert.Equal(Manual(false), last.Bgr);
        Assert.NotEqual(first.Bgr, last.Bgr);
        Assert.Same(f.Labels, first.Labels);
        Assert.Equal(f.Bgr, PhotoMetricDistortion.Apply(f, new PhotometricDraw(null, true, null, null, null)).Bgr);
    }

    [Fact]
    public void Hue_and_saturation_move_colours_the_right_way()
    {
        var red = new byte[] { 0, 0, 255 };
        PhotoMetricDistortion.Hue(red, 60);                      // 0° + 120° = green
        Assert.Equal(new byte[] { 0, 255, 0 }, red);
        var colour = new byte[] { 40, 120, 200 };
        PhotoMetricDistortion.Saturation(colour, 0.0);           // no saturation: grey at the value (max channel)
        Assert.Equal(new byte[] { 200, 200, 200 }, colour);
        var pale = new byte[] { 100, 120, 140 };
        PhotoMetricDistortion.Saturation(pale, 1.5);
        Assert.True(pale[2] - pale[0] > 40, $"saturation ×1.5 should spread the channels, got {string.Join(",", pale)}");
    }

    [Fact]
    public void Hsv_conversions_match_OpenCV_byte_for_byte()
    {
        var bgr = RandomBgr(64 * 64, 2);
        // include greys, primaries and the extremes
        byte[][] special = [[0, 0, 0], [255, 255, 255], [128, 128, 128], [0, 0, 255], [0, 255, 0], [255, 0, 0], [1, 0, 0], [0, 1, 1]];
        for (int i = 0; i < special.Length; i++) special[i].CopyTo(bgr, i * 3);
        using var src = Mat.FromPixelData(64, 64, MatType.CV_8UC3, bgr);
        using var cvHsv = new Mat();
        Cv2.CvtColor(src, cvHsv, ColorConversionCodes.BGR2HSV);
        cvHsv.GetArray(out Vec3b[] expected);
        var ours = new byte[bgr.Length];
        Hsv.FromBgr(bgr, ours);
        Assert.Equal(expected.SelectMany(v => new[] { v.Item0, v.Item1, v.Item2 }).ToArray(), ours);

        using var back = new Mat();
        Cv2.CvtColor(cvHsv, back, ColorConversionCodes.HSV2BGR);
        back.GetArray(out Vec3b[] expectedBack);
        var oursBack = new byte[bgr.Length];
        Hsv.ToBgr(ours, oursBack);
        Assert.Equal(expectedBack.SelectMany(v => new[] { v.Item0, v.Item1, v.Item2 }).ToArray(), oursBack);
    }

    [Fact]
    public void Same_generator_seed_gives_the_same_distortion()
    {
        var f = new Frame(16, 16, RandomBgr(256, 3), new byte[256]);
        var pmd = new PhotoMetricDistortion();
        Assert.Equal(pmd.Apply(f, new Random(5)).Bgr, pmd.Apply(f, new Random(5)).Bgr);
        var distinct = Enumerable.Range(0, 20).Select(s => Convert.ToBase64String(pmd.Apply(f, new Random(s)).Bgr)).Distinct().Count();
        Assert.True(distinct > 15, $"only {distinct} distinct results from 20 seeds");
    }
}
