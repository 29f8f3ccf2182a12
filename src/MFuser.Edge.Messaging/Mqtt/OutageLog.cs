using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// The connection's story in the log, one warning per outage: the first sign of it (the connection was lost, or the
/// very first attempt failed) is a warning; the failed attempts after it are debug lines; the end of it is one
/// information line with its duration. Used by the connection loop only (one thread).
/// </summary>
internal sealed class OutageLog(ILogger log, string endpoint, TimeSpan reconnectMax)
{
    private long _outageStarted;
    private int _attempts;

    /// <summary>True while the broker is away (from the first failure or loss until the next connect).</summary>
    public bool InOutage => _outageStarted != 0;

    /// <summary>A live connection ended.</summary>
    public void Lost(string reason, long lostMessages)
    {
        Begin();
        log.LogWarning("MQTT: connection to {Broker} lost: {Reason}; {Lost} best-effort messages sent since the last confirmed round trip " +
                       "counted as lost; reconnecting with backoff up to {Max} s (one warning per outage)",
            endpoint, reason, lostMessages, reconnectMax.TotalSeconds);
    }

    /// <summary>A connection attempt failed.</summary>
    public void Failed(string error)
    {
        _attempts++;
        if (InOutage)
        {
            log.LogDebug("MQTT: attempt {Attempt} to reach {Broker} failed: {Error}", _attempts, endpoint, error);
            return;
        }
        Begin();
        log.LogWarning("MQTT: cannot connect to {Broker}: {Error}; retrying with backoff up to {Max} s (one warning per outage)",
            endpoint, error, reconnectMax.TotalSeconds);
    }

    /// <summary>A connection attempt succeeded.</summary>
    public void Connected(string protocol, string baseTopic)
    {
        if (InOutage)
            log.LogInformation("MQTT: connected to {Broker} (MQTT {Protocol}), base topic {Base}, after an outage of {Seconds:F1} s " +
                               "({Attempts} failed attempts)", endpoint, protocol, baseTopic,
                                   Stopwatch.GetElapsedTime(_outageStarted).TotalSeconds, _attempts);
        else
            log.LogInformation("MQTT: connected to {Broker} (MQTT {Protocol}), base topic {Base}", endpoint, protocol, baseTopic);
        (_outageStarted, _attempts) = (0, 0);
    }

    private void Begin()
    {
        if (!InOutage)
            _outageStarted = Stopwatch.GetTimestamp();
    }
}
