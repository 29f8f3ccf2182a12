namespace MFuser.Edge.Client.Payloads;

/// <summary><c>&lt;base&gt;/info</c> (retained): what the device is and runs (docs/mqtt-api.md).</summary>
/// <param name="Device">The device id (the last level of the base topic).</param>
/// <param name="Input">Model resolution: the size of segmentation maps and the coordinates of <c>drivable</c> rows.</param>
public sealed record DeviceInfo(
    string Device,
    string SoftwareVersion,
    DateTimeOffset StartedAt,
    ModelIdentity Model,
    IReadOnlyList<ClassDescription> Classes,
    ImageDimensions Input,
    ExecutionPlacement Execution,
    CalibrationSummary Calibration,
    FreeSpaceLayout FreeSpace)
{
    /// <summary>The class with id <paramref name="id"/>, or null (255 = ignore, or an id outside the table).</summary>
    public ClassDescription? ClassOf(int id) => Classes.FirstOrDefault(c => c.Id == id);
}

/// <summary>The model package in use; <see cref="Sha256"/> is the hash of its ONNX file.</summary>
public sealed record ModelIdentity(string Name, string Version, string Sha256);

/// <summary>One row of the class table; <see cref="Color"/> is [r, g, b] as drawn in overlays.</summary>
public sealed record ClassDescription(int Id, string Name, IReadOnlyList<int> Color, bool Drivable);

public sealed record ImageDimensions(int Width, int Height);

/// <summary>The ONNX Runtime execution provider running the model, those tried, and graph nodes per provider.</summary>
public sealed record ExecutionPlacement(string Provider, IReadOnlyList<string> Requested, IReadOnlyDictionary<string, int> NodePlacement);

/// <summary>Whether the free space carries bearings and ground ranges, and from which calibration.</summary>
public sealed record CalibrationSummary(bool Present, string? File, double? MountHeightM, double? PitchDeg, double? RollDeg);

/// <summary>The fixed bin layout of <c>drivable.free_space</c>: bin i covers columns [ColumnEdges[i], ColumnEdges[i+1]).</summary>
public sealed record FreeSpaceLayout(int Bins, IReadOnlyList<int> ColumnEdges, bool Calibrated);
