namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>MQTT topic-filter matching as the brokers do it (MQTT 5 §4.7): <c>+</c> matches exactly one level, empty
/// levels included (MQTTnet 5's comparer does not match <c>a//set</c> against <c>a/+/set</c>, mosquitto does), and
/// <c>#</c> the parent level and everything below it.</summary>
internal static class TopicFilter
{
    public static bool Matches(string topic, string filter)
    {
        var t = topic.AsSpan();
        var f = filter.AsSpan();
        while (true)
        {
            var fEnd = f.IndexOf('/');
            var fLevel = fEnd < 0 ? f : f[..fEnd];
            if (fLevel is "#")
                return true;
            var tEnd = t.IndexOf('/');
            var tLevel = tEnd < 0 ? t : t[..tEnd];
            if (fLevel is not "+" && !fLevel.SequenceEqual(tLevel))
                return false;
            if (fEnd < 0 || tEnd < 0)
                return (fEnd < 0 && tEnd < 0) || (fEnd >= 0 && tEnd < 0 && f[(fEnd + 1)..] is "#");
            t = t[(tEnd + 1)..];
            f = f[(fEnd + 1)..];
        }
    }
}
