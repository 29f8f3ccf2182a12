using System.Globalization;

namespace MFuser.Scenes.Drive;

/// <summary>Which domain a drive shows when: a list of (domain, duration) entries.
/// Syntax: comma-separated <c>domain:seconds</c>, e.g. <c>clear:60,fog:30,night:30,clear:60</c>. Seconds may
/// be fractional. If every entry has a duration the schedule repeats from the start; the last entry may omit
/// its duration (<c>clear:60,fog:30,clear</c>) to hold that domain for ever. A single name (<c>night</c>) is a
/// constant domain. Switches are instantaneous at the stated times.</summary>
public sealed class WeatherSchedule
{
    private readonly (Domain domain, double seconds)[] entries;
    private readonly double period;

    private WeatherSchedule((Domain, double)[] entries, bool repeats)
    {
        this.entries = entries;
        Repeats = repeats;
        period = repeats ? entries.Sum(e => e.Item2) : double.PositiveInfinity;
    }

    /// <summary>True when the schedule starts over after its last entry.</summary>
    public bool Repeats { get; }

    /// <summary>The entries in order; the duration of a final open-ended entry is +∞.</summary>
    public IReadOnlyList<(Domain Domain, double Seconds)> Entries => entries;

    public static WeatherSchedule Constant(Domain domain) => new([(domain, double.PositiveInfinity)], false);

    /// <exception cref="FormatException">The text names an unknown domain, has a bad duration, or an entry other
    /// than the last lacks a duration; the message quotes the entry.</exception>
    public static WeatherSchedule Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => p.Length == 0))
            throw new FormatException($"schedule '{text}' has an empty entry; expected domain:seconds[,domain:seconds...]");
        var list = new (Domain, double)[parts.Length];
        var open = false;
        for (var i = 0; i < parts.Length; i++)
        {
            var kv = parts[i].Split(':', 2, StringSplitOptions.TrimEntries);
            if (!Domains.TryParse(kv[0], out var domain))
                throw new FormatException($"schedule entry '{parts[i]}': unknown domain '{kv[0]}'; expected one " +
                                          $"of: {string.Join(", ", Domains.Names)}");
            if (kv.Length == 1)
            {
                if (i != parts.Length - 1)
                    throw new FormatException($"schedule entry '{parts[i]}' has no duration; only the last entry may omit it");
                list[i] = (domain, double.PositiveInfinity);
                open = true;
                continue;
            }
            if (!double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0)
                || double.IsInfinity(seconds))
                throw new FormatException($"schedule entry '{parts[i]}': duration '{kv[1]}' is not a positive number of seconds");
            list[i] = (domain, seconds);
        }
        return new WeatherSchedule(list, !open);
    }

    /// <summary>The domain shown at <paramref name="seconds"/> after the start of the drive.</summary>
    public Domain DomainAt(double seconds)
    {
        var t = Repeats ? seconds % period : seconds;
        foreach (var (domain, length) in entries)
        {
            if (t < length) return domain;
            t -= length;
        }
        return entries[^1].domain;
    }

    public override string ToString() => string.Join(",", entries.Select(e =>
        double.IsPositiveInfinity(e.seconds) ? e.domain.Name() : $"{e.domain.Name()}:{e.seconds.ToString(CultureInfo.InvariantCulture)}"));
}
