namespace MFuser.Edge.Web.Http;

/// <summary>Timings of the host that are not configuration keys; tests shorten them.</summary>
/// <param name="StallTimeout">An MJPEG viewer whose connection accepts no data for this long is closed.</param>
/// <param name="ImageWait">How long an image request waits for a fresh image of a view nobody was watching.</param>
internal sealed record ConsoleHostSettings(TimeSpan StallTimeout, TimeSpan ImageWait)
{
    public static ConsoleHostSettings Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
}
