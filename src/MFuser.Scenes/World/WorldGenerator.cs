using MFuser.Scenes.Randomness;

namespace MFuser.Scenes.World;

/// <summary>Builds the static content of road chunks (buildings, vegetation, street furniture, parked vehicles,
/// standing pedestrians) from (seed, chunk index).</summary>
public sealed class WorldGenerator(RoadLayout road)
{
    /// <summary>The world seed; set through <see cref="SceneWorld.Reset"/>.</summary>
    public long Seed { get; internal set; }
    public RoadLayout Road { get; } = road;

    /// <summary>Refills <paramref name="chunk"/> with the content of chunk <paramref name="index"/>.</summary>
    public void Fill(Chunk chunk, long index)
    {
        chunk.Index = index;
        chunk.Objects.Clear();
        var rng = Rng.For(Seed, 100, index);
        var start = chunk.Start;
        var end = start + Chunk.Length;

        chunk.HasCrossing = rng.Chance(0.3f);
        chunk.CrossingHalfWidth = rng.Range(5f, 7.5f);
        chunk.CrossingS = start + rng.Range(chunk.CrossingHalfWidth + 1, Chunk.Length - chunk.CrossingHalfWidth - 1);
        chunk.HasZebra = chunk.HasCrossing && rng.Chance(0.7f);

        foreach (var side in stackalloc float[] { -1f, 1f })
        {
            // Zones persist over blocks of three chunks so the street has a character, not a patchwork.
            var block = Rng.For(Seed, side < 0 ? 101 : 102, (long)Math.Floor(index / 3.0));
            var roll = block.NextFloat();
            var zone = roll < 0.55f ? Zone.Urban : roll < 0.8f ? Zone.Green : Zone.Walled;
            var paved = block.Chance(0.6f);
            var facade = Road.SidewalkOuter + (paved ? block.Range(0f, 2.5f) : block.Range(2f, 6f));
            if (side < 0) { chunk.LeftZone = zone; chunk.LeftPaved = paved; chunk.LeftFacade = facade; }
            else { chunk.RightZone = zone; chunk.RightPaved = paved; chunk.RightFacade = facade; }

            switch (zone)
            {
                case Zone.Urban: AddBuildings(chunk, ref rng, side, facade, start, end); break;
                case Zone.Green: AddGreen(chunk, ref rng, side, start, end); break;
                case Zone.Walled: AddBoundary(chunk, ref rng, side, start, end); break;
            }
            AddStreetFurniture(chunk, ref rng, side, start);
            if (Road.Parking) AddParked(chunk, ref rng, side, start, end);
            AddStanding(chunk, ref rng, side, start);
        }
    }

    /// <summary>True where a side street (with its sidewalks) or the zebra in front of it occupies [s0, s1].</summary>
    private static bool Blocked(Chunk chunk, double s0, double s1, float margin = 0)
    {
        if (!chunk.HasCrossing) return false;
        var lo = chunk.CrossingS - chunk.CrossingHalfWidth - margin;
        var hi = chunk.CrossingS + chunk.CrossingHalfWidth + margin;
        return s1 > lo && s0 < hi;
    }

    private void AddBuildings(Chunk chunk, ref Rng rng, float side, float facade, double start, double end)
    {
        var s = start + rng.Range(0f, 1.5f);
        while (s < end - 3)
        {
            var length = rng.Range(7f, 22f);
            var e = Math.Min(s + length, end);
            if (Blocked(chunk, s, e))
            {
                // Split around the side street.
                var lo = chunk.CrossingS - chunk.CrossingHalfWidth;
                if (lo - s > 3) Add(chunk, Building(ref rng, s, lo, side, facade));
                s = chunk.CrossingS + chunk.CrossingHalfWidth;
                continue;
            }
            Add(chunk, Building(ref rng, s, e, side, facade));
            s = e + (rng.Chance(0.25f) ? rng.Range(1f, 4f) : 0f);
        }
        if (Road.SidewalkWidth > 2.8f)
            for (var t = start + rng.Range(2f, 10f); t < end; t += rng.Range(9f, 16f))
                if (!Blocked(chunk, t - 2, t + 2, 1))
                    Add(chunk, Tree(ref rng, t, side * (Road.HalfWidth + Road.SidewalkWidth * 0.65f)));
    }

    private static WorldObject Building(ref Rng rng, double s0, double s1, float side, float facade) => new()
    {
        Kind = ObjectKind.Building, S = s0, Length = (float)(s1 - s0), D = side * (facade + 7f), Width = 14f,
        Height = rng.Chance(0.2f) ? rng.Range(16f, 32f) : rng.Range(6f, 16f), Seed = (uint)rng.NextUInt64(),
    };

    private void AddGreen(Chunk chunk, ref Rng rng, float side, double start, double end)
    {
        for (var t = start + rng.Range(0f, 5f); t < end; t += rng.Range(4f, 11f))
            if (!Blocked(chunk, t - 3, t + 3))
                Add(chunk, Tree(ref rng, t, side * (Road.SidewalkOuter + rng.Range(1.5f, 9f))));
        if (rng.Chance(0.5f))
            AddAlong(chunk, ref rng, ObjectKind.Hedge, side, Road.SidewalkOuter + 0.6f, 1.2f, rng.Range(0.8f, 1.6f), start, end);
        if (rng.Chance(0.4f))
        {
            // Houses set well back behind the greenery.
            var s = start + rng.Range(0f, 8f);
            var e = Math.Min(end, s + rng.Range(8f, 18f));
            if (!Blocked(chunk, s, e)) Add(chunk, Building(ref rng, s, e, side, Road.SidewalkOuter + rng.Range(10f, 20f)));
        }
    }

    private void AddBoundary(Chunk chunk, ref Rng rng, float side, double start, double end)
    {
        var fence = rng.Chance(0.5f);
        var kind = fence ? ObjectKind.Fence : ObjectKind.Wall;
        AddAlong(chunk, ref rng, kind, side, Road.SidewalkOuter + 0.15f, 0.25f,
            fence ? rng.Range(1.2f, 2.2f) : rng.Range(1.4f, 3.0f), start, end);
        for (var t = start + rng.Range(0f, 6f); t < end; t += rng.Range(6f, 14f))
            if (!Blocked(chunk, t - 3, t + 3))
                Add(chunk, Tree(ref rng, t, side * (Road.SidewalkOuter + rng.Range(2.5f, 8f))));
        if (rng.Chance(0.5f))
        {
            var s = start + rng.Range(0f, 10f);
            var e = Math.Min(end, s + rng.Range(10f, 20f));
            if (!Blocked(chunk, s, e)) Add(chunk, Building(ref rng, s, e, side, Road.SidewalkOuter + rng.Range(6f, 14f)));
        }
    }

    /// <summary>A linear boundary (wall, fence, hedge) along the road, interrupted by side streets.</summary>
    private static void AddAlong(Chunk chunk, ref Rng rng, ObjectKind kind, float side, float offset, float width,
        float height, double start, double end)
    {
        void Segment(ref Rng r, double s0, double s1)
        {
            if (s1 - s0 > 1) Add(chunk, new WorldObject
            {
                Kind = kind, S = s0, Length = (float)(s1 - s0), D = side * offset, Width = width, Height = height,
                Seed = (uint)r.NextUInt64(),
            });
        }
        if (chunk.HasCrossing)
        {
            Segment(ref rng, start, chunk.CrossingS - chunk.CrossingHalfWidth);
            Segment(ref rng, chunk.CrossingS + chunk.CrossingHalfWidth, end);
        }
        else Segment(ref rng, start, end);
    }

    private static WorldObject Tree(ref Rng rng, double s, float d) => new()
    {
        Kind = ObjectKind.Tree, S = s, D = d, Height = rng.Range(4.5f, 10f), Width = rng.Range(2.5f, 5.5f),
        Seed = (uint)rng.NextUInt64(),
    };

    private void AddStreetFurniture(Chunk chunk, ref Rng rng, float side, double start)
    {
        var kerb = side * (Road.HalfWidth + 0.45f);
        var lampS = start + (side < 0 ? 4 : 20) + rng.Range(-1f, 1f);
        if (!Blocked(chunk, lampS - 1, lampS + 1, 0.5f))
            Add(chunk, new WorldObject
            {
                Kind = ObjectKind.StreetLamp, S = lampS, D = kerb, Height = rng.Range(6.5f, 9f), Width = 0.18f,
                Seed = (uint)rng.NextUInt64(),
            });
        if (rng.Chance(0.55f))
        {
            var t = start + rng.Range(0f, Chunk.Length);
            if (!Blocked(chunk, t - 1, t + 1, 0.5f))
                Add(chunk, new WorldObject
                {
                    Kind = ObjectKind.SignPost, S = t, D = kerb, Height = rng.Range(2.3f, 3.2f), Width = 0.08f,
                    Seed = (uint)rng.NextUInt64(),
                });
        }
        if (chunk.HasCrossing)
            Add(chunk, new WorldObject
            {
                Kind = ObjectKind.TrafficLight, S = chunk.CrossingS - chunk.CrossingHalfWidth - 0.6, D = kerb,
                Height = rng.Range(3.6f, 5.2f), Width = 0.14f, Seed = (uint)rng.NextUInt64(),
            });
    }

    private void AddParked(Chunk chunk, ref Rng rng, float side, double start, double end)
    {
        var d = side * (Road.HalfWidth - Road.ParkingWidth * 0.5f);
        var s = start + rng.Range(0f, 3f);
        while (s < end)
        {
            var roll = rng.NextFloat();
            var kind = roll < 0.84f ? ObjectKind.Car : roll < 0.9f ? ObjectKind.Truck : roll < 0.95f ? ObjectKind.Motorcycle : ObjectKind.Bicycle;
            var v = Vehicles.Make(kind, ref rng);
            if (rng.Chance(0.72f) && !Blocked(chunk, s, s + v.Length, 4f) && s + v.Length < end)
            {
                v.S = s; v.D = d + rng.Range(-0.15f, 0.15f); v.Direction = (sbyte)(side > 0 ? 1 : -1);
                Add(chunk, v);
            }
            s += v.Length + rng.Range(0.8f, 3.5f);
        }
    }

    private void AddStanding(Chunk chunk, ref Rng rng, float side, double start)
    {
        var n = rng.Chance(0.45f) ? rng.Int(1, 4) : 0;
        for (var i = 0; i < n; i++)
        {
            var p = Pedestrians.Make(ref rng, start + rng.Range(0f, Chunk.Length),
                side * (Road.HalfWidth + rng.Range(0.6f, Road.SidewalkWidth - 0.3f)));
            if (!Blocked(chunk, p.S - 0.5, p.S + 0.5)) Add(chunk, p);
        }
        if (rng.Chance(0.15f))
        {
            var b = Vehicles.Make(ObjectKind.Bicycle, ref rng);
            b.S = start + rng.Range(0f, Chunk.Length - 2); b.D = side * (Road.HalfWidth + Road.SidewalkWidth - 0.4f);
            b.Direction = (sbyte)(rng.Chance(0.5f) ? 1 : -1);
            if (!Blocked(chunk, b.S, b.S + b.Length)) Add(chunk, b);
        }
    }

    private static void Add(Chunk chunk, in WorldObject o) => chunk.Objects.Add(o);
}
