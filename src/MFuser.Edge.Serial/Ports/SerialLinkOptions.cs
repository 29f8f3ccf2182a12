namespace MFuser.Edge.Serial.Ports;

/// <summary>Where a serial link lives and how hard it tries to come back.</summary>
public sealed record SerialLinkOptions
{
    /// <summary>Device path, e.g. <c>/dev/ttyUSB0</c>, <c>/dev/ttyTHS1</c>, or a pty / its symlink.</summary>
    public required string Path { get; init; }

    /// <summary>Baud rate (GPS receivers default to 9600; MCU links usually run at 115200 or faster).</summary>
    public int BaudRate { get; init; } = 9600;

    /// <summary>First delay before reopening a port that failed or vanished; doubles up to <see cref="ReopenMax"/>.</summary>
    public TimeSpan ReopenMin { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan ReopenMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentException"/> naming the option when a value is unusable.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
            throw new ArgumentException("serial link: Path is empty (expected a device such as /dev/ttyUSB0)", nameof(Path));
        if (BaudRate is < 50 or > 4_000_000)
            throw new ArgumentException($"serial link {Path}: BaudRate {BaudRate} is outside 50..4000000", nameof(BaudRate));
        if (ReopenMin <= TimeSpan.Zero || ReopenMax < ReopenMin)
            throw new ArgumentException($"serial link {Path}: need 0 < ReopenMin ({ReopenMin}) <= ReopenMax ({ReopenMax})", nameof(ReopenMin));
    }
}
