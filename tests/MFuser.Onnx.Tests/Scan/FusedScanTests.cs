using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using static MFuser.Onnx.Tests.Scan.ScanCases;

namespace MFuser.Onnx.Tests.Scan;

/// <summary>The fused node run by the native operator library, against the oracle and the portable form.</summary>
public class FusedScanTests
{
    [Theory]
    [InlineData(1, 1, 1, 5, 4, 17, (int)Optional.All)]
    [InlineData(2, 2, 4, 7, 16, 300, (int)(Optional.D | Optional.DeltaBias))]
    [InlineData(3, 1, 1, 33, 8, 1026, (int)(Optional.D | Optional.DeltaBias))]  // the tiny preset's backbone scan
    public void Fused_and_portable_variants_agree_with_each_other_and_the_oracle(int seed, int batch, int groups, int perGroup, int state,
        int length, int optional)
    {
        var c = RoundedTo(Random(seed, batch, groups * perGroup, length, state, groups, (Optional)optional), ElementType.Float);
        var library = NativeOps.LibraryPath();
        var (fusedY, fusedLast) = ScanCases.Run(Model(ScanVariant.Fused, c, wantLastState: true), c, library);
        var (portableY, portableLast) = ScanCases.Run(Model(ScanVariant.Portable, c, wantLastState: true), c);
        var (refY, refLast) = ScanReference.Run(c);

        Assert.True(ScaledError(fusedY, refY) <= 1e-5, $"fused vs oracle {ScaledError(fusedY, refY):E2}");
        Assert.True(ScaledError(fusedLast!, refLast) <= 1e-5, $"fused last_state vs oracle {ScaledError(fusedLast!, refLast):E2}");
        var between = ScaledError(fusedY, portableY.Select(v => (double)v).ToArray());
        Assert.True(between <= 2e-5, $"fused vs portable {between:E2}");
        Assert.True(ScaledError(fusedLast!, portableLast!.Select(v => (double)v).ToArray()) <= 2e-5);
    }
}
