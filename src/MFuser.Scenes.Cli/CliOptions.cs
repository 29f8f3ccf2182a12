using System.CommandLine;

namespace MFuser.Scenes.Cli;

/// <summary>Options shared by the commands, with parsers that reject bad values by name.</summary>
internal static class CliOptions
{
    public static Option<ImageSize> Size(string defaultSize) => new("--size")
    {
        Description = "image size WIDTHxHEIGHT",
        HelpName = "WxH",
        DefaultValueFactory = _ => ImageSize.Parse(defaultSize),
        CustomParser = r =>
        {
            try { return ImageSize.Parse(r.Tokens[0].Value); }
            catch (FormatException e) { r.AddError($"--size: {e.Message}"); return default; }
        },
    };

    public static Option<int> Seed() => new("--seed") { Description = "base seed", DefaultValueFactory = _ => 1 };

    public static Option<Domain> Domain(string description) => new("--domain")
    {
        Description = $"{description}: {string.Join(", ", Domains.Names)}",
        HelpName = "name",
        DefaultValueFactory = _ => Scenes.Domain.Clear,
        CustomParser = r =>
        {
            if (Domains.TryParse(r.Tokens[0].Value, out var d)) return d;
            r.AddError($"--domain: unknown domain '{r.Tokens[0].Value}'; expected one of: {string.Join(", ", Domains.Names)}");
            return default;
        },
    };
}
