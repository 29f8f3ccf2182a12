using MFuser.Scenes.Randomness;

namespace MFuser.Scenes.World;

/// <summary>The moving road users around the ego vehicle: vehicles in lanes (each lane has one speed, so vehicles
/// of a lane never run into each other), cyclists and motorcyclists with riders, pedestrians walking along the
/// sidewalks and crossing the road. Deterministic from the seed; <see cref="Step"/> advances it in time and
/// keeps the neighbourhood of the ego vehicle populated.</summary>
public sealed class Traffic
{
    /// <summary>Agents are kept in [ego - Behind, ego + Ahead].</summary>
    private const float Behind = 30f, Ahead = 230f;

    private readonly RoadLayout road;
    private readonly float[] laneSpeed = new float[8];
    private readonly double[] laneFrontier = new double[8];
    private int lanes;
    private int egoLane;
    private Rng rng;
    private double pedestrianFrontier;

    public List<WorldObject> Agents { get; } = new(96);

    /// <param name="egoLane">The ego vehicle's lane on the right side; its traffic moves at the ego's speed.</param>
    public Traffic(RoadLayout road) => this.road = road;

    /// <summary>Populates the road of the current <see cref="RoadLayout"/> for a new seed around the ego vehicle.</summary>
    public void Reset(long seed, int egoLane, float egoSpeed, double egoS)
    {
        this.egoLane = egoLane;
        rng = Rng.For(seed, 3);
        lanes = road.LanesPerDirection * 2;
        Agents.Clear();
        for (var i = 0; i < lanes; i++)
        {
            var (lane, side) = LaneOf(i);
            // The ego lane moves with the ego vehicle (it follows), the other lanes with traffic are slower (the
            // ego overtakes them), so every lane is refilled from the far end and nothing drives through the ego.
            laneSpeed[i] = side < 0 ? -rng.Range(6f, 14f) : lane == egoLane ? egoSpeed : egoSpeed * rng.Range(0.35f, 0.8f);
            laneFrontier[i] = egoS - Behind + rng.Range(0f, 20f);
        }
        pedestrianFrontier = egoS - Behind;
        Fill(egoS);
    }

    private (int lane, int side) LaneOf(int i) => (i % road.LanesPerDirection, i < road.LanesPerDirection ? -1 : 1);

    /// <summary>Advances every agent by <paramref name="dt"/> seconds, removes the ones left behind and spawns
    /// new ones ahead of the ego vehicle at <paramref name="egoS"/>.</summary>
    public void Step(float dt, double egoS)
    {
        var list = Agents;
        for (var i = list.Count - 1; i >= 0; i--)
        {
            var a = list[i];
            a.S += a.Speed * dt;
            a.D += a.LateralSpeed * dt;
            a.Phase += dt * (a.Kind == ObjectKind.Pedestrian ? 7f : Math.Abs(a.Speed) * 2.5f);
            if (a.Kind == ObjectKind.Pedestrian && a.LateralSpeed != 0 && Math.Abs(a.D) > road.HalfWidth + 1.2f)
            {
                a.LateralSpeed = 0; // reached the far sidewalk: walk on along it
                a.Speed = rng.Sign() * rng.Range(0.9f, 1.5f);
            }
            if (a.S < egoS - Behind || a.S > egoS + Ahead + 40) list.RemoveAt(i);
            else list[i] = a;
        }
        for (var i = 0; i < lanes; i++)
            laneFrontier[i] = Math.Max(laneFrontier[i] + laneSpeed[i] * dt, egoS - Behind);
        Fill(egoS);
    }

    private void Fill(double egoS)
    {
        for (var i = 0; i < lanes; i++)
        {
            // The frontier is where the lane's next vehicle goes; it moves with the lane.
            var (lane, side) = LaneOf(i);
            while (laneFrontier[i] < egoS + Ahead)
            {
                var s = laneFrontier[i];
                var tram = road.HasTram && lane == 0 && rng.Chance(0.12f);
                var kind = tram ? ObjectKind.Tram : PickVehicle(lane);
                var v = Vehicles.Make(kind, ref rng);
                var egoClear = side > 0 && lane == egoLane && s < egoS + 8 && s + v.Length > egoS - 6;
                if (!egoClear && rng.Chance(0.75f))
                {
                    v.S = s; v.Direction = (sbyte)side; v.Speed = laneSpeed[i];
                    v.D = road.LaneCentre(lane, side) + rng.Range(-0.3f, 0.3f);
                    v.Ridden = kind is ObjectKind.Motorcycle or ObjectKind.Bicycle;
                    if (kind == ObjectKind.Bicycle) v.D = side * (lane + 0.82f) * road.LaneWidth;
                    Agents.Add(v);
                }
                laneFrontier[i] = s + v.Length + rng.Range(6f, 45f);
            }
        }
        while (pedestrianFrontier < egoS + Ahead)
        {
            var s = pedestrianFrontier;
            var crossing = rng.Chance(0.18f);
            var side = rng.Sign();
            // Crossing pedestrians are on the oncoming half walking away from the ego lane, so the ego vehicle
            // never drives through one.
            var d = crossing ? rng.Range(-road.HalfWidth + 0.3f, -0.3f)
                : side * (road.HalfWidth + rng.Range(0.5f, road.SidewalkWidth - 0.3f));
            var p = Pedestrians.Make(ref rng, s, d);
            if (crossing) p.LateralSpeed = -rng.Range(0.9f, 1.5f);
            else p.Speed = rng.Sign() * rng.Range(0.9f, 1.6f);
            Agents.Add(p);
            pedestrianFrontier = s + rng.Range(4f, 22f);
        }
    }

    private ObjectKind PickVehicle(int lane)
    {
        var r = rng.NextFloat();
        if (lane == road.LanesPerDirection - 1 && r < 0.1f) return ObjectKind.Bicycle;
        return r < 0.72f ? ObjectKind.Car : r < 0.8f ? ObjectKind.Truck : r < 0.88f ? ObjectKind.Bus : r < 0.95f
            ? ObjectKind.Motorcycle : ObjectKind.Car;
    }
}
