using MFuser.Training.Augmentation;

namespace MFuser.Training.Tests;

/// <summary>The data-pipeline transforms: shapes, label/image alignment, ranges and order, determinism.</summary>
public class AugmentationTests
{
    /// <summary>A frame of 8×8 blocks, each a random class painted in that class's own colour (see <see cref="Colour"/>).</summary>
    internal static Frame Blocks(int w, int h, int seed, int block = 8)
    {
        var rng = new Random(seed);
        var f = new Frame(w, h);
        int bw = (w + block - 1) / block;
        var classes = Enumerable.Range(0, bw * ((h + block - 1) / block)).Select(_ => (byte)rng.Next(19)).ToArray();
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            byte c = classes[y / block * bw + x / block];
            f.Labels[y * w + x] = c;
            (f.Bgr[(y * w + x) * 3], f.Bgr[(y * w + x) * 3 + 1], f.Bgr[(y * w + x) * 3 + 2]) = Colour(c);
        }
        return f;
    }

    internal static (byte B, byte G, byte R) Colour(int c) => ((byte)(c * 13), (byte)(255 - c * 11), (byte)(40 + c * 7));

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.37)]
    [InlineData(2.0)]
    public void Resize_gives_the_rounded_scaled_size_and_never_invents_labels(double ratio)
    {
        var f = Blocks(96, 48, 1);
        var (w, h) = RandomResize.ScaledSize(f.Width, f.Height, ratio);
        Assert.Equal(((int)(96 * ratio + 0.5), (int)(48 * ratio + 0.5)), (w, h));
        var r = RandomResize.Resize(f, w, h);
        Assert.Equal((w, h, w * h * 3, w * h), (r.Width, r.Height, r.Bgr.Length, r.Labels.Length));
        Assert.Subset(f.Labels.ToHashSet(), r.Labels.ToHashSet());
    }

    [Fact]
    public void Resize_ratios_cover_the_range_and_stay_inside_it()
    {
        var resize = new RandomResize();
        var rng = new Random(3);
        var ratios = Enumerable.Range(0, 4000).Select(_ => resize.SampleRatio(rng)).ToArray();
        Assert.All(ratios, r => Assert.InRange(r, 0.5, 2.0));
        Assert.True(ratios.Min() < 0.52 && ratios.Max() > 1.98, $"ratios span {ratios.Min():F3}..{ratios.Max():F3}");
        Assert.InRange(ratios.Average(), 1.2, 1.3);
    }

    [Fact]
    public void Labels_stay_aligned_with_the_image_through_resize_crop_and_flip()
    {
        var pipeline = new TrainPipeline(64, 32);
        int checkedPixels = 0, total = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var rng = new Random(seed);
            var f = pipeline.Resize.Apply(Blocks(96, 48, seed), rng);
            f = pipeline.Crop.Apply(f, rng);
            f = pipeline.Flip.Apply(f, rng);
            // Where the 3×3 neighbourhood has one label, bilinear interpolation only mixed pixels of that block:
            // the colour must be exactly the class colour. A shifted or unflipped label map breaks this.
            for (int y = 1; y < f.Height - 1; y++)
            for (int x = 1; x < f.Width - 1; x++)
            {
                total++;
                byte l = f.Labels[y * f.Width + x];
                bool uniform = true;
                for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) uniform &= f.Labels[(y + dy) * f.Width + x + dx] == l;
                if (!uniform) continue;
                checkedPixels++;
                var p = (y * f.Width + x) * 3;
                Assert.Equal(Colour(l), (f.Bgr[p], f.Bgr[p + 1], f.Bgr[p + 2]));
            }
        }
        Assert.True(checkedPixels > total / 3, $"only {checkedPixels} of {total} pixels were checkable");
    }

    [Fact]
    public void Crop_is_clipped_to_small_frames_and_cut_at_the_drawn_offset()
    {
        var f = Blocks(40, 20, 2);
        var small = new RandomCrop(64, 32).Apply(f, new Random(1));
        Assert.Equal((40, 20), (small.Width, small.Height));
        Assert.Equal(f.Labels, small.Labels);
        var c = f.Crop(5, 3, 10, 4);
        Assert.Equal(f.Labels[3 * 40 + 5], c.Labels[0]);
        Assert.Equal(f.Labels[6 * 40 + 14], c.Labels[^1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Crop(35, 0, 10, 4));
    }

    [Fact]
    public void Cat_max_ratio_rejects_crops_dominated_by_one_class()
    {
        // 200×10: columns < 150 road, ≥ 150 sky. A 60-wide crop is acceptable only for offsets 106..134 (~20 % of draws).
        var f = new Frame(200, 10);
        for (int i = 0; i < f.Labels.Length; i++) f.Labels[i] = (byte)(i % 200 < 150 ? 0 : 10);
        double Accepted(double catMax)
        {
            var crop = new RandomCrop(60, 10, catMax);
            var judge = new RandomCrop(60, 10);
            int ok = 0;
            for (int seed = 0; seed < 300; seed++)
            {
                var c = crop.Apply(f, new Random(seed));
                if (judge.Acceptable(c, 0, 0, c.Width, c.Height)) ok++;
            }
            return ok / 300.0;
        }
        double with = Accepted(0.75), without = Accepted(1.0);
        Assert.InRange(without, 0.1, 0.32);
        Assert.True(with > 0.85, $"cat_max_ratio 0.75 accepted only {with:P0} of crops");
        // ignore pixels do not count: two classes splitting the labelled pixels evenly are acceptable
        var g = new Frame(10, 10);
        Array.Fill(g.Labels, Frame.Ignore);
        for (int i = 0; i < 10; i++) { g.Labels[i] = 1; g.Labels[10 + i] = 2; }
        Assert.True(new RandomCrop(10, 10).Acceptable(g, 0, 0, 10, 10));
    }

    [Fact]
    public void Flip_mirrors_image_and_labels_together_half_of_the_time()
    {
        var f = Blocks(24, 8, 4);
        var m = RandomFlip.Mirror(f);
        for (int y = 0; y < 8; y++)
        for (int x = 0; x < 24; x++)
        {
            Assert.Equal(f.Labels[y * 24 + x], m.Labels[y * 24 + 23 - x]);
            Assert.Equal(f.Bgr[(y * 24 + x) * 3 + 2], m.Bgr[(y * 24 + 23 - x) * 3 + 2]);
        }
        Assert.Equal(f.Bgr, RandomFlip.Mirror(m).Bgr);
        int flipped = Enumerable.Range(0, 1000).Count(s => !ReferenceEquals(new RandomFlip().Apply(f, new Random(s)), f));
        Assert.InRange(flipped, 440, 560);
    }

    [Fact]
    public void Pad_keeps_the_frame_top_left_and_fills_with_ignore_and_the_pad_colour()
    {
        var f = Blocks(10, 6, 5);
        var p = new Pad(16, 8, 104, 117, 123).Apply(f);
        Assert.Equal((16, 8), (p.Width, p.Height));
        for (int y = 0; y < 8; y++)
        for (int x = 0; x < 16; x++)
        {
            bool inside = x < 10 && y < 6;
            Assert.Equal(inside ? f.Labels[y * 10 + x] : Frame.Ignore, p.Labels[y * 16 + x]);
            Assert.Equal(inside ? f.Bgr[(y * 10 + x) * 3] : (byte)104, p.Bgr[(y * 16 + x) * 3]);
        }
        Assert.Throws<ArgumentException>(() => new Pad(8, 8, 0, 0, 0).Apply(f));
    }

    [Fact]
    public void Pipeline_output_has_the_model_size_and_is_a_function_of_the_seed()
    {
        var pipeline = new TrainPipeline(64, 32);
        var src = Blocks(64, 32, 6);
        var sizes = new HashSet<(int, int)>();
        for (int seed = 0; seed < 30; seed++)
        {
            var a = pipeline.Apply(src, new Random(seed));
            var b = pipeline.Apply(src, new Random(seed));
            sizes.Add((a.Width, a.Height));
            Assert.Equal(a.Bgr, b.Bgr);
            Assert.Equal(a.Labels, b.Labels);
        }
        Assert.Equal([(64, 32)], sizes);
        Assert.NotEqual(pipeline.Apply(src, new Random(1)).Bgr, pipeline.Apply(src, new Random(2)).Bgr);
        // ratios below 1 leave padding (ignore) in the bottom-right corner
        var padded = Enumerable.Range(0, 30).Select(s => pipeline.Apply(src, new Random(s))).Count(f => f.Labels[^1] == Frame.Ignore);
        Assert.InRange(padded, 3, 20);
    }
}
