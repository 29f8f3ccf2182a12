using System.Text;

namespace MFuser.Edge.FieldLog.Foxglove;

/// <summary>
/// The JSON schemas (schema encoding <c>jsonschema</c>) the field-log channels declare. The <c>foxglove.*</c> ones
/// restate the field names and types of Foxglove's published schemas (github.com/foxglove/foxglove-sdk,
/// schemas/jsonschema), so Foxglove's panels recognise the channels; descriptions are left out. Our own payloads
/// get a schema that names them (their fields are documented in docs/).
/// </summary>
internal static class FoxgloveSchemas
{
    // Static fields initialise in this order: the shared parts first.
    private static readonly string Time = OneLine("""
        {"type":"object","title":"time","properties":{"sec":{"type":"integer","minimum":0},
        "nsec":{"type":"integer","minimum":0,"maximum":999999999}}}
        """);

    private static readonly string Vector3 = OneLine("""
        {"title":"foxglove.Vector3","type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},"z":{"type":"number"}},
        "required":["x","y","z"]}
        """);

    private static readonly string Quaternion = OneLine("""
        {"title":"foxglove.Quaternion","type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},"z":{"type":"number"},
        "w":{"type":"number"}},"required":["x","y","z","w"]}
        """);

    public static readonly byte[] CompressedImage = Schema("""
        {"title":"foxglove.CompressedImage","description":"A compressed image","type":"object","properties":{
        "timestamp":TIME,"frame_id":{"type":"string"},"data":{"type":"string","contentEncoding":"base64"},"format":{"type":"string"}},
        "required":["timestamp","frame_id","data","format"]}
        """);

    public static readonly byte[] LocationFix = Schema("""
        {"title":"foxglove.LocationFix","description":"A navigation satellite fix for any Global Navigation Satellite System","type":"object",
        "properties":{"timestamp":TIME,"frame_id":{"type":"string"},"latitude":{"type":"number"},"longitude":{"type":"number"},
        "altitude":{"type":"number"},"position_covariance":{"type":"array","items":{"type":"number"},"minItems":9,"maxItems":9},
        "position_covariance_type":{"title":"foxglove.PositionCovarianceType","oneOf":[{"title":"UNKNOWN","const":0},
        {"title":"APPROXIMATED","const":1},{"title":"DIAGONAL_KNOWN","const":2},{"title":"KNOWN","const":3}]}},
        "required":["timestamp","frame_id","latitude","longitude","altitude","position_covariance","position_covariance_type"]}
        """);

    public static readonly byte[] LaserScan = Schema("""
        {"title":"foxglove.LaserScan","description":"A single scan from a planar laser range-finder","type":"object","properties":{
        "timestamp":TIME,"frame_id":{"type":"string"},
        "pose":{"title":"foxglove.Pose","type":"object","properties":{"position":VECTOR3,"orientation":QUATERNION},
        "required":["position","orientation"]},
        "start_angle":{"type":"number"},"end_angle":{"type":"number"},"ranges":{"type":"array","items":{"type":"number"}},
        "intensities":{"type":"array","items":{"type":"number"}}},
        "required":["timestamp","frame_id","pose","start_angle","end_angle","ranges","intensities"]}
        """);

    public static readonly byte[] FrameTransform = Schema("""
        {"title":"foxglove.FrameTransform","description":"A transform between two reference frames in 3D space","type":"object","properties":{
        "timestamp":TIME,"parent_frame_id":{"type":"string"},"child_frame_id":{"type":"string"},"translation":VECTOR3,"rotation":QUATERNION},
        "required":["timestamp","parent_frame_id","child_frame_id","translation","rotation"]}
        """);

    /// <summary>A schema that names one of our JSON payloads without restating every field.</summary>
    public static byte[] Named(string title) => Encoding.UTF8.GetBytes($$"""{"title":"{{title}}","type":"object"}""");

    private static byte[] Schema(string text) => Encoding.UTF8.GetBytes(OneLine(text).Replace("TIME", Time, StringComparison.Ordinal)
        .Replace("VECTOR3", Vector3, StringComparison.Ordinal).Replace("QUATERNION", Quaternion, StringComparison.Ordinal));

    private static string OneLine(string text) => text.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
}
