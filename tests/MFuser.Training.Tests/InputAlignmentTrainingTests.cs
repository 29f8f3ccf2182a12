using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Scenes;
using MFuser.Training.Augmentation;
using MFuser.Training.Learning;

namespace MFuser.Training.Tests;

/// <summary>Input alignment on the training side: the reference statistics, padded frames, the option.</summary>
public class InputAlignmentTrainingTests
{
    private static readonly MFuserConfig Micro = TrainingTests.Micro();

    [Fact]
    public void Source_statistics_are_the_mean_of_the_source_frames_statistics_and_survive_the_config_file()
    {
        var cfg = SourceAlignment.Apply(Micro, "source", new PatternScenes());
        var alignment = Assert.IsType<InputAlignment>(cfg.InputAlignment);
        var frame = new byte[Micro.ImageWidth * Micro.ImageHeight * 3];
        new PatternScenes().Render(0, Domain.Clear, Micro.ImageWidth, Micro.ImageHeight, frame, new byte[Micro.ImageWidth * Micro.ImageHeight]);
        var (mean, std) = PixelNormalisation.Statistics(frame, Micro.ImageWidth, Micro.ImageWidth, Micro.ImageHeight, alignment.Floor);
        for (var c = 0; c < 3; c++)
        {
            Assert.InRange(alignment.Mean[c], mean[c] - 40, mean[c] + 40);  // one frame is near the average of 128
            Assert.InRange(alignment.Std[c], std[c] * 0.5, std[c] * 2);
        }
        var reloaded = MFuserConfig.FromJson(cfg.ToJson());
        Assert.Equal(alignment.Mean, reloaded.InputAlignment!.Mean);
        Assert.Equal(alignment.Std, reloaded.InputAlignment.Std);
        Assert.Null(MFuserConfig.FromJson(Micro.ToJson()).InputAlignment);  // configs from before the option load unchanged
    }

    [Fact]
    public void None_leaves_the_config_and_an_unknown_value_is_refused_by_name()
    {
        Assert.Same(Micro, SourceAlignment.Apply(Micro, "none", new PatternScenes()));
        var error = Assert.Throws<ArgumentException>(() => SourceAlignment.Apply(Micro, "target", new PatternScenes()));
        Assert.Contains("'target'", error.Message);
        var bad = Micro with { InputAlignment = new InputAlignment { Mean = [1, 2, 3], Std = [1, -1, 1] } };
        Assert.Contains("must be positive", Assert.Throws<ArgumentException>(() => bad.Validate()).Message);
    }

    [Fact]
    public void A_padded_frame_is_aligned_on_its_content_and_its_padding_is_zero_after_normalising()
    {
        var cfg = Micro with { InputAlignment = new InputAlignment { Mean = [120, 110, 100], Std = [40, 40, 40] } };
        int w = cfg.ImageWidth, h = cfg.ImageHeight, cw = w / 2, ch = h / 2;
        var content = AugmentationTests.Blocks(cw, ch, 3);
        var padded = new TrainPipeline(w, h).Padding.Apply(content);
        Assert.Equal((cw, ch), padded.Content);

        var (images, _) = FrameTensors.From([padded], cfg);
        var x = images.data<float>().ToArray();
        var (scale, shift) = PixelNormalisation.Of(content.Bgr, cw, cw, ch, cfg.PixelMean, cfg.PixelStd, cfg.InputAlignment);
        var expected = new float[3 * cw * ch];
        PixelNormalisation.ToPlanes(content.Bgr, cw * ch, expected, scale, shift);
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < h; y++)
                for (var xx = 0; xx < w; xx++)
                {
                    var got = x[(c * h + y) * w + xx];
                    if (xx < cw && y < ch) Assert.Equal(expected[(c * ch + y) * cw + xx], got, 5);
                    else Assert.Equal(0f, got);
                }
    }

    [Fact]
    public void Content_outside_the_frame_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Frame(4, 4) { Content = (5, 4) });
        Assert.Equal((4, 4), new Frame(4, 4).Content);
    }
}
