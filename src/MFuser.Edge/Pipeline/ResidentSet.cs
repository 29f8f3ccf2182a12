using System.Buffers.Text;
using System.Diagnostics;

namespace MFuser.Edge.Pipeline;

/// <summary>The daemon's resident set size for <c>stats.memory</c>, read from <c>/proc/self/statm</c> into a stack
/// buffer. <see cref="Process.WorkingSet64"/> on Linux builds a whole process snapshot, reading the stat file of
/// every thread (ONNX Runtime's and the thread pool's included): tens of kilobytes of garbage per stats message.</summary>
public static class ResidentSet
{
    /// <summary>Resident bytes; falls back to <see cref="Process.WorkingSet64"/> where /proc is not readable.</summary>
    public static long Bytes()
    {
        Span<byte> text = stackalloc byte[256];
        try
        {
            using var file = File.OpenHandle("/proc/self/statm");
            // "size resident shared text lib data dt", in pages.
            var line = text[..RandomAccess.Read(file, text, 0)];
            var fields = line[(line.IndexOf((byte)' ') + 1)..];
            if (Utf8Parser.TryParse(fields, out long pages, out _))
                return pages * Environment.SystemPageSize;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
