using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Rendering;

/// <summary>A city's materials: colours of surfaces and its building style. <see cref="CityA"/> is the source
/// city; <see cref="CityB"/> (domain <c>city-b</c>) has brick facades with narrow tall windows, red pavements,
/// yellow road markings, darker asphalt and a different vegetation hue.</summary>
public sealed class Palette
{
    public required Col Asphalt { get; init; }
    public required Col Marking { get; init; }
    public required Col CentreMarking { get; init; }
    public required Col Sidewalk { get; init; }
    public required Col Kerb { get; init; }
    public required Col Grass { get; init; }
    public required Col GrassDry { get; init; }
    public required Col Foliage { get; init; }
    public required Col Trunk { get; init; }
    public required Col[] Facades { get; init; }
    public required Col Glass { get; init; }
    public required Col Concrete { get; init; }
    public required Col FenceColour { get; init; }
    public required Col Metal { get; init; }
    public required Col[] Paints { get; init; }
    public required Col[] Clothes { get; init; }
    /// <summary>Brick facades (mortar courses) instead of plaster.</summary>
    public required bool Brick { get; init; }
    /// <summary>Window width as a fraction of the window pitch, and window height as a fraction of a floor.</summary>
    public required float WindowWidth { get; init; }
    public required float WindowHeight { get; init; }
    public required float WindowPitch { get; init; }

    public static Palette CityA { get; } = new()
    {
        Asphalt = Col.Rgb(92, 92, 96), Marking = Col.Rgb(225, 225, 220), CentreMarking = Col.Rgb(225, 225, 220),
        Sidewalk = Col.Rgb(160, 156, 150), Kerb = Col.Rgb(190, 188, 182), Grass = Col.Rgb(92, 128, 56),
        GrassDry = Col.Rgb(130, 128, 78), Foliage = Col.Rgb(62, 104, 40), Trunk = Col.Rgb(84, 66, 50),
        Facades = [Col.Rgb(200, 190, 170), Col.Rgb(170, 168, 160), Col.Rgb(215, 200, 160), Col.Rgb(150, 150, 155),
            Col.Rgb(190, 170, 150), Col.Rgb(120, 118, 115)],
        Glass = Col.Rgb(70, 90, 110), Concrete = Col.Rgb(165, 162, 155), FenceColour = Col.Rgb(110, 112, 108),
        Metal = Col.Rgb(120, 122, 125),
        Paints = [Col.Rgb(200, 200, 205), Col.Rgb(30, 30, 34), Col.Rgb(150, 20, 25), Col.Rgb(40, 60, 130),
            Col.Rgb(120, 125, 130), Col.Rgb(230, 230, 230), Col.Rgb(60, 90, 60)],
        Clothes = [Col.Rgb(40, 40, 60), Col.Rgb(150, 40, 40), Col.Rgb(200, 200, 190), Col.Rgb(60, 90, 140),
            Col.Rgb(90, 70, 50), Col.Rgb(30, 30, 30)],
        Brick = false, WindowWidth = 0.5f, WindowHeight = 0.45f, WindowPitch = 2.8f,
    };

    public static Palette CityB { get; } = new()
    {
        Asphalt = Col.Rgb(62, 60, 64), Marking = Col.Rgb(235, 235, 230), CentreMarking = Col.Rgb(230, 190, 40),
        Sidewalk = Col.Rgb(150, 98, 84), Kerb = Col.Rgb(170, 170, 160), Grass = Col.Rgb(120, 140, 70),
        GrassDry = Col.Rgb(160, 140, 90), Foliage = Col.Rgb(90, 110, 45), Trunk = Col.Rgb(70, 60, 55),
        Facades = [Col.Rgb(150, 70, 50), Col.Rgb(170, 95, 60), Col.Rgb(120, 60, 45), Col.Rgb(185, 150, 110),
            Col.Rgb(110, 80, 70), Col.Rgb(200, 180, 150)],
        Glass = Col.Rgb(50, 60, 60), Concrete = Col.Rgb(185, 175, 150), FenceColour = Col.Rgb(40, 60, 45),
        Metal = Col.Rgb(60, 75, 65),
        Paints = [Col.Rgb(240, 200, 40), Col.Rgb(220, 220, 215), Col.Rgb(20, 20, 22), Col.Rgb(100, 30, 90),
            Col.Rgb(30, 110, 110), Col.Rgb(180, 90, 30), Col.Rgb(90, 90, 95)],
        Clothes = [Col.Rgb(120, 100, 60), Col.Rgb(30, 60, 40), Col.Rgb(220, 200, 150), Col.Rgb(140, 30, 80),
            Col.Rgb(50, 50, 50), Col.Rgb(180, 120, 60)],
        Brick = true, WindowWidth = 0.32f, WindowHeight = 0.62f, WindowPitch = 2.2f,
    };
}
