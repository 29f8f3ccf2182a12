using System.Globalization;
using MFuser.ModelPackage.Files;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MFuser.Edge.Core.Calibration;

/// <summary>
/// Reads a camera calibration written by OpenCV's <c>FileStorage</c> (<c>%YAML:1.0</c>, <c>!!opencv-matrix</c>) or by
/// ROS camera_calibration, plus three mounting keys. Keys are matched case-insensitively; keys not listed are ignored
/// (calibration tools write extra ones such as <c>avg_reprojection_error</c>).
/// <list type="table">
/// <item><term>image_width, image_height</term><description>required; the image size the intrinsics belong to</description></item>
/// <item><term>camera_matrix</term><description>required; 3×3 [fx 0 cx; 0 fy cy; 0 0 1] as a matrix map
/// (<c>rows</c>, <c>cols</c>, <c>data</c>) or a flat list of 9 numbers</description></item>
/// <item><term>distortion_coefficients</term><description>optional; 0, 4, 5 or 8 values (k1 k2 p1 p2 [k3 [k4 k5 k6]])</description></item>
/// <item><term>camera_height_m</term><description>required; optical centre above the ground, metres</description></item>
/// <item><term>pitch_deg, roll_deg</term><description>optional (0); see <see cref="CameraCalibration"/> for signs</description></item>
/// </list>
/// The OpenCV header <c>%YAML:1.0</c> is not valid YAML 1.1 syntax, so it is dropped before parsing; everything else
/// is parsed by YamlDotNet, which handles the block, flow and multi-line list styles both tools emit.
/// </summary>
public static class CalibrationYaml
{
    /// <summary>Largest calibration file read (real ones are about a kilobyte).</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>Deepest nesting of sequences and mappings accepted (a calibration needs 3), checked before the
    /// recursive document loader runs so a hostile file cannot overflow the stack.</summary>
    private const int MaxDepth = 16;

    /// <summary>Plausibility bounds: beyond them the ground geometry overflows or means nothing.</summary>
    private const int MaxImageSide = 32_768;
    private const double MaxMountHeightM = 100;
    private const double MinMountHeightM = 0.02;

    /// <summary>Focal lengths outside [this, 1/this] × the larger image side are a field of view under 0.6° or over
    /// 178°: a typo (a value in millimetres, an exponent), not a camera.</summary>
    private const double MinFocalPerSide = 0.01;

    /// <summary>Steeper than this the camera sees no horizon-to-bumper strip of ground to measure.</summary>
    private const double MaxPitchDeg = 85;

    /// <summary>Reads and validates the file at <paramref name="path"/>.</summary>
    public static CameraCalibration Load(string path)
    {
        if (Directory.Exists(path))
            throw new CalibrationException($"{path}: is a directory; expected a calibration YAML file");
        if (RegularFile.Problem(path) is { } notRegular)
            throw new CalibrationException($"{path}: is {notRegular}");
        string text;
        try
        {
            using var stream = File.OpenRead(path);
            var buffer = new byte[MaxBytes + 1];
            var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length > MaxBytes)
                throw new CalibrationException($"{path}: larger than {MaxBytes / 1024} KiB; expected a calibration YAML file");
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, length);
        }
        catch (FileNotFoundException e)
        {
            throw new CalibrationException($"{path}: no such calibration file", e);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new CalibrationException($"{path}: not UTF-8 (byte offset {e.Index}); expected a calibration YAML file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibrationException($"{path}: cannot read calibration file: {e.Message}", e);
        }
        return Parse(text.TrimStart('\uFEFF'), path);
    }

    /// <summary>Parses calibration YAML; <paramref name="source"/> names it in error messages.</summary>
    public static CameraCalibration Parse(string text, string source)
    {
        if (text.StartsWith("%YAML:", StringComparison.Ordinal))
        {
            var newline = text.IndexOf('\n');
            text = newline < 0 ? "" : text[(newline + 1)..];
        }
        var yaml = new YamlStream();
        try
        {
            CheckDepth(text, source);
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CalibrationException($"{source}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }
        catch (InvalidOperationException e) // YamlDotNet's parser gives up this way on some unterminated flow collections
        {
            throw new CalibrationException($"{source}: not valid YAML: the parser stopped before the end (an unclosed '[' or '{{'?)", e);
        }
        catch (ArgumentException e) // older YamlDotNet loaders refused a mapping key given twice this way
        {
            throw new CalibrationException($"{source}: not valid YAML: {e.Message}", e);
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new CalibrationException($"{source}: expected a YAML mapping of calibration keys at the top level");

        var keys = new Dictionary<string, YamlNode>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in root.Children)
            if (k is YamlScalarNode { Value: { } name } && !keys.TryAdd(name, v))
                throw new CalibrationException($"{source}: key '{name}' given twice (keys are compared without case)");

        var width = RequireInt(keys, "image_width", source);
        var height = RequireInt(keys, "image_height", source);
        if (width is <= 0 or > MaxImageSide || height is <= 0 or > MaxImageSide)
            throw new CalibrationException($"{source}: image_width/image_height must be 1 to {MaxImageSide}, got {width}x{height}");

        var k3 = ReadMatrix(Require(keys, "camera_matrix", source), "camera_matrix", source);
        if (k3.Length != 9)
            throw new CalibrationException($"{source}: camera_matrix: expected 3x3 = 9 values, got {k3.Length}");
        if (k3[1] != 0 || k3[3] != 0 || k3[6] != 0 || k3[7] != 0 || k3[8] != 1)
            throw new CalibrationException(
                $"{source}: camera_matrix: expected the form [fx 0 cx; 0 fy cy; 0 0 1] (no skew), got [{string.Join(", ", k3)}]");
        double fx = k3[0], cx = k3[2], fy = k3[4], cy = k3[5];
        if (fx <= 0 || fy <= 0)
            throw new CalibrationException($"{source}: camera_matrix: focal lengths must be positive, got fx={fx}, fy={fy}");
        var side = Math.Max(width, height);
        if (Math.Min(fx, fy) < MinFocalPerSide * side || Math.Max(fx, fy) > side / MinFocalPerSide)
            throw new CalibrationException($"{source}: camera_matrix: focal lengths must lie within {MinFocalPerSide * side} … " +
                                           $"{side / MinFocalPerSide} pixels for a {width}x{height} image (a field of view of 0.6° to 178°), " +
                                           $"got fx={fx}, fy={fy}");
        if (cx < 0 || cx >= width || cy < 0 || cy >= height)
            throw new CalibrationException(
                $"{source}: camera_matrix: principal point ({cx}, {cy}) lies outside the {width}x{height} image; is image_width/image_height the " +
                $"size the camera was calibrated at?");

        double[] distortion = [];
        if (keys.TryGetValue("distortion_coefficients", out var dNode))
        {
            distortion = ReadMatrix(dNode, "distortion_coefficients", source);
            if (distortion.Length is not (0 or 4 or 5 or 8))
                throw new CalibrationException(
                    $"{source}: distortion_coefficients: expected 0, 4, 5 or 8 values (k1 k2 p1 p2 [k3 [k4 k5 k6]]), got {distortion.Length}");
        }

        var mountHeight = RequireDouble(keys, "camera_height_m", source);
        if (!(mountHeight > 0) || mountHeight > MaxMountHeightM)
            throw new CalibrationException($"{source}: camera_height_m must be > 0 and at most {MaxMountHeightM} metres, got {mountHeight}");
        if (mountHeight < MinMountHeightM)
            throw new CalibrationException($"{source}: camera_height_m must be at least {MinMountHeightM} metres, got {mountHeight}");
        var pitch = OptionalDouble(keys, "pitch_deg", source);
        var roll = OptionalDouble(keys, "roll_deg", source);
        if (Math.Abs(pitch) > MaxPitchDeg)
            throw new CalibrationException($"{source}: pitch_deg must lie in [-{MaxPitchDeg}, {MaxPitchDeg}], got {pitch}");
        if (Math.Abs(roll) >= 90)
            throw new CalibrationException($"{source}: roll_deg must lie in (-90, 90), got {roll}");

        return new CameraCalibration
        {
            Source = source,
            ImageWidth = width, ImageHeight = height,
            Fx = fx, Fy = fy, Cx = cx, Cy = cy,
            Distortion = distortion,
            MountHeightM = mountHeight,
            PitchRad = pitch * Math.PI / 180,
            RollRad = roll * Math.PI / 180,
        };
    }

    /// <summary>Walks the event stream (iterative, unlike the document loader) and refuses nesting deeper than
    /// <see cref="MaxDepth"/>.</summary>
    private static void CheckDepth(string text, string source)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            if (parser.Current is YamlDotNet.Core.Events.NodeEvent and (YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart)
                && ++depth > MaxDepth)
                throw new CalibrationException(
                    $"{source}: nested deeper than {MaxDepth} levels at line {parser.Current.Start.Line}; expected a calibration YAML file");
            if (parser.Current is YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd)
                depth--;
        }
    }

    private static YamlNode Require(Dictionary<string, YamlNode> keys, string key, string source) =>
        keys.TryGetValue(key, out var node) ? node : throw new CalibrationException($"{source}: missing required key '{key}'");

    private static int RequireInt(Dictionary<string, YamlNode> keys, string key, string source)
    {
        var value = Scalar(Require(keys, key, source), key, source);
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw new CalibrationException($"{source}: {key}: expected an integer, got '{value}'");
    }

    private static double RequireDouble(Dictionary<string, YamlNode> keys, string key, string source) =>
        ParseDouble(Scalar(Require(keys, key, source), key, source), key, source);

    private static double OptionalDouble(Dictionary<string, YamlNode> keys, string key, string source) =>
        keys.TryGetValue(key, out var node) ? ParseDouble(Scalar(node, key, source), key, source) : 0;

    private static string Scalar(YamlNode node, string key, string source) =>
        node is YamlScalarNode { Value: { } v } ? v
            : throw new CalibrationException($"{source}: {key}: expected a single value, got a {node.NodeType}");

    private static double ParseDouble(string value, string key, string source) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw new CalibrationException($"{source}: {key}: expected a finite number, got '{value}'");

    /// <summary>A matrix written as <c>{rows, cols, [dt,] data: [...]}</c> or as a flat list; returns its data
    /// row-major after checking rows·cols against the data length.</summary>
    private static double[] ReadMatrix(YamlNode node, string key, string source)
    {
        switch (node)
        {
            case YamlSequenceNode seq:
                return seq.Children.Select((n, i) => ParseDouble(Scalar(n, $"{key}[{i}]", source), $"{key}[{i}]", source)).ToArray();
            case YamlMappingNode map:
                var fields = new Dictionary<string, YamlNode>(StringComparer.OrdinalIgnoreCase);
                foreach (var (k, v) in map.Children)
                    if (k is YamlScalarNode { Value: { } name })
                        fields[name] = v;
                var data = ReadMatrix(Require(fields, "data", $"{source}: {key}"), $"{key}.data", source);
                if (fields.ContainsKey("rows") || fields.ContainsKey("cols"))
                {
                    var rows = RequireInt(fields, "rows", $"{source}: {key}");
                    var cols = RequireInt(fields, "cols", $"{source}: {key}");
                    if ((long)rows * cols != data.Length)
                        throw new CalibrationException($"{source}: {key}: rows x cols = {rows}x{cols} = {(long)rows * cols} but data " +
                                                       $"has {data.Length} values");
                }
                return data;
            default:
                throw new CalibrationException($"{source}: {key}: expected a matrix (rows, cols, data) or a list of numbers");
        }
    }
}
