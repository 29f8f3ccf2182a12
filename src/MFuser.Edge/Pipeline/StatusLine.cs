namespace MFuser.Edge.Pipeline;

/// <summary>One live status line on the terminal, redrawn in place (carriage return + erase line).</summary>
public static class StatusLine
{
    /// <summary>Whether to draw it for <c>run.status_line</c> (auto: only when stdout is a terminal).</summary>
    public static bool Enabled(string setting) => setting switch
    {
        "on" => true,
        "off" => false,
        _ => !Console.IsOutputRedirected,
    };

    public static void Draw(string text) => Console.Out.Write("\r\u001b[2K" + text);

    public static void End() => Console.Out.WriteLine();
}
