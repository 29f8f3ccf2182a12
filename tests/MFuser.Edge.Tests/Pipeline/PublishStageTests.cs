using MFuser.Edge.Core.Control;
using MFuser.Edge.Messaging;
using MFuser.Edge.Pipeline.Stages;
using MFuser.ModelPackage.Classes;
using MFuser.TestSupport;
using OpenCvSharp;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="PublishStage"/> against a real mosquitto: drivable every frame, images at their rates, rates
/// following the runtime settings.</summary>
public sealed class PublishStageTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Every_frame_publishes_drivable_and_the_segmentation_png_carries_the_class_ids()
    {
        using var harness = new StageHarness();
        await using var link = new MqttLink(new MqttLinkOptions { Host = _broker.Host, Port = _broker.Port, DeviceId = "publish" });
        link.Start();
        Assert.True(await link.WaitConnectedAsync(TimeSpan.FromSeconds(10)));
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Base + "/#");
        var settings = new RuntimeSettings(segmentationHz: 60, overlayHz: 0, recording: false);
        await using var stage = new PublishStage(link, settings);

        harness.Run([stage], 8);

        Wait.Until(() => probe.On(link.Topics.Drivable).Count == 8, () => $"{probe.On(link.Topics.Drivable).Count} of 8 drivable payloads");
        var frames = probe.On(link.Topics.Drivable).Select(m =>
            System.Text.Json.JsonDocument.Parse(m.Payload).RootElement.GetProperty("frame").GetInt64());
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), frames.Order());
        var png = probe.On(link.Topics.Segmentation).First();
        Assert.Equal("image/png", png.ContentType);
        Assert.Equal(harness.Width.ToString(), png.UserProperties["width"]);
        using var labels = Cv2.ImDecode(png.Payload, ImreadModes.Unchanged);
        Assert.Equal((harness.Width, harness.Height, 1), (labels.Cols, labels.Rows, labels.Channels()));
        Assert.Equal(TrainIds.Sky, labels.At<byte>(0, 0));
        Assert.Equal(TrainIds.Road, labels.At<byte>(harness.Height - 1, 0));
        Assert.Empty(probe.On(link.Topics.Overlay));
    }

    [Fact]
    public async Task A_runtime_setting_change_opens_the_overlay_gate()
    {
        using var harness = new StageHarness();
        await using var link = new MqttLink(new MqttLinkOptions { Host = _broker.Host, Port = _broker.Port, DeviceId = "overlay" });
        link.Start();
        Assert.True(await link.WaitConnectedAsync(TimeSpan.FromSeconds(10)));
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Overlay);
        var settings = new RuntimeSettings(segmentationHz: 0, overlayHz: 0, recording: false);
        await using var stage = new PublishStage(link, settings);
        settings.Changed += stage.SettingChanged;
        harness.Run([stage], 3);
        Assert.Empty(probe.Messages);
        ApplyOverlay(settings, 60);
        harness.Run([stage], 3);

        var overlay = await probe.WaitForAsync(m => m.Topic == link.Topics.Overlay, TimeSpan.FromSeconds(10));
        Assert.Equal("image/jpeg", overlay.ContentType);
        using var jpeg = Cv2.ImDecode(overlay.Payload, ImreadModes.Color);
        Assert.Equal((harness.Width, harness.Height), (jpeg.Cols, jpeg.Rows));
        Assert.InRange(int.Parse(overlay.UserProperties["frame"]), 0, 2);
    }

    /// <summary>Sets overlay_hz the way the MQTT control surface does (through a router over the same settings).</summary>
    private static void ApplyOverlay(RuntimeSettings settings, double hz)
    {
        var router = new ControlRouter(settings, new Dictionary<string, CommandHandler>());
        var reply = router.Handle("overlay_hz/set",
            new(System.Text.Encoding.UTF8.GetBytes(hz.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.True(reply?.Accepted, reply?.Error);
    }
}
