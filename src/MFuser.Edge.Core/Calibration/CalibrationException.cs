namespace MFuser.Edge.Core.Calibration;

/// <summary>A calibration file could not be read or is inconsistent; the message names the file, the key, what was
/// expected and what was found.</summary>
public sealed class CalibrationException(string message, Exception? inner = null) : Exception(message, inner);
