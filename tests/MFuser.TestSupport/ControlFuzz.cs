using System.Text;

namespace MFuser.TestSupport;

/// <summary>
/// Seeded hostile input for the MQTT control surface: topics (relative to the base topic) and payloads. Payloads mix
/// valid samples with random bytes, invalid UTF-8, huge numbers, NaN and infinities, deep JSON, lone-surrogate escapes
/// and oversize text. <see cref="Topic"/> may return anything a string can hold (wildcards, control characters, lone
/// surrogates, 70,000-character levels) for the router itself; <see cref="BrokerTopic"/> only what a broker accepts
/// as a topic name, for tests that publish through mosquitto.
/// </summary>
public static class ControlFuzz
{
    private static readonly string[] Names = ["segmentation_hz", "overlay_hz", "recording", "snapshot",
        "mark_event", "fps", "cmd", "set", "result", "state"];

    private static readonly string[] Samples =
    [
        "2", "0.5", "60", "ON", "OFF", "", "-Infinity", "Infinity", "NaN", "-0", "1e400", "1" + new string('0', 400), "0x10", " 7 ",
        """{"label":"pothole","note":"n","id":"a1"}""", """{"reason":"manual"}""", """{"label":"fail"}""", "{}", "[]", "null",
        """{"label":1}""", """{"label":"x","label":"y"}""", """{"label":"\ud800"}""", """{"\udfff":"x"}""", """{"label":NaN}""",
        """{"label":-Infinity}""", """{"label":1e999}""", new string('[', 5000) + new string(']', 5000), """{"a":{"b":{"c":{}}}}""",
    ];

    /// <summary>Any relative topic, hostile or not; most are shaped like control topics (<c>x/set</c>, <c>cmd/x</c>).</summary>
    public static string Topic(Random random) => random.Next(10) switch
    {
        < 4 => Level(random, brokerSafe: false) + "/set",
        < 8 => "cmd/" + Level(random, brokerSafe: false),
        _ => string.Join('/', Enumerable.Range(0, random.Next(1, 5)).Select(_ => Level(random, brokerSafe: false))),
    };

    /// <summary>A relative topic a broker accepts in PUBLISH (valid UTF-8, no wildcards, no control characters),
    /// at most <paramref name="maxLevel"/> characters a level.</summary>
    public static string BrokerTopic(Random random, int maxLevel = 300) => random.Next(10) switch
    {
        < 4 => Level(random, brokerSafe: true, maxLevel) + "/set",
        < 8 => "cmd/" + Level(random, brokerSafe: true, maxLevel),
        _ => string.Join('/', Enumerable.Range(0, random.Next(1, 5)).Select(_ => Level(random, brokerSafe: true, maxLevel))),
    };

    /// <summary>A payload: a sample as is or mutated, random bytes, or a long run of one character.</summary>
    public static byte[] Payload(Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(Samples[random.Next(Samples.Length)]).ToList();
        switch (random.Next(6))
        {
            case 0:
                return Enumerable.Range(0, random.Next(0, 80)).Select(_ => (byte)random.Next(256)).ToArray();
            case 1 when bytes.Count > 0:
                bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                break;
            case 2:
                bytes.InsertRange(random.Next(bytes.Count + 1),
                    Encoding.UTF8.GetBytes(new string("\"{}[],:0a\\"[random.Next(10)], random.Next(1, 1500))));
                break;
            case 3 when bytes.Count > 0:
                bytes = bytes.Take(random.Next(bytes.Count)).ToList();
                break;
        }
        return bytes.ToArray();
    }

    private static string Level(Random random, bool brokerSafe, int maxLevel = 70_000) => random.Next(12) switch
    {
        < 5 => Names[random.Next(Names.Length)],
        5 => "",
        6 => "$" + Names[random.Next(Names.Length)],
        7 => new string('x', random.Next(65, Math.Max(66, maxLevel))),
        8 => brokerSafe ? "a b.c-ü" : "a+b",
        9 => brokerSafe ? "Ω≈ç√∫" : "#",
        10 => brokerSafe ? "名前" : "\ud800x",
        _ => brokerSafe ? "DROP TABLE" : "bad\u0001level",
    };
}
