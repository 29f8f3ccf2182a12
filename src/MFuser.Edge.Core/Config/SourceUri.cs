using System.Globalization;

namespace MFuser.Edge.Core.Config;

/// <summary>The kinds of camera source the daemon can open.</summary>
public enum SourceKind
{
    /// <summary>A video file, <c>file://path</c>.</summary>
    File,
    /// <summary>A network stream opened by FFmpeg: <c>rtsp://</c>, <c>rtsps://</c>, <c>http(s)://</c>.</summary>
    Stream,
    /// <summary>A V4L2 device: <c>/dev/videoN</c>, <c>v4l2:///dev/videoN</c>, <c>v4l2://N</c> or a bare index.</summary>
    V4l2,
    /// <summary>A GStreamer pipeline ending in appsink: <c>gst:...</c>.</summary>
    GStreamer,
    /// <summary>A folder of still images read in name order: <c>dir://path</c>.</summary>
    ImageFolder,
    /// <summary>The procedural drive of MFuser.Scenes: <c>synthetic://drive?...</c>.</summary>
    Synthetic,
}

/// <summary>A parsed <c>source.uri</c>. <see cref="Target"/> is what the backend opens: a file or folder path,
/// a stream URL, a device path, a pipeline string, or the full synthetic URI.</summary>
public sealed record SourceUri(SourceKind Kind, string Target, int DeviceIndex, string Original)
{
    public static bool TryParse(string text, out SourceUri source, out string problem)
    {
        source = new SourceUri(SourceKind.File, "", -1, text);
        problem = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "empty";
            return false;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            source = new SourceUri(SourceKind.V4l2, $"/dev/video{index}", index, text);
            return true;
        }
        if (text.StartsWith("/dev/video", StringComparison.Ordinal))
        {
            source = new SourceUri(SourceKind.V4l2, text, DeviceIndexOf(text), text);
            return true;
        }
        if (text.StartsWith("gst:", StringComparison.Ordinal))
        {
            var pipeline = text["gst:".Length..].Trim();
            if (pipeline.Length == 0)
            {
                problem = "gst: needs a pipeline string, e.g. gst:nvarguscamerasrc ! ... ! appsink";
                return false;
            }
            source = new SourceUri(SourceKind.GStreamer, pipeline, -1, text);
            return true;
        }
        var colon = text.IndexOf("://", StringComparison.Ordinal);
        if (colon <= 0)
        {
            problem = text.Contains(':') ? $"no '://' after '{text[..text.IndexOf(':')]}:'"
                : "no scheme (a video file is file://<path>)";
            return false;
        }
        var scheme = text[..colon].ToLowerInvariant();
        var rest = text[(colon + 3)..];
        switch (scheme)
        {
            case "file" or "dir":
                // RFC 8089: file://localhost/p is the local /p; any other text before the path is a relative path (file://clips/x.mkv).
                var path = Uri.UnescapeDataString(rest.StartsWith("localhost/", StringComparison.OrdinalIgnoreCase) ? rest[9..] : rest);
                if (path.Length == 0)
                {
                    problem = $"{scheme}:// needs a path";
                    return false;
                }
                source = new SourceUri(scheme == "file" ? SourceKind.File : SourceKind.ImageFolder, path, -1, text);
                return true;
            case "rtsp" or "rtsps" or "http" or "https":
                if (!Uri.TryCreate(text, UriKind.Absolute, out var u) || u.Host.Length == 0)
                {
                    problem = $"{scheme}:// needs a host";
                    return false;
                }
                source = new SourceUri(SourceKind.Stream, text, -1, text);
                return true;
            case "v4l2":
                if (int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
                    source = new SourceUri(SourceKind.V4l2, $"/dev/video{i}", i, text);
                else if (rest.StartsWith("/dev/", StringComparison.Ordinal))
                    source = new SourceUri(SourceKind.V4l2, rest, DeviceIndexOf(rest), text);
                else
                {
                    problem = "v4l2:// needs a device index or a /dev/ path";
                    return false;
                }
                return true;
            case "synthetic":
                source = new SourceUri(SourceKind.Synthetic, text, -1, text);
                return true;
            default:
                problem = $"unknown scheme '{scheme}'";
                return false;
        }
    }

    private static int DeviceIndexOf(string path) =>
        int.TryParse(path.AsSpan("/dev/video".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && path.StartsWith("/dev/video", StringComparison.Ordinal) ? n : -1;

    /// <summary>The URI as configured, with a URL password masked (<see cref="Secrets"/>): what logs and messages show.</summary>
    public override string ToString() => Secrets.RedactUrls(Original);
}
