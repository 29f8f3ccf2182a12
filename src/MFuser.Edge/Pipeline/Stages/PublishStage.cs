using MFuser.Edge.Core.Control;
using MFuser.Edge.Messaging;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>The MQTT outputs of a frame (docs/mqtt-api.md): <c>drivable</c> every frame, the <c>segmentation</c> PNG and
/// the <c>overlay</c> JPEG at their runtime-settable rates. Hand-over only queues (the link's bounded best-effort queue
/// drops, counted, when full or disconnected); images are encoded only when their gate opens.</summary>
public sealed class PublishStage(MqttLink link, RuntimeSettings settings) : IFrameStage, IRuntimeSettingsListener
{
    private readonly RateGate _segmentation = new(settings.SegmentationHz);
    private readonly RateGate _overlay = new(settings.OverlayHz);

    public string Name => "publish";

    public void Process(FrameContext frame)
    {
        link.TryPublish(link.Topics.Drivable, frame.DrivableJson.Span);
        if (_segmentation.TryEnter())
            link.TryPublish(link.Topics.Segmentation, frame.LabelsPng(), MessageMeta.Image("image/png", frame.Stamp, frame.Width, frame.Height));
        if (_overlay.TryEnter())
            link.TryPublish(link.Topics.Overlay, frame.OverlayJpeg(), MessageMeta.Image("image/jpeg", frame.Stamp, frame.Width, frame.Height));
    }

    public void SettingChanged(string name)
    {
        if (name == RuntimeSettings.SegmentationHzName)
            _segmentation.Hz = settings.SegmentationHz;
        else if (name == RuntimeSettings.OverlayHzName)
            _overlay.Hz = settings.OverlayHz;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
