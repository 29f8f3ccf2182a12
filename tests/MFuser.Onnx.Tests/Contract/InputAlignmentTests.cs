using MFuser.Onnx.Contract;
using MFuser.Onnx.Graph;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Tests.Contract;

/// <summary>The aligned preprocessing in a real ONNX Runtime session against its CPU twin, and what alignment buys:
/// a frame whose exposure, contrast and white balance changed reaches the network almost as the original.</summary>
public class InputAlignmentTests
{
    private const int H = 24, W = 40;
    private static readonly float[] Mean = [122.771f, 116.746f, 104.094f], Std = [68.501f, 66.632f, 70.323f];
    private static readonly InputAlignment Source = new() { Mean = [110, 115, 120], Std = [50, 45, 40] };

    private static float[] Graph(byte[] image, InputAlignment? alignment)
    {
        var g = new GraphBuilder("aligned");
        g.Output(ImagePreprocessing.Emit(g, H, W, Mean, Std, alignment), "x", 1, 3, H, W);
        return OrtRunner.Run<float>(g.ToModel(), OrtRunner.Input(ModelIo.Image, image, 1, H, W, 3))["x"].ToArray();
    }

    private static float[] Cpu(byte[] image, InputAlignment? alignment)
    {
        var (scale, shift) = PixelNormalisation.Of(image, W, W, H, [.. Mean.Select(v => (double)v)], [.. Std.Select(v => (double)v)], alignment);
        var planes = new float[3 * H * W];
        PixelNormalisation.ToPlanes(image, H * W, planes, scale, shift);
        return planes;
    }

    private static byte[] Scene(int seed)
    {
        var rng = new Random(seed);
        var image = new byte[H * W * 3];
        for (var p = 0; p < H * W; p++)  // a smooth gradient plus texture, as camera frames are
            for (var c = 0; c < 3; c++) image[p * 3 + c] = (byte)Math.Clamp(40 + p % W * 3 + c * 20 + rng.Next(-20, 20), 0, 255);
        return image;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_graph_and_the_cpu_twin_agree(bool aligned)
    {
        var image = Scene(3);
        var alignment = aligned ? Source : null;
        var graph = Graph(image, alignment);
        var cpu = Cpu(image, alignment);
        for (var i = 0; i < cpu.Length; i++) Assert.Equal(cpu[i], graph[i], 3);
    }

    [Fact]
    public void Aligned_frames_carry_the_source_statistics_per_channel()
    {
        var planes = Graph(Scene(5), Source);
        for (var c = 0; c < 3; c++)
        {
            var channel = planes.AsSpan(c * H * W, H * W).ToArray().Select(v => v * Std[c] + Mean[c]).ToArray();  // back to 0–255
            var mean = channel.Average();
            var std = Math.Sqrt(channel.Average(v => (v - mean) * (v - mean)));
            Assert.Equal(Source.Mean[c], mean, 2);
            Assert.InRange(std, Source.Std[c] * 0.97, Source.Std[c]);  // the floor shaves a little off
        }
    }

    [Fact]
    public void A_darker_lower_contrast_tinted_frame_reaches_the_network_like_the_original_only_when_aligned()
    {
        var original = Scene(7);
        var dusk = original.Select((v, i) => (byte)Math.Round(v * (0.35 + 0.05 * (i % 3)) + 6)).ToArray();  // per-channel gain + offset
        static double Rms(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Average());

        var alignedGap = Rms(Graph(original, Source), Graph(dusk, Source));
        var plainGap = Rms(Graph(original, null), Graph(dusk, null));
        Assert.True(alignedGap < 0.1 * plainGap, $"aligned gap {alignedGap:F3} vs plain {plainGap:F3}");
        Assert.True(alignedGap < 0.05, $"aligned gap {alignedGap:F3} (rounding of the darkened bytes only)");
    }

    [Fact]
    public void A_flat_frame_is_not_amplified_into_noise()
    {
        var flat = Enumerable.Range(0, H * W * 3).Select(i => (byte)(50 + (i / 3 % 2))).ToArray();  // ±0.5 flicker
        var planes = Graph(flat, Source);
        for (var c = 0; c < 3; c++)
        {
            var spread = planes.AsSpan(c * H * W, H * W).ToArray().Max() - planes.AsSpan(c * H * W, H * W).ToArray().Min();
            Assert.True(spread * Std[c] < Source.Std[c] * 0.5, $"channel {c}: a 1-level flicker became {spread * Std[c]:F1} levels");
        }
    }

    [Fact]
    public void Statistics_count_only_the_content_of_a_padded_frame()
    {
        var frame = new byte[4 * 2 * 3];  // 4x2, content 2x2 of value 100, padding 0
        for (var y = 0; y < 2; y++)
            for (var x = 0; x < 2; x++) frame[(y * 4 + x) * 3] = frame[(y * 4 + x) * 3 + 1] = frame[(y * 4 + x) * 3 + 2] = 100;
        var (mean, std) = PixelNormalisation.Statistics(frame, 4, 2, 2, floor: 1);
        Assert.All(mean, m => Assert.Equal(100, m, 9));
        Assert.All(std, s => Assert.Equal(1, s, 9));  // variance 0, floor 1
        Assert.Throws<ArgumentException>(() => PixelNormalisation.Statistics(frame, 4, 5, 2, floor: 1));
    }

    [Theory]
    [InlineData(new double[] { 1, 2 }, new double[] { 1, 1, 1 }, 4.0, "3 RGB")]
    [InlineData(new double[] { 1, 2, 3 }, new double[] { 1, 0, 1 }, 4.0, "must be positive")]
    [InlineData(new double[] { 1, 2, 3 }, new double[] { 1, 1, 1 }, 0.0, "must be positive")]
    public void Bad_alignments_are_refused_by_name(double[] mean, double[] std, double floor, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ImagePreprocessing.Emit(new GraphBuilder("p"), 4, 4, Mean, Std, new InputAlignment { Mean = mean, Std = std, Floor = floor }));
        Assert.Contains(expected, error.Message);
    }
}
