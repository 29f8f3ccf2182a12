using System.Runtime.InteropServices;
using System.Threading.Channels;
using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.FieldLog.Foxglove;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>
/// Records shift episodes (and manual recordings and snapshots) as MCAP files (docs/field-logging.md). The frame loop
/// only hands entries over (<see cref="Frame"/>, <see cref="Labels"/>, <see cref="Overlay"/>, <see cref="Scan"/>,
/// <see cref="Json"/>, <see cref="Fix"/>, <see cref="Episode"/>): each call copies the bytes into a pooled buffer and
/// queues them; when <see cref="FieldLogOptions.QueueCapacity"/> entries wait, the entry is dropped and counted — the
/// caller never waits for the disk. One background task (<see cref="RecorderLoop"/>) keeps the pre-trigger ring, opens
/// and closes files as episodes, manual recording and post-trigger time ask, and keeps the disk quota. Episode,
/// recording, mount and snapshot requests are never dropped.
/// </summary>
public sealed class FieldLogRecorder : IAsyncDisposable
{
    private readonly FieldLogOptions _options;
    private readonly Channel<RecorderItem> _queue = Channel.CreateUnbounded<RecorderItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RecorderLoop _loop;
    private Task _writer = Task.CompletedTask;
    private int _waiting;
    private long _enqueued, _dropped;

    public FieldLogRecorder(FieldLogOptions options, ILogger<FieldLogRecorder>? logger = null)
    {
        options.Validate();
        _options = options;
        Directory.CreateDirectory(options.Directory);
        _loop = new RecorderLoop(options, logger ?? (ILogger)NullLogger.Instance);
    }

    /// <summary>Starts the writer task.</summary>
    public void Start() => _writer = Task.Factory.StartNew(WriteLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning,
        TaskScheduler.Default).Unwrap();

    public FieldLogCounters Counters => _loop.Counters(Interlocked.Read(ref _enqueued), Interlocked.Read(ref _dropped));

    /// <summary>The last disk error (null: none), for the status line.</summary>
    public string? LastError => _loop.LastError;

    /// <summary>Files finished so far (oldest first), including ones the quota later deleted.</summary>
    public IReadOnlyList<FieldLogFile> Files => _loop.Files;

    /// <summary>A camera frame, JPEG-encoded by the caller.</summary>
    public bool Frame(in FrameStamp frame, ReadOnlySpan<byte> jpeg) => Data(FieldLogChannel.CameraJpeg, frame.CapturedAt, jpeg);

    /// <summary>A label map, PNG-encoded by the caller (pixel = class id, as on the <c>segmentation</c> topic).</summary>
    public bool Labels(in FrameStamp frame, ReadOnlySpan<byte> png) => Data(FieldLogChannel.LabelsPng, frame.CapturedAt, png);

    /// <summary>The class colours blended over the frame, JPEG-encoded by the caller (the <c>overlay</c> image).</summary>
    public bool Overlay(in FrameStamp frame, ReadOnlySpan<byte> jpeg) => Data(FieldLogChannel.Overlay, frame.CapturedAt, jpeg);

    /// <summary>The free space as a foxglove.LaserScan in <c>base_link</c> (the calibration's ground frame); false
    /// (nothing recorded) when <paramref name="scan"/> has no geometry (no calibration).</summary>
    public bool Scan(in FrameStamp frame, FreeSpaceScan scan)
    {
        if (!scan.HasGeometry)
            return false;
        // Packed as doubles: start angle, end angle, range max, then the ranges from the rightmost bin leftwards
        // (counter-clockwise, the order of the drivable payload's free_space.scan).
        Span<double> packed = stackalloc double[3 + scan.Count];
        packed[0] = scan.AngleLeft - (scan.Count - 1) * scan.AngleIncrement;
        packed[1] = scan.AngleLeft;
        packed[2] = scan.RangeMax;
        var ranges = scan.Ranges;
        for (var i = 0; i < ranges.Length; i++)
            packed[3 + i] = ranges[ranges.Length - 1 - i];
        return Data(FieldLogChannel.FreeSpaceScan, frame.CapturedAt, MemoryMarshal.AsBytes(packed));
    }

    /// <summary>The camera mount (base_link → camera), written as a foxglove.FrameTransform at the start of every
    /// file from now on (and at once into an open one). Call once at start-up with the calibration.</summary>
    public void Mount(CameraCalibration calibration) =>
        Enqueue(new RecorderItem(ItemKind.Mount, FieldLogChannel.Transforms, 0, null, 0, CameraMount.FromCalibration(calibration)));

    /// <summary>A JSON document on <see cref="FieldLogChannel.Drivable"/> or <see cref="FieldLogChannel.ShiftSignals"/>.</summary>
    public bool Json(FieldLogChannel channel, in FrameStamp frame, ReadOnlySpan<byte> json) =>
        channel is FieldLogChannel.Drivable or FieldLogChannel.ShiftSignals
            ? Data(channel, frame.CapturedAt, json)
            : throw new ArgumentException($"{channel} is not a JSON channel; use Frame, Labels, Overlay, Scan, Fix or Episode");

    /// <summary>A GPS fix (recorded as foxglove.LocationFix at the fix's time).</summary>
    public bool Fix(GeoFix fix) => Enqueue(new RecorderItem(ItemKind.Fix, FieldLogChannel.Gps, RecorderItem.Nanoseconds(fix.Time), null, 0, fix));

    /// <summary>An episode event and its JSON payload (as published on <c>domain_shift</c>): <c>new</c> starts
    /// recording, <c>end</c> stops it after the post-trigger time. Never dropped.</summary>
    public void Episode(EpisodeEvent e, ReadOnlySpan<byte> json) => Enqueue(new RecorderItem(ItemKind.Episode, FieldLogChannel.ShiftEvents,
        RecorderItem.Nanoseconds(e.Frame.CapturedAt), RecorderItem.Rent(json), json.Length, e));

    /// <summary>Manual recording on/off (the MQTT <c>recording</c> setting). Never dropped.</summary>
    public void SetRecording(bool on) => Enqueue(new RecorderItem(on ? ItemKind.ManualOn : ItemKind.ManualOff, default, 0, null, 0, null));

    /// <summary>Writes the pre-trigger ring to a file of its own (the MQTT <c>snapshot</c> command); completes with
    /// that file (null when the ring was empty, the snapshot share had no room, or writing failed).</summary>
    public Task<FieldLogFile?> Snapshot(string label = "snapshot") => Request(ItemKind.Snapshot, label);

    /// <summary>Completes once everything queued before it has been handled (tests, shutdown).</summary>
    public Task FlushAsync() => Request(ItemKind.Flush, null);

    /// <summary>Handles what is queued, finishes the open file and stops the writer task.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private Task<FieldLogFile?> Request(ItemKind kind, string? label)
    {
        var done = new TaskCompletionSource<FieldLogFile?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Enqueue(new RecorderItem(kind, default, 0, null, 0, new RecorderLoop.Request(label, done))))
            done.TrySetResult(null);
        return done.Task;
    }

    private bool Data(FieldLogChannel channel, DateTimeOffset time, ReadOnlySpan<byte> bytes)
    {
        if (Volatile.Read(ref _waiting) >= _options.QueueCapacity)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        return Enqueue(new RecorderItem(ItemKind.Data, channel, RecorderItem.Nanoseconds(time), RecorderItem.Rent(bytes), bytes.Length, null));
    }

    private bool Enqueue(RecorderItem item)
    {
        if (item.IsData && Interlocked.Increment(ref _waiting) > _options.QueueCapacity)
            return Refuse(item, countWaiting: true);
        if (!_queue.Writer.TryWrite(item))
            return Refuse(item, countWaiting: item.IsData);
        Interlocked.Increment(ref _enqueued);
        return true;
    }

    private bool Refuse(RecorderItem item, bool countWaiting)
    {
        if (countWaiting)
            Interlocked.Decrement(ref _waiting);
        Interlocked.Increment(ref _dropped);
        item.Return();
        return false;
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var item in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.IsData)
                Interlocked.Decrement(ref _waiting);
            _loop.Handle(item);
        }
        _loop.Finish();
    }
}
