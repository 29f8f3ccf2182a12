namespace MFuser.Edge.Web.Streaming;

/// <summary>One connected MJPEG viewer: what it watches and how it is keeping up.</summary>
internal sealed class Viewer(long id, ConsoleView view, string remote, DateTimeOffset connectedAt)
{
    private long _sent;
    private long _dropped;

    public long Id { get; } = id;

    public ConsoleView View { get; } = view;

    public string ViewName { get; } = ViewNames.Name(view);

    public string Remote { get; } = remote;

    public DateTimeOffset ConnectedAt { get; } = connectedAt;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Frames published for this view while the viewer was busy with an older one (latest wins).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountDropped(long frames) => Interlocked.Add(ref _dropped, frames);
}
