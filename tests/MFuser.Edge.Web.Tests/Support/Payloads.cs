using System.Text;

namespace MFuser.Edge.Web.Tests.Support;

/// <summary>JSON payloads shaped like the daemon's MQTT payloads (docs/mqtt-api.md), for feeding the console.</summary>
internal static class Payloads
{
    public static readonly (string Name, int[] Color, bool Drivable)[] Classes =
    [
        ("road", [128, 64, 128], true), ("sidewalk", [244, 35, 232], false), ("building", [70, 70, 70], false),
        ("vegetation", [107, 142, 35], false), ("sky", [70, 130, 180], false), ("car", [0, 0, 142], false),
    ];

    public static byte[] Info(bool calibrated) => Encoding.UTF8.GetBytes(
        "{\"device\":\"test-rig\",\"software_version\":\"0.1.0\",\"started_at\":\"2026-11-26T16:02:41.502Z\"," +
        "\"model\":{\"name\":\"mfuser-tiny\",\"version\":\"1.0.0\",\"sha256\":\"9f2c\"},\"classes\":[" +
        string.Join(",", Classes.Select((c, i) =>
            $"{{\"id\":{i},\"name\":\"{c.Name}\",\"color\":[{string.Join(",", c.Color)}],\"drivable\":{(c.Drivable ? "true" : "false")}}}")) +
        "],\"input\":{\"width\":320,\"height\":180},\"execution\":{\"provider\":\"cpu\",\"requested\":[\"cpu\"],\"node_placement\":{}}," +
        "\"calibration\":{\"present\":" + (calibrated ? "true" : "false") + "}," +
        "\"free_space\":{\"bins\":8,\"column_edges\":[0,40,80,120,160,200,240,280,320],\"calibrated\":" + (calibrated ? "true" : "false") + "}}");

    public static byte[] Drivable(long frame, bool calibrated)
    {
        var phase = frame % 20;
        var rows = Enumerable.Range(0, 8).Select(i => 90 + (int)((i * 7 + phase * 3) % 60)).ToArray();
        var ranges = rows.Reverse().Select(r => Math.Round(3 + (r - 90) * 0.4, 3)).ToArray();
        var scan = calibrated
            ? "{\"angle_min\":-0.56,\"angle_max\":0.56,\"angle_increment\":0.16,\"range_min\":2.9,\"range_max\":100,\"ranges\":[" +
              string.Join(",", ranges.Select(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]}"
            : "null";
        return Encoding.UTF8.GetBytes(
            $"{{\"frame\":{frame},\"captured_at\":\"2026-11-26T16:02:48.123Z\",\"width\":320,\"height\":180,\"drivable_fraction\":0.33," +
            "\"confidence_mean\":0.87,\"entropy_mean\":0.23,\"classes\":{\"road\":0.33},\"unknown_fraction\":0," +
            $"\"free_space\":{{\"bins\":8,\"rows\":[{string.Join(",", rows)}],\"classes\":[1,2,5,5,5,3,2,1],\"scan\":{scan}}}," +
            $"\"ego_corridor\":{{\"row\":120,\"clear_rows\":59,\"class\":5,\"class_name\":\"car\",\"range_m\":{(calibrated ? "6.7" : "null")}}}," +
            "\"latency_ms\":{\"capture_to_publish\":48.21,\"inference\":31.07}}");
    }

    public static byte[] Stats(long processed) => Encoding.UTF8.GetBytes(
        $"{{\"at\":\"2026-11-26T16:03:00.001Z\",\"uptime_s\":18.5,\"fps\":29.71,\"frames_captured\":{processed + 3}," +
        $"\"frames_processed\":{processed},\"frames_dropped\":3,\"latency_ms\":{{" +
        "\"inference\":{\"p50\":30.4,\"p90\":33.1,\"p99\":41.0,\"max\":44.2}," +
        "\"capture_to_publish\":{\"p50\":47.9,\"p90\":55.0,\"p99\":63.2,\"max\":70.1}}," +
        "\"mqtt\":{\"connected\":true,\"protocol\":\"5.0\",\"published\":1109,\"dropped\":0,\"reconnects\":0,\"queue_depth\":0," +
        "\"must_deliver_pending\":0},\"memory\":{\"working_set_mb\":212.4,\"managed_heap_mb\":18.3}}");

    public static byte[] Episode(string kind, int seq, double score, string? endReason = null) => Encoding.UTF8.GetBytes(
        $"{{\"event\":\"{kind}\",\"event_id\":\"019ac1d2/{seq}\",\"episode_id\":\"019ac1d2\",\"seq\":{seq},\"frame\":{98 + seq}," +
        "\"captured_at\":\"2026-11-26T17:26:59.228Z\",\"started_at\":\"2026-11-26T17:26:58.186Z\"," +
        $"\"ended_at\":{(endReason is null ? "null" : "\"2026-11-26T17:27:09.000Z\"")}," +
        $"\"end_reason\":{(endReason is null ? "null" : $"\"{endReason}\"")},\"duration_s\":{1.04 + seq * 5}," +
        $"\"score\":{score},\"peak_score\":9.388,\"dominant\":\"sharpness\",\"signals\":{{}},\"z\":{{}},\"gps\":null}}");
}
