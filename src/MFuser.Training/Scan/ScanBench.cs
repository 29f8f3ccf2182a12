using MFuser.Onnx.Architecture;
using static TorchSharp.torch;
namespace MFuser.Training.Scan;
/// <summary>Times the training scan at a preset's backbone shape (used by <c>mfuser-train bench</c>).</summary>
internal sealed class ScanBench(MFuserConfig cfg, int batch)
{
    public void Run()
    {
        long d = cfg.Fusion.Expand * cfg.Width / 2, l = cfg.TokensPerStream * cfg.StreamCount, n = cfg.Fusion.DState;
        var u = randn(batch, d, l); var A = -rand(d, n); var B = randn(batch, n, l); var D = ones(d); var bias = zeros(d);
        for (int i = 0; i < cfg.Depth; i++) SelectiveScan.Chunked(u, u, A, B, B, D, bias);
    }
}
