using System.Numerics;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>Payload copies of queued best-effort messages. A private pool rather than ArrayPool.Shared: buffers
/// are rented on the inference thread and returned on the sender's, and the queue bound caps how many exist, so
/// after warm-up renting allocates nothing. Messages of different sizes share it (drivable JSON, PNG images), so a
/// rent takes the most recently returned buffer that is large enough, not only the top one.</summary>
internal sealed class PayloadPool(int capacity)
{
    private readonly List<byte[]> _free = new(capacity);
    private readonly Lock _lock = new();

    public byte[] Rent(int length)
    {
        lock (_lock)
            for (var i = _free.Count - 1; i >= 0; i--)
                if (_free[i].Length >= length)
                {
                    var buffer = _free[i];
                    _free.RemoveAt(i);
                    return buffer;
                }
        return new byte[Math.Max(256, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, length)))];
    }

    public void Return(byte[] buffer)
    {
        lock (_lock)
            if (_free.Count < capacity)
                _free.Add(buffer);
    }
}
