using MFuser.Edge.FieldLog.Foxglove;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>What a field-log entry is; decides its MCAP channel (docs/field-logging.md has the table).</summary>
public enum FieldLogChannel
{
    /// <summary><c>/camera/image</c>: foxglove.CompressedImage, JPEG.</summary>
    CameraJpeg,
    /// <summary><c>/segmentation/labels</c>: foxglove.CompressedImage, PNG label map (pixel = class id).</summary>
    LabelsPng,
    /// <summary><c>/drivable</c>: the drivable-area summary JSON (docs/mqtt-api.md).</summary>
    Drivable,
    /// <summary><c>/domain_shift/signals</c>: per-frame shift signals JSON.</summary>
    ShiftSignals,
    /// <summary><c>/domain_shift/events</c>: episode events (the <c>domain_shift</c> MQTT payload).</summary>
    ShiftEvents,
    /// <summary><c>/gps</c>: foxglove.LocationFix.</summary>
    Gps,
    /// <summary><c>/segmentation/overlay</c>: foxglove.CompressedImage, JPEG of the class colours over the frame.</summary>
    Overlay,
    /// <summary><c>/free_space/scan</c>: foxglove.LaserScan of the free space in <c>base_link</c>.</summary>
    FreeSpaceScan,
    /// <summary><c>/tf</c>: foxglove.FrameTransform of the camera mount (<c>base_link</c> → <c>camera</c>).</summary>
    Transforms,
}

/// <summary>Topics and schemas of the field-log channels (jsonschema schemas, json messages).</summary>
internal static class FieldLogChannels
{
    public const int Count = 9;

    public static readonly string[] Topics =
    [
        "/camera/image", "/segmentation/labels", "/drivable", "/domain_shift/signals", "/domain_shift/events", "/gps",
        "/segmentation/overlay", "/free_space/scan", "/tf",
    ];

    private static readonly byte[] Drivable = FoxgloveSchemas.Named("mfuser.DrivableSummary");
    private static readonly byte[] Signals = FoxgloveSchemas.Named("mfuser.DomainShiftSignals");
    private static readonly byte[] Events = FoxgloveSchemas.Named("mfuser.DomainShiftEvent");

    public static string Topic(FieldLogChannel channel) => Topics[(int)channel];

    public static (string Name, byte[] Schema) SchemaOf(FieldLogChannel channel) => channel switch
    {
        FieldLogChannel.CameraJpeg or FieldLogChannel.LabelsPng or FieldLogChannel.Overlay =>
            ("foxglove.CompressedImage", FoxgloveSchemas.CompressedImage),
        FieldLogChannel.Gps => ("foxglove.LocationFix", FoxgloveSchemas.LocationFix),
        FieldLogChannel.FreeSpaceScan => ("foxglove.LaserScan", FoxgloveSchemas.LaserScan),
        FieldLogChannel.Transforms => ("foxglove.FrameTransform", FoxgloveSchemas.FrameTransform),
        FieldLogChannel.Drivable => ("mfuser.DrivableSummary", Drivable),
        FieldLogChannel.ShiftSignals => ("mfuser.DomainShiftSignals", Signals),
        _ => ("mfuser.DomainShiftEvent", Events),
    };
}
