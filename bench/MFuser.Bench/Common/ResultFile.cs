using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFuser.Bench;

/// <summary>Writes a benchmark's result as <c>bench/results/&lt;yyyy-MM-dd&gt;-&lt;hostname&gt;-&lt;name&gt;.json</c> (the whole
/// suite: <c>&lt;yyyy-MM-dd&gt;-&lt;hostname&gt;.json</c>), with the machine description every result needs to be comparable.</summary>
public static class ResultFile
{
    public const string SuiteName = "suite";

    public static string Write(string directory, string name, JsonObject result)
    {
        var now = DateTime.UtcNow;
        var host = Environment.MachineName;
        var document = new JsonObject
        {
            ["benchmark"] = name,
            ["date_utc"] = now.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["host"] = host,
            ["cpu"] = CpuModel(),
            ["logical_cores"] = Environment.ProcessorCount,
            ["load_average_1min"] = LoadAverage(),
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["architecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
            ["result"] = result,
        };
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name == SuiteName ? $"{now:yyyy-MM-dd}-{host}.json" : $"{now:yyyy-MM-dd}-{host}-{name}.json");
        File.WriteAllText(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }

    /// <summary>The repository's bench/results folder.</summary>
    public static string DefaultDirectory() => Path.Combine(Repository.Root, "bench", "results");

    /// <summary>The 1-minute load average when the result was written: on a shared machine it says how far the
    /// wall-clock figures are from an idle core's.</summary>
    public static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException) { return null; }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException) { return "unknown"; }
    }
}
