using System.CommandLine;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Pipeline.Stages;

namespace MFuser.Edge.Cli;

/// <summary>The options every command shares. Values are taken as text and validated by <see cref="ConfigLoader"/>,
/// so a bad value exits with code 2 and names the key, the value and what is allowed.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Config { get; } = new("--config") { Description = "JSON configuration file (see docs/configuration.md)" };
    public Option<string?> Model { get; } = new("--model") { Description = $"Model package directory (default {ConfigSchema.DefaultModel})" };
    public Option<string?> Source { get; } = new("--source") { Description = $"Camera source URI (default {ConfigSchema.DefaultSource})" };
    public Option<string?> Broker { get; } = new("--broker") { Description = "mqtt://host:port, mqtts://host:port or embedded (default)" };
    public Option<string?> MaxFrames { get; } = new("--max-frames") { Description = "Exit cleanly after N processed frames (publishes " +
                                                                                    "available=stopped first)" };
    public Option<string?> DeviceId { get; } = new("--device-id") { Description = "Device id in the topic base " +
                                                                                  "<prefix>/<device_id> (default: host name)" };

    public void AddTo(Command command)
    {
        foreach (var o in new[] { Config, Model, Source, Broker, MaxFrames, DeviceId })
            command.Options.Add(o);
    }

    /// <summary>Loads the configuration: defaults, the --config file, MFUSER_* variables, then these options.</summary>
    public EdgeConfig Load(ParseResult parse)
    {
        var overrides = new List<(string, string, string)>();
        void Add(Option<string?> option, string key)
        {
            if (parse.GetValue(option) is { } v)
                overrides.Add((key, v, option.Name));
        }
        Add(Model, "model.path");
        Add(Source, "source.uri");
        Add(Broker, "broker.url");
        Add(MaxFrames, "run.max_frames");
        Add(DeviceId, "device_id");
        var config = ConfigLoader.Load(parse.GetValue(Config), Environment.GetEnvironmentVariables(), overrides);
        if (config.Source.Uri.Kind == SourceKind.Synthetic)
        {
            try
            {
                SyntheticSource.Validate(config.Source.Uri);
            }
            catch (Exception e) when (e is ArgumentException or UriFormatException)
            {
                // ".NET's (Parameter 'uri')" says nothing to a user; the origin says where the URI came from.
                var message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
                throw new ConfigException([new ConfigProblem(config.OriginOf("source.uri"), "source.uri", config.Source.Uri.Original, message)]);
            }
        }
        if (config.Web.Enabled && ConsoleStage.Check(config.Web, config.OriginOf).ToList() is { Count: > 0 } web)
            throw new ConfigException(web);
        return config;
    }
}
