namespace MFuser.Edge.Web;

/// <summary>The images the console can show. Flags, so <see cref="ConsoleFeed.DueViews"/> can ask for several at once.</summary>
[Flags]
public enum ConsoleView
{
    None = 0,

    /// <summary>The camera frame at model resolution, JPEG (<c>/stream/camera</c>, <c>/api/snapshot.jpg</c>).</summary>
    Camera = 1,

    /// <summary>The camera frame with the class colours blended in, JPEG, as the MQTT <c>overlay</c> topic.</summary>
    Overlay = 2,

    /// <summary>The label map drawn in the class colours only, JPEG.</summary>
    LabelColors = 4,

    /// <summary>The class-id map, 8-bit grey PNG, as the MQTT <c>segmentation</c> topic (<c>/api/labels.png</c>).</summary>
    LabelIds = 8,
}
