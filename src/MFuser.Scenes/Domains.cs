namespace MFuser.Scenes;

/// <summary>A rendering domain. <see cref="Clear"/> is the training source; the others are shifted targets.
/// All but <see cref="Mount"/> change appearance only: for one seed their label maps are identical.</summary>
public enum Domain
{
    Clear, Overcast, Dusk, Night, Fog, Rain, Snow, CityB, Sensor, Mount,
}

/// <summary>Names of the domains as used on command lines, in URIs and in dataset indexes.</summary>
public static class Domains
{
    private static readonly string[] names =
        ["clear", "overcast", "dusk", "night", "fog", "rain", "snow", "city-b", "sensor", "mount"];

    /// <summary>Every domain, in declaration order.</summary>
    public static IReadOnlyList<Domain> All { get; } = Enum.GetValues<Domain>();

    /// <summary>Every domain name, in declaration order (<c>clear</c> first).</summary>
    public static IReadOnlyList<string> Names => names;

    /// <summary>The source (training) domain.</summary>
    public const Domain Source = Domain.Clear;

    /// <summary>The canonical name of a domain, e.g. <c>city-b</c>.</summary>
    public static string Name(this Domain domain) => names[(int)domain];

    /// <summary>True for the geometry shift (<c>mount</c>): camera height and field of view differ, so its label
    /// map differs from the other domains of the same seed.</summary>
    public static bool ChangesGeometry(this Domain domain) => domain == Domain.Mount;

    /// <summary>Parses a domain name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not a known domain; the message lists the known ones.</exception>
    public static Domain Parse(string name)
    {
        if (TryParse(name, out var domain)) return domain;
        throw new ArgumentException(
            $"unknown domain '{name}'; expected one of: {string.Join(", ", names)}", nameof(name));
    }

    /// <summary>Parses a domain name (case-insensitive) without throwing.</summary>
    public static bool TryParse(string? name, out Domain domain)
    {
        var i = Array.FindIndex(names, n => string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        domain = i < 0 ? default : (Domain)i;
        return i >= 0;
    }
}
