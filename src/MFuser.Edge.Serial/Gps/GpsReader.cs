using System.Diagnostics;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Serial.Nmea;
using MFuser.Edge.Serial.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFuser.Edge.Serial.Gps;

/// <summary>The latest fix and how long ago it was received (monotonic clock). <see cref="Fix"/> is null before the
/// first fix.</summary>
public readonly record struct GpsFixSnapshot(GeoFix? Fix, TimeSpan Age)
{
    /// <summary>A fix no older than <paramref name="maxAge"/>, else null: what geotagging should use.</summary>
    public GeoFix? FreshOrNull(TimeSpan maxAge) => Fix is not null && Age <= maxAge ? Fix : null;
}

/// <summary>
/// Reads NMEA 0183 from a serial GPS receiver on its own thread: lines are parsed with <see cref="NmeaParser"/>
/// (bad ones counted by reason in <see cref="Counters"/> and skipped), GGA/RMC become fixes, and the port is reopened
/// with backoff when it vanishes. <see cref="Latest"/> is safe to read from any thread.
/// </summary>
public sealed class GpsReader : IDisposable
{
    private readonly SerialLinkOptions _options;
    private readonly ILogger _log;
    private readonly ReopeningSerialPort _port;
    private readonly GpsFixTracker _tracker = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _line = new byte[NmeaParser.MaxLineLength + 2];
    private Thread? _thread;
    private volatile Received? _latest;
    private long _fixes, _noFix, _ioErrors, _datesIgnored;

    public GpsReader(SerialLinkOptions options, ILogger<GpsReader>? logger = null)
    {
        options.Validate();
        _options = options;
        _log = logger ?? (ILogger)NullLogger.Instance;
        _port = new ReopeningSerialPort(options, _log, "GPS");
    }

    /// <summary>Parse outcomes by reason.</summary>
    public NmeaCounters Counters { get; } = new();

    /// <summary>Sentences that yielded a fix.</summary>
    public long Fixes => Interlocked.Read(ref _fixes);

    /// <summary>Valid GGA/RMC sentences that reported no fix (quality 0, status V).</summary>
    public long NoFixSentences => Interlocked.Read(ref _noFix);

    /// <summary>Times the port was opened (1 + reopens).</summary>
    public long Opens => _port.Opens;

    /// <summary>RMC dates ignored because they lay more than a day from the system clock (<see cref="GpsFixTracker"/>).</summary>
    public long DatesIgnored => Interlocked.Read(ref _datesIgnored);

    /// <summary>Read errors that closed the port (each is followed by a reopen attempt).</summary>
    public long IoErrors => Interlocked.Read(ref _ioErrors);

    public bool IsOpen => _port.IsOpen;

    /// <summary>The latest fix with its age.</summary>
    public GpsFixSnapshot Latest => _latest is { } r
        ? new GpsFixSnapshot(r.Fix, Stopwatch.GetElapsedTime(r.Timestamp))
        : default;

    /// <summary>Starts the reader thread; returns at once (a missing port is retried in the background).</summary>
    public void Start()
    {
        if (_thread is not null)
            throw new InvalidOperationException("GpsReader.Start was already called");
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "gps-reader" };
        _thread.Start();
    }

    /// <summary>Stops the thread and closes the port.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _port.Dispose();
        _thread?.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private void ReadLoop()
    {
        var chunk = new byte[512];
        var lineLength = 0;
        var overflow = false;
        while (!_stop.IsCancellationRequested)
        {
            var stream = _port.Open(_stop.Token);
            if (stream is null)
                return;
            lineLength = 0;
            overflow = false;
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    int n;
                    try
                    {
                        n = stream.Read(chunk, 0, chunk.Length);
                    }
                    catch (TimeoutException)
                    {
                        continue;
                    }
                    if (n == 0)
                        throw new IOException("end of stream");
                    for (var i = 0; i < n; i++)
                    {
                        var b = chunk[i];
                        if (b == (byte)'\n')
                        {
                            if (overflow)
                                Counters.Add(NmeaParseStatus.TooLong);
                            else
                                Handle(_line.AsSpan(0, lineLength));
                            lineLength = 0;
                            overflow = false;
                        }
                        else if (lineLength < _line.Length)
                            _line[lineLength++] = b;
                        else
                            overflow = true;
                    }
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or UnauthorizedAccessException)
            {
                if (_stop.IsCancellationRequested)
                    return;
                Interlocked.Increment(ref _ioErrors);
                _port.Lost(e);
            }
        }
    }

    /// <summary>Parses one line and updates the counters and the latest fix.</summary>
    private void Handle(ReadOnlySpan<byte> line)
    {
        var status = NmeaParser.Parse(line, out var sentence);
        Counters.Add(status);
        if (status != NmeaParseStatus.Ok)
        {
            if (status >= NmeaParseStatus.TooLong)
                _log.LogDebug("GPS {Path}: line rejected ({Reason})", _options.Path, status);
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var fix = _tracker.Update(sentence, now);
        if (_tracker.DatesIgnored != Interlocked.Read(ref _datesIgnored)
            && Interlocked.Exchange(ref _datesIgnored, _tracker.DatesIgnored) == 0)
            _log.LogWarning("GPS {Path}: RMC date {Date} lies more than {Days} day from the system clock ({Now:yyyy-MM-dd}); "
                + "fixes are dated by the system clock (counted, logged once)",
                _options.Path, sentence.Date, GpsFixTracker.MaxClockDistance.TotalDays, now);
        if (fix is null)
        {
            Interlocked.Increment(ref _noFix);
            return;
        }
        Interlocked.Increment(ref _fixes);
        _latest = new Received(fix, Stopwatch.GetTimestamp());
    }

    private sealed record Received(GeoFix Fix, long Timestamp);
}
