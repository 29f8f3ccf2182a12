using System.Globalization;

namespace MFuser.Scenes.Drive;

/// <summary>Settings of a synthetic drive. As a URI:
/// <c>synthetic://drive?seed=7&amp;fps=15&amp;schedule=clear:60,fog:30,night:30,clear:60&amp;size=512x256&amp;speed=11</c>
/// (every key optional; defaults below; see <see cref="WeatherSchedule"/> for the schedule syntax).</summary>
public sealed record DriveOptions
{
    public int Seed { get; init; } = 7;
    /// <summary>Frames per simulated second (0 &lt; fps ≤ 240).</summary>
    public double Fps { get; init; } = 15;
    public WeatherSchedule Schedule { get; init; } = WeatherSchedule.Constant(Domain.Clear);
    public ImageSize Size { get; init; } = new(512, 256);
    /// <summary>Ego speed in m/s (0..40).</summary>
    public float Speed { get; init; } = 11f;

    private static readonly string[] Keys = ["seed", "fps", "schedule", "size", "speed"];

    /// <summary>Reads options from a <c>synthetic://drive?...</c> URI.</summary>
    /// <exception cref="ArgumentException">Wrong scheme or host, an unknown key, or a bad value; the message names
    /// the key, the value and what was expected.</exception>
    public static DriveOptions FromUri(Uri uri)
    {
        if (!string.Equals(uri.Scheme, "synthetic", StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Host, "drive", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"'{uri}' is not a synthetic drive URI; expected " +
                                        $"synthetic://drive?seed=7&fps=15&schedule=clear:60,fog:30&size=512x256", nameof(uri));
        var options = new DriveOptions();
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]).ToLowerInvariant();
            var value = kv.Length > 1 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "";
            try
            {
                options = key switch
                {
                    "seed" => options with { Seed = int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) },
                    "fps" => options with { Fps = InRange(double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture), 0, 240,
                        exclusiveMin: true) },
                    "schedule" => options with { Schedule = WeatherSchedule.Parse(value) },
                    "size" => options with { Size = ImageSize.Parse(value) },
                    "speed" => options with { Speed = (float)InRange(double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture), 0, 40,
                        exclusiveMin: false) },
                    _ => throw new ArgumentException($"unknown key '{key}' in '{uri}'; known keys: {string.Join(", ", Keys)}", nameof(uri)),
                };
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new ArgumentException($"synthetic drive URI key '{key}'='{value}': {e.Message}", nameof(uri), e);
            }
        }
        return options;
    }

    private static double InRange(double v, double min, double max, bool exclusiveMin) =>
        (exclusiveMin ? v > min : v >= min) && v <= max
            ? v
            : throw new FormatException($"{v.ToString(CultureInfo.InvariantCulture)} is outside {(exclusiveMin ? "(" : "[")}{min}, {max}]");
}
