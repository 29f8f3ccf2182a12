using MFuser.Scenes.World;
using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Rendering;

/// <summary>Turns the world around the camera (static chunk content and moving agents) into primitives and
/// lights, sorts them by object distance and draws them near→far: a reversed painter's order whose depth test
/// runs before shading, so hidden surfaces cost almost nothing, and which stays exact where a painter's order
/// is not (long facades next to trees, riders on their bikes). Contact shadows are kept aside and laid on the
/// ground after the ground pass (<see cref="DrawShadows"/>). Buffers grow to the largest scene and are reused.</summary>
public sealed class SceneComposer
{
    private const float MaxSegment = 6f;
    private Prim[] prims = new Prim[1024];
    private double[] keys = new double[1024];
    private int count;
    private Prim[] shadows = new Prim[256];
    private int shadowCount;
    private double objectKey;
    private PointLight[] lights = new PointLight[128];

    public int LightCount { get; private set; }
    public ReadOnlySpan<PointLight> Lights => lights.AsSpan(0, LightCount);

    public void Compose(Raster raster, View view, RoadLayout road, ChunkCache chunks, List<WorldObject> agents)
    {
        count = 0;
        shadowCount = 0;
        LightCount = 0;
        var first = (long)Math.Floor((view.S - 40) / Chunk.Length);
        var last = (long)Math.Floor((view.S + CameraRig.Far) / Chunk.Length);
        for (var c = first; c <= last; c++)
        {
            var chunk = chunks.Get(c);
            foreach (ref readonly var o in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(chunk.Objects))
                Emit(o, view, road);
        }
        foreach (ref readonly var o in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(agents))
            Emit(o, view, road);
        keys.AsSpan(0, count).Sort(prims.AsSpan(0, count));
        for (var i = 0; i < count; i++) raster.Draw(prims[i]);
    }

    private void Emit(in WorldObject o, View view, RoadLayout road)
    {
        var zNear = view.ToZ(o.S);
        var zFar = zNear + o.Length;
        if (zFar < CameraRig.Near || zNear > CameraRig.Far) return;
        objectKey = (Math.Max(zNear, 0) + zFar) * 0.5;
        var side = o.D < 0 ? -1f : 1f;
        var litFacade = side == -road.SunSide ? 0.95f : 0f;
        switch (o.Kind)
        {
            case ObjectKind.Building:
            {
                var facade = o.D - side * o.Width * 0.5f;
                Strip(view, o.S, o.Length, facade, 0, o.Height, TrainIds.Building, Material.Facade, litFacade, o.Seed);
                if (zNear > CameraRig.Near)
                    AddQuad(view.ToX(o.S, facade), zNear, view.ToX(o.S, facade + side * o.Width), zNear, 0, o.Height,
                        0, o.Width, TrainIds.Building, Material.Facade, 0.5f, o.Seed ^ 0x5A5A);
                break;
            }
            case ObjectKind.Wall:
                Strip(view, o.S, o.Length, o.D, 0, o.Height, TrainIds.Wall, Material.Wall, litFacade, o.Seed);
                break;
            case ObjectKind.Fence:
                Strip(view, o.S, o.Length, o.D, 0, o.Height, TrainIds.Fence, Material.Fence, litFacade, o.Seed);
                break;
            case ObjectKind.Hedge:
                Strip(view, o.S, o.Length, o.D, 0, o.Height, TrainIds.Vegetation, Material.Hedge, litFacade * 0.8f + 0.2f, o.Seed);
                break;
            case ObjectKind.Tree: Tree(o, view, road); break;
            case ObjectKind.StreetLamp: Lamp(o, view, side); break;
            case ObjectKind.SignPost:
            {
                var x = view.ToX(o.S, o.D);
                AddBillboard(x, zNear, o.Width * 0.5f, 0, o.Height, TrainIds.Pole, Material.Pole, 0.7f, o.Seed);
                AddBillboard(x, zNear - 0.05f, 0.32f, o.Height - 0.64f, o.Height, TrainIds.TrafficSign, Material.Sign, 0.8f, o.Seed);
                break;
            }
            case ObjectKind.TrafficLight: TrafficLight(o, view, road, side); break;
            case ObjectKind.Car or ObjectKind.Truck or ObjectKind.Bus or ObjectKind.Tram: Vehicle(o, view); break;
            case ObjectKind.Motorcycle or ObjectKind.Bicycle: TwoWheeler(o, view); break;
            case ObjectKind.Pedestrian:
                Person(view.ToX(o.S, o.D), zNear, o, TrainIds.Person, 0);
                AddShadow(view.ToX(o.S, o.D) - 0.35f, zNear - 0.25f, view.ToX(o.S, o.D) + 0.35f, zNear + 0.25f, 0.6f);
                break;
        }
    }

    /// <summary>A surface parallel to the road at lateral offset <paramref name="d"/>, split into short straight
    /// pieces so it follows the curve; the texture coordinate runs on across pieces.</summary>
    private void Strip(View view, double s, float length, float d, float y0, float y1, byte label, Material m, float sun, uint seed)
    {
        var pieces = Math.Max(1, (int)MathF.Ceiling(length / MaxSegment));
        var step = length / pieces;
        for (var p = 0; p < pieces; p++)
        {
            var sa = s + p * step;
            var sb = sa + step;
            var za = view.ToZ(sa); var zb = view.ToZ(sb);
            if (zb < CameraRig.Near || za > CameraRig.Far) continue;
            AddQuad(view.ToX(sa, d), za, view.ToX(sb, d), zb, y0, y1, p * step, (p + 1) * step, label, m, sun, seed);
        }
    }

    private void Tree(in WorldObject o, View view, RoadLayout road)
    {
        var x = view.ToX(o.S, o.D);
        var z = view.ToZ(o.S);
        var crown = o.Width * 0.5f;
        AddBillboard(x, z, 0.16f, 0, o.Height * 0.55f, TrainIds.Vegetation, Material.Trunk, 0.5f, o.Seed);
        AddBillboard(x, z - 0.1f, crown, o.Height - 2.2f * crown, o.Height, TrainIds.Vegetation, Material.Foliage, 0.8f, o.Seed);
        var shift = -road.SunSide * crown * 0.8f;
        AddShadow(x + shift - crown, z - crown * 0.6f, x + shift + crown, z + crown * 0.6f, 0.75f);
    }

    private void Lamp(in WorldObject o, View view, float side)
    {
        var z = view.ToZ(o.S);
        var x = view.ToX(o.S, o.D);
        var armEnd = view.ToX(o.S, o.D - side * 1.6f);
        AddBillboard(x, z, o.Width * 0.5f, 0, o.Height, TrainIds.Pole, Material.Pole, 0.7f, o.Seed);
        AddBillboard((x + armEnd) * 0.5f, z, MathF.Abs(armEnd - x) * 0.5f, o.Height - 0.12f, o.Height, TrainIds.Pole, Material.Pole, 0.7f, o.Seed);
        AddBillboard(armEnd, z - 0.02f, 0.3f, o.Height - 0.3f, o.Height - 0.02f, TrainIds.Pole, Material.LampHead, 0.7f, o.Seed);
        AddLight(armEnd, o.Height - 0.35f, z, new Col(1f, 0.8f, 0.5f), 14f, 0.35f);
    }

    private void TrafficLight(in WorldObject o, View view, RoadLayout road, float side)
    {
        var z = view.ToZ(o.S);
        var x = view.ToX(o.S, o.D);
        AddBillboard(x, z, o.Width * 0.5f, 0, o.Height, TrainIds.Pole, Material.Pole, 0.7f, o.Seed);
        AddBillboard(x, z - 0.1f, 0.17f, o.Height - 0.95f, o.Height, TrainIds.TrafficLight, Material.TrafficLight, 0.6f, o.Seed);
        AddLight(x, o.Height - 0.5f, z - 0.15f, LightColour(o.Seed), 0, 0.2f);
        if (road.LanesPerDirection < 2) return;
        // Overhead mast arm with a second signal above the lanes.
        var armEnd = view.ToX(o.S, o.D - side * road.LaneWidth * 1.3f);
        AddBillboard((x + armEnd) * 0.5f, z, MathF.Abs(armEnd - x) * 0.5f, o.Height + 0.6f, o.Height + 0.75f, TrainIds.Pole,
            Material.Pole, 0.7f, o.Seed);
        AddBillboard(x, z, o.Width * 0.5f, o.Height, o.Height + 0.75f, TrainIds.Pole, Material.Pole, 0.7f, o.Seed);
        AddBillboard(armEnd, z - 0.1f, 0.17f, o.Height - 0.35f, o.Height + 0.6f, TrainIds.TrafficLight, Material.TrafficLight, 0.6f, o.Seed);
    }

    private static Col LightColour(uint seed) => (seed % 3) switch
    {
        0 => new Col(0.2f, 1f, 0.5f),
        1 => new Col(1f, 0.6f, 0.1f),
        _ => new Col(1f, 0.1f, 0.05f),
    };

    private void Vehicle(in WorldObject o, View view)
    {
        var label = o.Kind switch
        {
            ObjectKind.Truck => TrainIds.Truck, ObjectKind.Bus => TrainIds.Bus, ObjectKind.Tram => TrainIds.Train,
            _ => TrainIds.Car,
        };
        var towards = o.Direction < 0; // we see its front
        var end = towards ? Material.VehicleFront : Material.VehicleRear;
        var half = o.Width * 0.5f;
        var zn = view.ToZ(o.S);
        var xn = view.ToX(o.S, o.D);
        var sideD = o.D + (xn > 0 ? -half : half);
        var sideSun = 0.8f;
        switch (o.Kind)
        {
            case ObjectKind.Car:
            {
                var body = o.Height * 0.6f;
                Box(view, o.S, o.Length, o.D, half, 0, body, label, Material.VehicleSide, end, sideSun, o.Seed, sideD);
                var cabinS = o.S + o.Length * (towards ? 0.3f : 0.22f);
                var cabinL = o.Length * 0.5f;
                Box(view, cabinS, cabinL, o.D, half - 0.1f, body, o.Height, label, Material.Glass, Material.Glass, sideSun, o.Seed,
                    sideD + (xn > 0 ? 0.1f : -0.1f));
                break;
            }
            case ObjectKind.Truck:
            {
                var cab = o.Length * 0.26f;
                var cargoS = towards ? o.S + cab + 0.2 : o.S;
                var cabS = towards ? o.S : o.S + o.Length - cab;
                Box(view, cargoS, o.Length - cab - 0.2f, o.D, half, 0.5f, o.Height, label, Material.Cargo, Material.Cargo, sideSun, o.Seed, sideD);
                Box(view, cargoS, o.Length - cab - 0.2f, o.D, half, 0, 0.5f, label, Material.VehicleSide, Material.VehicleSide,
                    sideSun, o.Seed, sideD);
                Box(view, cabS, cab, o.D, half - 0.05f, 0, o.Height * 0.8f, label, Material.VehicleSide, end, sideSun, o.Seed, sideD);
                break;
            }
            default:
                Box(view, o.S, o.Length, o.D, half, 0, o.Height, label, Material.VehicleSide, end, sideSun, o.Seed, sideD);
                break;
        }
        AddShadow(xn - half - 0.15f, zn - 0.3f, xn + half + 0.15f, view.ToZ(o.S + o.Length) + 0.3f, 0.85f);
        var lightY = o.Height * (o.Kind == ObjectKind.Car ? 0.32f : 0.16f);
        var reach = towards ? 8f : 0f;
        var colour = towards ? new Col(1f, 0.95f, 0.85f) : new Col(1f, 0.08f, 0.05f);
        AddLight(view.ToX(o.S, o.D - half * 0.75f), lightY, zn - 0.05f, colour, reach, towards ? 0.25f : 0.12f);
        AddLight(view.ToX(o.S, o.D + half * 0.75f), lightY, zn - 0.05f, colour, reach, towards ? 0.25f : 0.12f);
    }

    /// <summary>The two faces of a box the camera can see: its near end and the side turned to the camera.</summary>
    private void Box(View view, double s, float length, float d, float half, float y0, float y1, byte label,
        Material side, Material end, float sun, uint seed, float sideD)
    {
        var zn = view.ToZ(s);
        if (zn > CameraRig.Near)
            AddQuad(view.ToX(s, d - half), zn, view.ToX(s, d + half), zn, y0, y1, 0, 2 * half, label, end, 0.6f, seed);
        Strip(view, s, length, sideD, y0, y1, label, side, sun, seed);
    }

    private void TwoWheeler(in WorldObject o, View view)
    {
        var label = o.Kind == ObjectKind.Motorcycle ? TrainIds.Motorcycle : TrainIds.Bicycle;
        var zn = view.ToZ(o.S);
        var xn = view.ToX(o.S, o.D);
        var half = o.Width * 0.5f;
        if (zn > CameraRig.Near)
            AddQuad(xn - half, zn, xn + half, zn, 0, o.Height, 0, o.Width, label, Material.TwoWheelEnd, 0.6f, o.Seed);
        Strip(view, o.S, o.Length, o.D, 0, o.Height, label, Material.TwoWheelSide, 0.7f, o.Seed);
        AddShadow(xn - half - 0.1f, zn - 0.2f, xn + half + 0.1f, view.ToZ(o.S + o.Length) + 0.2f, 0.6f);
        if (!o.Ridden) return;
        var mid = o.S + o.Length * 0.5;
        var rider = o;
        rider.Height = 1.75f;
        rider.Width = 0.5f;
        Person(view.ToX(mid, o.D), view.ToZ(mid), rider, TrainIds.Rider, o.Kind == ObjectKind.Motorcycle ? 0.35f : 0.45f);
        if (o.Kind == ObjectKind.Motorcycle)
            AddLight(xn, 0.75f, zn - 0.05f, o.Direction < 0 ? new Col(1f, 0.95f, 0.85f) : new Col(1f, 0.08f, 0.05f), o.Direction < 0 ? 6f : 0f, 0.1f);
    }

    /// <summary>A person as camera-facing parts: legs (swinging with the walking phase), torso, arms and head.
    /// Riders are raised by <paramref name="lift"/> and keep their legs bent on the vehicle.</summary>
    private void Person(float x, float z, in WorldObject o, byte label, float lift)
    {
        var h = o.Height;
        var w = o.Width;
        var crossing = o.LateralSpeed != 0;
        var swing = lift > 0 ? 0 : MathF.Sin(o.Phase) * (crossing ? 0.16f : 0.05f) * h / 1.75f;
        var legW = w * 0.22f;
        var hip = lift > 0 ? lift + 0.55f : 0.47f * h;
        var legBottom = lift > 0 ? lift : 0f;
        AddBillboard(x - w * 0.2f + swing, z, legW, legBottom, hip, label, Material.Trousers, 0.7f, o.Seed);
        AddBillboard(x + w * 0.2f - swing, z + 0.02f, legW, legBottom, hip, label, Material.Trousers, 0.7f, o.Seed);
        var top = hip + 0.37f * h;
        AddBillboard(x, z - 0.02f, w * 0.5f, hip - 0.03f, top, label, Material.Clothing, 0.7f, o.Seed);
        AddBillboard(x - w * 0.56f - swing * 0.5f, z - 0.01f, w * 0.11f, hip + 0.05f * h, top - 0.02f, label, Material.Clothing, 0.6f, o.Seed);
        AddBillboard(x + w * 0.56f + swing * 0.5f, z - 0.01f, w * 0.11f, hip + 0.05f * h, top - 0.02f, label, Material.Clothing, 0.6f, o.Seed);
        AddBillboard(x, z - 0.03f, 0.075f * h, top, top + 0.16f * h, label, Material.Skin, 0.7f, o.Seed);
    }

    private void AddQuad(float x0, float z0, float x1, float z1, float y0, float y1, float u0, float u1, byte label,
        Material m, float sun, uint seed) =>
        Add(new Prim { Shape = PrimShape.Quad, X0 = x0, Z0 = z0, X1 = x1, Z1 = z1, Y0 = y0, Y1 = y1, U0 = u0, U1 = u1,
            Label = label, Material = m, Sun = sun, Seed = seed });

    private void AddBillboard(float x, float z, float halfWidth, float y0, float y1, byte label, Material m, float sun, uint seed) =>
        Add(new Prim { Shape = PrimShape.Billboard, X0 = x, Z0 = z, X1 = halfWidth, Y0 = y0, Y1 = y1, Label = label,
            Material = m, Sun = sun, Seed = seed });

    private void AddShadow(float x0, float z0, float x1, float z1, float strength)
    {
        if (shadowCount == shadows.Length) Array.Resize(ref shadows, shadowCount * 2);
        shadows[shadowCount++] = new Prim { Shape = PrimShape.Shadow, X0 = x0, Z0 = z0, X1 = x1, Z1 = z1, Sun = strength };
    }

    /// <summary>Darkens the ground under vehicles, people and trees; call after the ground pass.</summary>
    public void DrawShadows(Raster raster)
    {
        for (var i = 0; i < shadowCount; i++) raster.Draw(shadows[i]);
    }

    private void Add(in Prim p)
    {
        if (count == prims.Length)
        {
            Array.Resize(ref prims, count * 2);
            Array.Resize(ref keys, count * 2);
        }
        prims[count] = p;
        keys[count] = objectKey + count * 1e-7; // near→far; the object's parts keep their order
        count++;
    }

    private void AddLight(float x, float y, float z, Col c, float reach, float glow)
    {
        if (z < CameraRig.Near) return;
        if (LightCount == lights.Length) Array.Resize(ref lights, LightCount * 2);
        lights[LightCount++] = new PointLight { X = x, Y = y, Z = z, R = c.R, G = c.G, B = c.B, Reach = reach, GlowSize = glow };
    }
}
