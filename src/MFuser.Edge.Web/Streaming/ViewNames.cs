namespace MFuser.Edge.Web.Streaming;

/// <summary>The names of the image views in URLs, metric labels and JSON.</summary>
internal static class ViewNames
{
    /// <summary>The views an MJPEG stream can show, in the page's toggle order.</summary>
    public static readonly ConsoleView[] Streamable = [ConsoleView.Overlay, ConsoleView.LabelColors, ConsoleView.Camera];

    public static string Name(ConsoleView view) => view switch
    {
        ConsoleView.Camera => "camera",
        ConsoleView.Overlay => "overlay",
        ConsoleView.LabelColors => "labels",
        ConsoleView.LabelIds => "label_ids",
        _ => throw new ArgumentOutOfRangeException(nameof(view), view, "a single view"),
    };

    public static bool TryParseStreamable(string? name, out ConsoleView view)
    {
        view = Streamable.FirstOrDefault(v => Name(v) == name);
        return view != ConsoleView.None;
    }
}
