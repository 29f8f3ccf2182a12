using MFuser.Scenes.Randomness;

namespace MFuser.Scenes;

/// <summary>Derives the seed of scene <c>index</c> of a data set drawn with a base seed, so data sets with
/// different base seeds do not overlap and every domain of one base seed shows the same scenes.</summary>
public static class SceneSeeds
{
    public static int Derive(int baseSeed, int index) =>
        (int)(Hash.Mix((ulong)(uint)baseSeed, (ulong)(uint)index, 0x5CE7E5) & 0x7FFF_FFFF);
}
