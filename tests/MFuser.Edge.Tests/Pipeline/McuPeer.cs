using MFuser.Edge.Serial.Mcu;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary>The MCU's end of a pty pair: reads until the pty goes away and decodes every 0x00-delimited COBS block.</summary>
internal static class McuPeer
{
    public static void Read(PtyPair pty, List<FreeSpaceFrame> frames)
    {
        using var port = pty.OpenPeer();
        var block = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = port.Read(buffer)) > 0)
                foreach (var b in buffer.AsSpan(0, n))
                {
                    if (b != 0)
                    {
                        block.Add(b);
                        continue;
                    }
                    var frame = new FreeSpaceFrame();
                    Assert.Equal(FreeSpaceDecodeError.None, FreeSpaceFrameCodec.TryDecode(block.ToArray(), frame));
                    lock (frames)
                        frames.Add(frame);
                    block.Clear();
                }
        }
        catch (IOException)
        {
            // the pty pair was closed
        }
    }
}
