using MFuser.Edge.Serial.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFuser.Edge.Serial.Mcu;

/// <summary>
/// Sends one <see cref="FreeSpaceFrame"/> per processed frame to a microcontroller over a serial port without ever
/// blocking the caller: <see cref="TrySend"/> encodes into one of a few preallocated slots and returns; a writer
/// thread drains them. When every slot is taken (slow link) or the port is down, the new frame is dropped and
/// counted. Frames queued before a port loss are discarded on reopen (stale free space is worse than none). The port
/// is reopened with backoff when it vanishes. Allocation-free per frame.
/// </summary>
public sealed class McuLink : IDisposable
{
    private readonly ILogger _log;
    private readonly ReopeningSerialPort _port;
    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _pending = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private int _head, _count;
    private volatile bool _portUp;
    private long _sent, _droppedFull, _droppedDown, _discardedStale, _ioErrors, _bytes;

    /// <param name="queueSlots">Frames that may wait for the wire (default 2: at most two frames of latency).</param>
    public McuLink(SerialLinkOptions options, int queueSlots = 2, ILogger<McuLink>? logger = null)
    {
        options.Validate();
        if (queueSlots is < 1 or > 64)
            throw new ArgumentOutOfRangeException(nameof(queueSlots), queueSlots, "MCU link queue must have 1..64 slots");
        _log = logger ?? (ILogger)NullLogger.Instance;
        _port = new ReopeningSerialPort(options, _log, "MCU");
        _slots = new byte[queueSlots][];
        for (var i = 0; i < queueSlots; i++)
            _slots[i] = new byte[FreeSpaceFrameCodec.MaxWireLength];
        _lengths = new int[queueSlots];
    }

    /// <summary>A snapshot of the counters.</summary>
    public McuLinkCounters Counters => new(Interlocked.Read(ref _sent), Interlocked.Read(ref _bytes), Interlocked.Read(ref _droppedFull),
        Interlocked.Read(ref _droppedDown), Interlocked.Read(ref _discardedStale), Interlocked.Read(ref _ioErrors), _port.Opens, _portUp);

    public void Start()
    {
        if (_thread is not null)
            throw new InvalidOperationException("McuLink.Start was already called");
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "mcu-link" };
        _thread.Start();
    }

    /// <summary>Encodes <paramref name="frame"/> into a free slot for the writer thread and returns at once; false when
    /// the frame was dropped (port down or every slot busy) — counted in <see cref="Counters"/>.</summary>
    public bool TrySend(FreeSpaceFrame frame)
    {
        if (!_portUp)
        {
            Interlocked.Increment(ref _droppedDown);
            return false;
        }
        lock (_gate)
        {
            if (_count == _slots.Length)
            {
                Interlocked.Increment(ref _droppedFull);
                return false;
            }
            var tail = (_head + _count) % _slots.Length;
            _lengths[tail] = FreeSpaceFrameCodec.Encode(frame, _slots[tail]);
            _count++;
        }
        _pending.Release();
        return true;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _port.Dispose();
        _thread?.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private void WriteLoop()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            var stream = _port.Open(ct);
            if (stream is null)
                return;
            DiscardQueued();
            _portUp = true;
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    _pending.Wait(ct);
                    int head, length;
                    lock (_gate)
                    {
                        head = _head;
                        length = _lengths[head];
                    }
                    try
                    {
                        stream.Write(_slots[head], 0, length);
                        Interlocked.Increment(ref _sent);
                        Interlocked.Add(ref _bytes, length);
                    }
                    finally
                    {
                        lock (_gate)
                        {
                            _head = (_head + 1) % _slots.Length;
                            _count--;
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (TimeoutException e)
            {
                // Nobody drains the line (flow stalled): treat like a lost port so stale frames are not sent later.
                Lost(e);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or UnauthorizedAccessException)
            {
                if (ct.IsCancellationRequested)
                    return;
                Lost(e);
            }
        }
    }

    private void Lost(Exception e)
    {
        _portUp = false;
        Interlocked.Increment(ref _ioErrors);
        _port.Lost(e);
    }

    /// <summary>Empties the slots (after a reopen: what was queued is stale).</summary>
    private void DiscardQueued()
    {
        lock (_gate)
        {
            while (_count > 0 && _pending.Wait(0))
            {
                _head = (_head + 1) % _slots.Length;
                _count--;
                Interlocked.Increment(ref _discardedStale);
            }
        }
    }
}

/// <summary>MCU link counters: frames and bytes written, frames dropped (queue full / port down), queued frames
/// discarded as stale after a reopen, write errors, port opens, and whether the port is up now.</summary>
public readonly record struct McuLinkCounters(long Sent, long Bytes, long DroppedFull, long DroppedPortDown, long DiscardedStale,
    long IoErrors, long Opens, bool PortUp);
