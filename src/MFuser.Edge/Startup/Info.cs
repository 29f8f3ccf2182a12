using MFuser.Edge.Cli;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Startup;

/// <summary>The retained <c>info</c> payload (docs/mqtt-api.md): what this daemon is and runs.</summary>
public static class Info
{
    public static InfoPayload Payload(EdgeConfig config, ModelStack model, DateTimeOffset started)
    {
        var m = model.Package.Manifest;
        var session = model.Session;
        var calibration = model.Calibration;
        return new InfoPayload(
            config.DeviceId,
            InfoCommand.SoftwareVersion,
            started,
            new ModelInfo(m.Name, m.Version, m.Sha256),
            m.Classes.Select(ClassEntry.From).ToArray(),
            new ImageSize(session.Width, session.Height),
            // Measured from the warm-up's profiling trace (SegmentationSession.Placement); empty when it was not measured.
            new ExecutionInfo(session.Provider, config.Inference.Providers, session.Placement?.NodeCounts ?? new Dictionary<string, int>()),
            calibration is null
                ? new CalibrationInfo(false, null, null, null, null)
                : new CalibrationInfo(true, config.CalibrationFile, calibration.MountHeightM, calibration.PitchRad * 180 / Math.PI,
                    calibration.RollRad * 180 / Math.PI),
            FreeSpaceLayout.From(model.Analyzer.Summary.FreeSpace));
    }
}
