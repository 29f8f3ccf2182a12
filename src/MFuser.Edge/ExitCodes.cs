namespace MFuser.Edge;

/// <summary>Process exit codes of mfuser-edge (documented in docs/configuration.md).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int Configuration = 2;
    public const int ModelPackage = 3;
    public const int SourceUnavailable = 4;
    public const int NoExecutionProvider = 5;

    /// <summary>A command that writes its result only when complete (<c>calibrate-domain</c>) was interrupted: 128 + SIGINT,
    /// as shells report it.</summary>
    public const int Interrupted = 130;
}
