namespace MFuser.Edge.Core.DomainShift;

/// <summary>Thresholds and timings of the <see cref="DomainShiftMonitor"/>. The defaults open episodes at the
/// synthetic drive's weather changes (clear → fog → night → clear) and close them after; see docs/field-logging.md.</summary>
public sealed record DomainShiftOptions
{
    /// <summary>Time constant of the exponential smoothing of every signal (α = 1 − e^(−Δt/τ)).</summary>
    public TimeSpan Smoothing { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Score (in reference standard deviations) at or above which an episode starts to open.</summary>
    public double OpenThreshold { get; init; } = 4;

    /// <summary>Score below which an open episode starts to close (hysteresis: below <see cref="OpenThreshold"/>).</summary>
    public double CloseThreshold { get; init; } = 2;

    /// <summary>How long the score must stay ≥ <see cref="OpenThreshold"/> before an episode opens.</summary>
    public TimeSpan OpenAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the score must stay below <see cref="CloseThreshold"/> before the episode ends.</summary>
    public TimeSpan CloseAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Shortest episode: it does not end before it has lasted this long.</summary>
    public TimeSpan MinDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>After an episode ends, no new one opens for this long (cool-down).</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>An open episode emits an <c>update</c> event this often.</summary>
    public TimeSpan UpdateInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Signals the reference does not cover are learned from the first frames for this long (assumed in
    /// domain); no episode opens meanwhile. Zero: such signals are ignored.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Fail(string what) => throw new ArgumentException($"domain_shift: {what}");
        if (Smoothing < TimeSpan.Zero)
            Fail($"smoothing = {Smoothing}: must be ≥ 0");
        if (!(OpenThreshold > 0) || !(CloseThreshold >= 0) || CloseThreshold > OpenThreshold)
            Fail($"open_threshold = {OpenThreshold}, close_threshold = {CloseThreshold}: need 0 ≤ close ≤ open, open > 0");
        foreach (var (name, value) in new[] { ("open_after", OpenAfter), ("close_after", CloseAfter), ("min_duration", MinDuration),
                     ("cooldown", Cooldown), ("warmup", Warmup) })
            if (value < TimeSpan.Zero)
                Fail($"{name} = {value}: must be ≥ 0");
        if (UpdateInterval <= TimeSpan.Zero)
            Fail($"update_interval = {UpdateInterval}: must be > 0");
    }
}
