using System.CommandLine;
using System.Text.Json;
using MFuser.Scenes.Cli;
using OpenCvSharp;
using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Tests;

/// <summary><c>mfuser-scenes export</c> end to end: real PNG files, read back through OpenCV.</summary>
public sealed class ExportTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"mfuser-scenes-export-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static int Run(params string[] args) => new RootCommand { ExportCommand.Create() }.Parse(args).Invoke();

    [Fact]
    public void ExportsOfTwoDomainsLineUpAndMatchTheRenderer()
    {
        Assert.Equal(0, Run("export", "--domain", "clear", "--count", "3", "--size", "128x64", "--seed", "4", "--out",
            Path.Combine(root, "clear"), "--jobs", "2"));
        Assert.Equal(0, Run("export", "--domain", "fog", "--count", "3", "--size", "128x64", "--seed", "4", "--out",
            Path.Combine(root, "fog"), "--jobs", "1"));

        using var clearIndex = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "clear", "index.json")));
        using var fogIndex = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "fog", "index.json")));
        Assert.Equal("fog", fogIndex.RootElement.GetProperty("domain").GetString());
        Assert.Equal(TrainIds.Count, clearIndex.RootElement.GetProperty("classes").GetArrayLength());
        var clearItems = clearIndex.RootElement.GetProperty("items").EnumerateArray().ToArray();
        var fogItems = fogIndex.RootElement.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(3, clearItems.Length);

        var renderer = new SceneRenderer();
        var bgr = new byte[128 * 64 * 3];
        var labels = new byte[128 * 64];
        for (var i = 0; i < 3; i++)
        {
            var image = clearItems[i].GetProperty("image").GetString()!;
            var labelPath = clearItems[i].GetProperty("labels").GetString()!;
            Assert.EndsWith("_leftImg8bit.png", image);
            Assert.EndsWith("_gtFine_labelTrainIds.png", labelPath);
            Assert.Equal(image, fogItems[i].GetProperty("image").GetString());
            Assert.Equal(labelPath, fogItems[i].GetProperty("labels").GetString());

            var seed = clearItems[i].GetProperty("scene_seed").GetInt32();
            Assert.Equal(SceneSeeds.Derive(4, i), seed);
            renderer.Render(seed, Domain.Clear, 128, 64, bgr, labels);
            Assert.Equal(bgr, ReadPixels(Path.Combine(root, "clear", image), ImreadModes.Color));
            Assert.Equal(labels, ReadPixels(Path.Combine(root, "clear", labelPath), ImreadModes.Unchanged));
            // Same scene, other domain: the label files are identical, the images are not.
            Assert.Equal(labels, ReadPixels(Path.Combine(root, "fog", labelPath), ImreadModes.Unchanged));
            Assert.NotEqual(bgr, ReadPixels(Path.Combine(root, "fog", image), ImreadModes.Color));
        }
    }

    [Fact]
    public void UnknownDomainFailsWithoutWritingAnything()
    {
        Assert.NotEqual(0, Run("export", "--domain", "hail", "--count", "1", "--out", root));
        Assert.False(Directory.Exists(root));
    }

    private static byte[] ReadPixels(string path, ImreadModes mode)
    {
        using var mat = Cv2.ImRead(path, mode);
        Assert.False(mat.Empty(), $"could not read {path}");
        Assert.True(mat.IsContinuous());
        var bytes = new byte[mat.Total() * mat.ElemSize()];
        System.Runtime.InteropServices.Marshal.Copy(mat.Data, bytes, 0, bytes.Length);
        return bytes;
    }
}
