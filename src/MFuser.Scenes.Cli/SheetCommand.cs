using System.CommandLine;
using OpenCvSharp;

namespace MFuser.Scenes.Cli;

/// <summary><c>sheet</c>: one PNG with the same scene in every domain plus its colour-coded label maps (the
/// appearance domains share one; <c>mount</c> has its own).</summary>
internal static class SheetCommand
{
    private const int Columns = 4;

    public static Command Create()
    {
        var seed = CliOptions.Seed();
        var size = CliOptions.Size("512x256");
        var output = new Option<string>("--out") { Description = "PNG file to write", DefaultValueFactory = _ => "docs/scenes-contact-sheet.png" };
        var command = new Command("sheet", "write a contact sheet: one scene in every domain and its label maps") { seed, size, output };
        command.SetAction(parse =>
        {
            Write(parse.GetValue(seed), parse.GetValue(size), parse.GetValue(output)!);
            return 0;
        });
        return command;
    }

    private static void Write(int seed, ImageSize size, string path)
    {
        var (w, h) = size;
        var tiles = new List<(string caption, byte[] bgr)>();
        var renderer = new SceneRenderer();
        var labels = new byte[w * h];
        byte[]? sourceLabels = null, mountLabels = null;
        foreach (var domain in Domains.All)
        {
            var bgr = new byte[w * h * 3];
            renderer.Render(seed, domain, w, h, bgr, labels);
            tiles.Add((domain.Name(), bgr));
            if (domain == Domains.Source) sourceLabels = (byte[])labels.Clone();
            if (domain.ChangesGeometry()) mountLabels = (byte[])labels.Clone();
        }
        foreach (var (caption, map) in new[] { ("labels", sourceLabels!), ("labels (mount)", mountLabels!) })
        {
            var bgr = new byte[w * h * 3];
            LabelColours.Paint(map, bgr);
            tiles.Add((caption, bgr));
        }
        var rows = (tiles.Count + Columns - 1) / Columns;
        using var sheet = new Mat(rows * h, Columns * w, MatType.CV_8UC3, Scalar.Black);
        for (var t = 0; t < tiles.Count; t++)
        {
            using var tile = Mat.FromPixelData(h, w, MatType.CV_8UC3, tiles[t].bgr);
            using var target = new Mat(sheet, new Rect(t % Columns * w, t / Columns * h, w, h));
            tile.CopyTo(target);
            var scale = h / 400.0;
            Cv2.Rectangle(target, new Rect(0, 0, (int)(tiles[t].caption.Length * 22 * scale) + 12, (int)(42 * scale) + 6), Scalar.Black, -1);
            Cv2.PutText(target, tiles[t].caption, new Point(6, (int)(34 * scale) + 2), HersheyFonts.HersheySimplex, scale, Scalar.White, 1,
                LineTypes.AntiAlias);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!Cv2.ImWrite(path, sheet, new ImageEncodingParam(ImwriteFlags.PngCompression, 9))) throw new IOException($"could not write PNG '{path}'");
        Console.WriteLine($"wrote {path} ({Columns * w}x{rows * h}, seed {seed})");
    }
}
