using MFuser.Edge.Client.Ros;

namespace MFuser.Edge.Client.Tests.Docs;

/// <summary>The example of docs/client.md, compiled here (the text between the markers is the page's code block,
/// checked by <see cref="DocExampleTests"/>).</summary>
internal static class ClientExample
{
    public static async Task RunAsync(TextWriter console, int port, CancellationToken stop)
    {
        // docs-example-begin
        await using var edge = new EdgeClient(new EdgeClientOptions { Host = "127.0.0.1", Port = port, DeviceId = "truck-07" });
        edge.AvailabilityChanged += state => console.WriteLine($"truck-07 is {state}");
        edge.InfoReceived += info => console.WriteLine($"model {info.Model.Name} {info.Model.Version} at {info.Input.Width}x{info.Input.Height}");
        edge.DrivableReceived += d =>
        {
            var corridor = d.EgoCorridor.Row < 0 ? "clear" : d.EgoCorridor.RangeM is { } m ? $"blocked at {m:F1} m" : "blocked";
            console.WriteLine($"frame {d.Frame}: {d.DrivableFraction:P0} drivable, corridor {corridor}");
            if (d.ToLaserScan() is { } scan) // null without a camera calibration
                console.WriteLine($"  nearest obstacle {scan.Ranges.Min():F1} m (+inf: none within {scan.RangeMax} m)");
        };
        edge.SegmentationReceived += map =>
        {
            var road = edge.Info?.Classes.FirstOrDefault(c => c.Name == "road")?.Id ?? 0;
            console.WriteLine($"frame {map.Frame}: {map.ClassIds.Count(id => id == road)} road pixels of {map.Width * map.Height}");
        };
        edge.DomainShiftReceived += e => console.WriteLine($"domain shift {e.Event} {e.EventId}: {e.Dominant}, score {e.Score:F1}");
        edge.StatsReceived += s => console.WriteLine($"{s.Fps:F1} fps, inference p50 {s.LatencyMs["inference"].P50} ms");
        edge.MessageRejected += r => console.WriteLine($"ignored a bad message on {r.Topic}: {r.Reason}");
        await edge.ConnectAsync(stop);
        await Task.Delay(Timeout.Infinite, stop);
        // docs-example-end
    }
}
