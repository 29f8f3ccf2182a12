using System.Text;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>What a field-log entry is; decides its MCAP channel.</summary>
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
}

/// <summary>Topics, schemas and encodings of the field-log channels (jsonschema schemas, json messages).</summary>
internal static class FieldLogChannels
{
    public const int Count = 6;

    public static readonly string[] Topics = ["/camera/image", "/segmentation/labels", "/drivable", "/domain_shift/signals", "/domain_shift/events", "/gps"];

    private const string Time = """{"type":"object","properties":{"sec":{"type":"integer","minimum":0},"nsec":{"type":"integer","minimum":0,"maximum":999999999}}}""";

    /// <summary>foxglove.CompressedImage (docs.foxglove.dev/docs/sdk/schemas/compressed-image).</summary>
    public static readonly byte[] CompressedImage = Encoding.UTF8.GetBytes("""
        {"title":"foxglove.CompressedImage","description":"A compressed image","type":"object","properties":{
        "timestamp":TIME,"frame_id":{"type":"string"},
        "data":{"type":"string","contentEncoding":"base64"},"format":{"type":"string"}}}
        """.Replace("TIME", Time));

    /// <summary>foxglove.LocationFix (docs.foxglove.dev/docs/sdk/schemas/location-fix).</summary>
    public static readonly byte[] LocationFix = Encoding.UTF8.GetBytes("""
        {"title":"foxglove.LocationFix","description":"A navigation satellite fix for any Global Navigation Satellite System","type":"object","properties":{
        "timestamp":TIME,"frame_id":{"type":"string"},"latitude":{"type":"number"},"longitude":{"type":"number"},"altitude":{"type":"number"},
        "position_covariance":{"type":"array","items":{"type":"number"},"minItems":9,"maxItems":9},
        "position_covariance_type":{"type":"integer","description":"0 unknown, 1 approximated, 2 diagonal known, 3 known"}}}
        """.Replace("TIME", Time));

    public static (string Name, byte[] Schema) SchemaOf(FieldLogChannel channel) => channel switch
    {
        FieldLogChannel.CameraJpeg or FieldLogChannel.LabelsPng => ("foxglove.CompressedImage", CompressedImage),
        FieldLogChannel.Gps => ("foxglove.LocationFix", LocationFix),
        FieldLogChannel.Drivable => ("mfuser.DrivableSummary", Permissive("mfuser.DrivableSummary")),
        FieldLogChannel.ShiftSignals => ("mfuser.DomainShiftSignals", Permissive("mfuser.DomainShiftSignals")),
        _ => ("mfuser.DomainShiftEvent", Permissive("mfuser.DomainShiftEvent")),
    };

    /// <summary>A schema that names our JSON payloads (documented in docs/) without restating every field.</summary>
    private static byte[] Permissive(string title) => Encoding.UTF8.GetBytes($$"""{"title":"{{title}}","type":"object"}""");
}
