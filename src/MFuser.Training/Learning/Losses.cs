using MFuser.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace MFuser.Training.Learning;

/// <summary>Loss weights of the official head (research §7).</summary>
public sealed record LossWeights(double Class = 2.0, double Mask = 5.0, double Dice = 5.0, double NoObject = 0.1, double Identity = 1.0);

/// <summary>Scalar losses of one batch (each already weighted) and their sum.</summary>
public sealed record LossTerms(Tensor Total, double Class, double Mask, double Dice, double Identity);

/// <summary>
/// Mask2Former-style losses with the official identity assignment (query q ↔ class q; no Hungarian matching):
/// class CE over K+1 (no-object weight 0.1, mean weighted by the targets' class weights), mask BCE and dice for
/// the classes present, on every decoder prediction with equal weight, plus the auxiliary identity loss (pixel CE
/// of score_map/τ). Documented simplification: BCE and dice are computed on every pixel of the stride-4 mask grid
/// (labels downsampled by nearest neighbour, ignore pixels excluded) instead of 12,544 importance-sampled points —
/// at the tiny preset's 64×128 mask grid that is only 8,192 pixels.
/// </summary>
public static class Losses
{
    public static LossTerms Compute(MFuserOutput output, Tensor labels, int numClasses, LossWeights w)
    {
        var head = output.Head;
        long b = labels.shape[0];
        int h = (int)head.MaskLogits[0].shape[2], wd = (int)head.MaskLogits[0].shape[3];
        // GT at mask resolution: nearest-neighbour sampling of the label map
        var small = nn.functional.interpolate(labels.unsqueeze(1).to(float32), [h, wd], mode: InterpolationMode.Nearest).squeeze(1).to(int64);
        var valid = (small != 255).to(float32);                                          // (B, h, w)
        var onehot = nn.functional.one_hot(small.clamp(0, numClasses), numClasses + 1).narrow(-1, 0, numClasses)
            .permute(0, 3, 1, 2).to(float32);                                            // (B, K, h, w)
        var present = (onehot * valid.unsqueeze(1)).sum([2, 3]) > 0;                     // (B, K)
        var presentF = present.to(float32);
        var clsTarget = where(present, arange(numClasses, dtype: int64).unsqueeze(0).expand(b, -1), (long)numClasses); // (B, K)
        var classWeight = ones(numClasses + 1);
        classWeight[numClasses] = w.NoObject;
        double nMasks = Math.Max(1.0, presentF.sum().item<float>());
        Tensor cls = zeros(1), bce = zeros(1), dice = zeros(1);
        for (int i = 0; i < head.ClassLogits.Length; i++)
        {
            var logits = head.ClassLogits[i];
            cls = cls + nn.functional.cross_entropy(logits.reshape(-1, numClasses + 1), clsTarget.reshape(-1), weight: classWeight);
            var m = head.MaskLogits[i];                                                  // (B, K, h, w)
            var perPixel = nn.functional.binary_cross_entropy_with_logits(m, onehot, reduction: nn.Reduction.None) * valid.unsqueeze(1);
            var pixels = valid.sum([1, 2]).clamp_min(1).unsqueeze(1);                     // (B, 1)
            bce = bce + (perPixel.sum([2, 3]) / pixels * presentF).sum() / nMasks;
            var p = m.sigmoid() * valid.unsqueeze(1);
            var t = onehot * valid.unsqueeze(1);
            var d = 1 - (2 * (p * t).sum([2, 3]) + 1) / (p.sum([2, 3]) + t.sum([2, 3]) + 1);
            dice = dice + (d * presentF).sum() / nMasks;
        }
        var score = nn.functional.interpolate(output.ScoreMap / MFuserModel.ScoreTemperature, [labels.shape[1], labels.shape[2]],
            mode: InterpolationMode.Bilinear, align_corners: false);
        var identity = nn.functional.cross_entropy(score, labels, ignore_index: 255);
        cls = cls * w.Class; bce = bce * w.Mask; dice = dice * w.Dice; identity = identity * w.Identity;
        var total = (cls + bce + dice + identity).squeeze();
        return new LossTerms(total, cls.item<float>(), bce.item<float>(), dice.item<float>(), identity.item<float>());
    }
}
