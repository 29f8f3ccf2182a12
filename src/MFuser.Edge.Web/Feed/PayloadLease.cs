namespace MFuser.Edge.Web.Feed;

/// <summary>A reader's hold on one payload; the buffer goes back to its slot on <see cref="Dispose"/>.</summary>
internal readonly struct PayloadLease : IDisposable
{
    private readonly PayloadSlot? _slot;
    private readonly PayloadBuffer? _buffer;

    public PayloadLease(PayloadSlot slot, PayloadBuffer buffer)
    {
        _slot = slot;
        _buffer = buffer;
    }

    public bool HasValue => _buffer is not null;

    public ReadOnlyMemory<byte> Memory => _buffer?.Memory ?? default;

    public long Version => _buffer?.Version ?? 0;

    public long Frame => _buffer?.Frame ?? -1;

    public DateTimeOffset CapturedAt => _buffer?.CapturedAt ?? default;

    public long PublishedAt => _buffer?.PublishedAt ?? 0;

    public void Dispose()
    {
        if (_buffer is not null)
            _slot!.Return(_buffer);
    }
}
