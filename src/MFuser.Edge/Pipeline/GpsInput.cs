using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Serial.Gps;
using MFuser.Edge.Serial.Ports;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline;

/// <summary>The GNSS receiver on a serial port (<c>serial.gps.*</c>, docs/serial-protocol.md): its reader thread keeps
/// the latest fix; the stage thread asks for the freshest one per frame (a volatile read).</summary>
public sealed class GpsInput : IStatsSource, IDisposable
{
    private readonly GpsReader _reader;
    private readonly TimeSpan _maxFixAge;

    private GpsInput(SerialConfig config, ILoggerFactory loggers)
    {
        _reader = new GpsReader(new SerialLinkOptions { Path = config.GpsPort, BaudRate = config.GpsBaud }, loggers.CreateLogger<GpsReader>());
        _maxFixAge = config.MaxFixAge;
    }

    /// <summary>The GPS input, or null when <c>serial.gps.port</c> is empty.</summary>
    public static GpsInput? Create(SerialConfig config, ILoggerFactory loggers) =>
        config.GpsPort.Length > 0 ? new GpsInput(config, loggers) : null;

    public void Start() => _reader.Start();

    /// <summary>The latest fix if it is younger than <c>gps.max_fix_age_s</c>, else null.</summary>
    public GeoFix? FreshFix() => _reader.Latest.FreshOrNull(_maxFixAge);

    public StatsPayload AddStats(StatsPayload stats)
    {
        var latest = _reader.Latest;
        return stats with
        {
            Gps = new GpsStats(_reader.IsOpen, _reader.Opens, _reader.IoErrors, _reader.Fixes, _reader.NoFixSentences, _reader.Counters.Rejected,
                _reader.Counters.Snapshot(), latest.Fix is null ? null : Math.Round(latest.Age.TotalSeconds, 3)),
        };
    }

    public void Dispose() => _reader.Dispose();
}
