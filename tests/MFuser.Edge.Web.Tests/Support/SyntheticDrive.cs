using OpenCvSharp;

namespace MFuser.Edge.Web.Tests.Support;

/// <summary>Plays the daemon's console stage against a <see cref="ConsoleFeed"/>: per frame it asks which views are
/// due and publishes moving colour bars (JPEG, encoded by OpenCV) for them, plus drivable payloads, shift scores,
/// stats and episode events. The overlay's road is the exact road colour, so a screenshot can be checked for it.</summary>
internal sealed class SyntheticDrive : IAsyncDisposable
{
    public const int Width = 320;
    public const int Height = 180;
    public static readonly Scalar RoadBgr = new(128, 64, 128);

    private readonly ConsoleFeed _feed;
    private readonly bool _calibrated;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public SyntheticDrive(ConsoleFeed feed, bool calibrated)
    {
        _feed = feed;
        _calibrated = calibrated;
        _loop = Task.Run(RunAsync);
    }

    public long Frames { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        _feed.PublishInfo(Payloads.Info(_calibrated));
        _feed.SetShiftThresholds(4, 2);
        _feed.SetReadiness(() => ConsoleReadiness.Ready("frames flowing"));
        _feed.PublishEpisodeEvent(Payloads.Episode("new", 0, 9.4));
        _feed.PublishEpisodeEvent(Payloads.Episode("update", 1, 6.1));
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(66));
        for (var frame = 0L; await ticks.WaitForNextTickAsync(_stop.Token); frame++)
        {
            var capturedAt = DateTimeOffset.UtcNow;
            var due = _feed.DueViews();
            foreach (var view in new[] { ConsoleView.Camera, ConsoleView.Overlay, ConsoleView.LabelColors })
            {
                if ((due & view) != 0)
                    _feed.PublishImage(view, Render(view, frame), frame, capturedAt);
            }
            _feed.PublishDrivable(Payloads.Drivable(frame, _calibrated));
            _feed.PublishShiftScore(capturedAt, 3 + 2.5 * Math.Sin(frame / 8.0));
            if (frame % 15 == 0)
                _feed.PublishStats(Payloads.Stats(frame));
            Frames = frame + 1;
        }
    }

    /// <summary>Eight vertical colour bars moving 6 pixels a frame; the overlay and label views paint the lower
    /// third as road in its class colour.</summary>
    public static byte[] Render(ConsoleView view, long frame)
    {
        using var image = new Mat(Height, Width, MatType.CV_8UC3, Scalar.Black);
        Scalar[] bars =
        [
            new(0, 0, 255), new(0, 255, 0), new(255, 0, 0), new(0, 255, 255), new(255, 0, 255), new(255, 255, 0), Scalar.White,
            new(60, 60, 60),
        ];
        var offset = (int)(frame * 6 % Width);
        for (var i = 0; i < bars.Length; i++)
        {
            var x = (i * Width / bars.Length + offset) % Width;
            image.Rectangle(new Rect(x, 0, Width / bars.Length, Height), bars[i], -1);
        }
        if (view != ConsoleView.Camera)
            image.Rectangle(new Rect(0, Height * 2 / 3, Width, Height / 3), RoadBgr, -1);
        if (view == ConsoleView.LabelColors)
            image.Rectangle(new Rect(0, 0, Width, Height / 3), new Scalar(180, 130, 70), -1);
        Cv2.ImEncode(".jpg", image, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
        return jpeg;
    }
}
