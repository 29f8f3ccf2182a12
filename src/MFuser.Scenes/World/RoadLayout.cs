using MFuser.Scenes.Randomness;

namespace MFuser.Scenes.World;

/// <summary>The cross-section and the plan of one seed's road: lanes, parking, sidewalks, curvature along the
/// arc length <c>s</c> (metres), and where the sun stands. Road coordinates are (s, d): d is the lateral offset
/// from the centre line, positive to the right of the driving direction.</summary>
public sealed class RoadLayout
{
    private float a1, w1, p1, a2, w2, p2;

    /// <summary>Re-plans the road for another seed (reuses the object: no allocation per scene).</summary>
    public void Reset(long seed)
    {
        var rng = Rng.For(seed, 1);
        LanesPerDirection = rng.Chance(0.6f) ? 1 : 2;
        LaneWidth = rng.Range(3.0f, 3.7f);
        Parking = rng.Chance(0.65f);
        SidewalkWidth = rng.Range(2.0f, 4.5f);
        HasTram = LanesPerDirection == 2 && rng.Chance(0.5f);
        var curvy = rng.Chance(0.7f);
        a1 = curvy ? rng.Range(0.002f, 0.009f) : rng.Range(0f, 0.0015f);
        w1 = 2 * MathF.PI / rng.Range(180f, 420f); p1 = rng.Range(0, 6.283f);
        a2 = a1 * rng.Range(0.1f, 0.5f);
        w2 = 2 * MathF.PI / rng.Range(60f, 140f); p2 = rng.Range(0, 6.283f);
        SunSide = rng.Sign();
        SunShadowReach = rng.Range(3f, 12f);
    }

    public int LanesPerDirection { get; private set; }
    public float LaneWidth { get; private set; }
    /// <summary>A parking lane on both edges of the carriageway.</summary>
    public bool Parking { get; private set; }
    public float ParkingWidth => 2.2f;
    public float SidewalkWidth { get; private set; }
    /// <summary>Trams run in the inner lanes (class <c>train</c>).</summary>
    public bool HasTram { get; private set; }
    /// <summary>Half the carriageway width: lanes plus the parking lane.</summary>
    public float HalfWidth => LanesPerDirection * LaneWidth + (Parking ? ParkingWidth : 0);
    /// <summary>Outer edge of the sidewalk (distance from the centre line).</summary>
    public float SidewalkOuter => HalfWidth + SidewalkWidth;
    /// <summary>-1: the sun is on the left, so left-hand buildings shade the street; +1: on the right.</summary>
    public float SunSide { get; private set; }
    /// <summary>How far building shadows reach into the street from the sun-side facades (metres).</summary>
    public float SunShadowReach { get; private set; }

    /// <summary>Lateral centre of driving lane <paramref name="lane"/> (0 = next to the centre line) on side
    /// <paramref name="side"/> (+1 right, with traffic; -1 left, oncoming).</summary>
    public float LaneCentre(int lane, int side) => side * (lane + 0.5f) * LaneWidth;

    /// <summary>Heading change of the road between s0 and s0 + z (radians), integrated analytically.</summary>
    public float HeadingChange(double s0, float z)
    {
        float Term(float a, float w, float p) =>
            -a / w * (MathF.Cos((float)(w * (s0 + z)) + p) - MathF.Cos((float)(w * s0) + p));
        return Term(a1, w1, p1) + Term(a2, w2, p2);
    }
}
