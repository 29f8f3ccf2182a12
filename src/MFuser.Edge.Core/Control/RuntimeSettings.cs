using System.Globalization;

namespace MFuser.Edge.Core.Control;

/// <summary>
/// The settings integrators may change at run time over MQTT (<c>&lt;base&gt;/&lt;setting&gt;/set</c>): thread-safe
/// current values that the pipeline reads every frame (plain volatile reads), starting from the configuration.
/// <see cref="Changed"/> fires after a value changed, on the thread that changed it (the MQTT receive path), with
/// the setting's name.
/// </summary>
public sealed class RuntimeSettings(double segmentationHz, double overlayHz, bool recording)
{
    public const string SegmentationHzName = "segmentation_hz";
    public const string OverlayHzName = "overlay_hz";
    public const string RecordingName = "recording";

    /// <summary>Largest accepted rate of the image topics, Hz (the configuration's bound too).</summary>
    public const double MaxHz = 60;

    private double _segmentationHz = segmentationHz;
    private double _overlayHz = overlayHz;
    private volatile bool _recording = recording;

    /// <summary>Rate limit of <c>&lt;base&gt;/segmentation</c> (0: off).</summary>
    public double SegmentationHz => Volatile.Read(ref _segmentationHz);

    /// <summary>Rate limit of <c>&lt;base&gt;/overlay</c> (0: off).</summary>
    public double OverlayHz => Volatile.Read(ref _overlayHz);

    /// <summary>Manual field-log recording on/off.</summary>
    public bool Recording => _recording;

    public event Action<string>? Changed;

    /// <summary>The value of <paramref name="name"/> as published on its state topic: a number in invariant culture,
    /// or <c>ON</c>/<c>OFF</c>.</summary>
    public string StateText(string name) => name switch
    {
        SegmentationHzName => Format(SegmentationHz),
        OverlayHzName => Format(OverlayHz),
        RecordingName => Recording ? "ON" : "OFF",
        _ => throw new ArgumentException($"unknown runtime setting '{name}'", nameof(name)),
    };

    internal void SetSegmentationHz(double hz) => Set(ref _segmentationHz, hz, SegmentationHzName);

    internal void SetOverlayHz(double hz) => Set(ref _overlayHz, hz, OverlayHzName);

    internal void SetRecording(bool on)
    {
        if (_recording == on)
            return;
        _recording = on;
        Changed?.Invoke(RecordingName);
    }

    private void Set(ref double field, double value, string name)
    {
        if (Volatile.Read(ref field) == value)
            return;
        Volatile.Write(ref field, value);
        Changed?.Invoke(name);
    }

    internal static string Format(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
