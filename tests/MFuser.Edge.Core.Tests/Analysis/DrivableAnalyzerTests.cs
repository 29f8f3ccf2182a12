using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.Core.Calibration;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Edge.Core.Tests.Analysis;

public class DrivableAnalyzerTests
{
    private const byte Road = 0, Sidewalk = 1, Vegetation = 8, Sky = 10, Car = 13;

    // Free space by column, scanning up: x0 stops at row 3 (s), x1 2 (s), x2 1 (v), x3/x4 3 (c), x5 1 (v), x6 2 (s), x7 2 (s).
    private static readonly string[] Street =
    [
        "kkkkkkkk",
        "vvvccvvv",
        "ssrccrss",
        "srrccrrr",
        "rrrrrrrr",
        "rrrrrrrr",
    ];

    private static DrivableAnalyzer Analyzer(int w, int h, DrivableAnalyzerOptions? options = null, CameraCalibration? calibration = null) =>
        new(Cityscapes.Classes, w, h, options ?? new DrivableAnalyzerOptions { FreeSpaceBins = 4 }, calibration);

    [Fact]
    public void Street_scene_gives_exact_bins_corridor_and_fractions()
    {
        var labels = LabelMaps.Parse(Street);
        var s = Analyzer(8, 6).Analyze(labels, LabelMaps.Filled(8, 6, 255));

        Assert.Equal([0, 2, 4, 6, 8], s.FreeSpace.ColumnEdges);
        Assert.Equal([3, 3, 3, 2], s.FreeSpace.Rows.ToArray());
        Assert.Equal([Sidewalk, Car, Car, Sidewalk], s.FreeSpace.ClassIds.ToArray());
        Assert.False(s.FreeSpace.HasGeometry);
        Assert.True(double.IsNaN(s.FreeSpace.Ranges[0]));

        // Corridor: 25 % of 8 columns = columns 3 and 4, blocked by the car at row 3.
        Assert.Equal(3, s.EgoCorridor.Row);
        Assert.Equal(2, s.EgoCorridor.ClearRows);
        Assert.Equal(Car, s.EgoCorridor.ClassId);
        Assert.True(double.IsNaN(s.EgoCorridor.RangeM));

        Assert.Equal(23.0 / 48, s.DrivableFraction, 12);
        Assert.Equal(23.0 / 48, s.ClassFractions[Road], 12);
        Assert.Equal(5.0 / 48, s.ClassFractions[Sidewalk], 12);
        Assert.Equal(6.0 / 48, s.ClassFractions[Vegetation], 12);
        Assert.Equal(8.0 / 48, s.ClassFractions[Sky], 12);
        Assert.Equal(6.0 / 48, s.ClassFractions[Car], 12);
        Assert.Equal(0.0, s.UnknownFraction, 12);
        Assert.Equal(1.0, s.ConfidenceMean, 12);
        Assert.Equal(0.0, s.EntropyMean, 12);
    }

    [Fact]
    public void Confidence_and_entropy_means_come_from_the_confidence_bytes()
    {
        var confidence = LabelMaps.Filled(8, 6, 200);
        LabelMaps.Fill(confidence, 8, 0, 8, 0, 3, 100); // top half less sure
        var s = Analyzer(8, 6).Analyze(LabelMaps.Parse(Street), confidence);
        Assert.Equal((24 * 200 + 24 * 100) / (255.0 * 48), s.ConfidenceMean, 12);
        var expected = (PredictionEntropy.Normalized(200 / 255.0, 19) + PredictionEntropy.Normalized(100 / 255.0, 19)) / 2;
        Assert.Equal(expected, s.EntropyMean, 12);
    }

    [Fact]
    public void Low_confidence_road_is_not_drivable_when_a_threshold_is_set()
    {
        var confidence = LabelMaps.Filled(8, 6, 255);
        LabelMaps.Fill(confidence, 8, 0, 8, 4, 5, 100); // row 4: road, but unsure
        var s = Analyzer(8, 6, new DrivableAnalyzerOptions { FreeSpaceBins = 4, MinDrivableConfidence = 128 })
            .Analyze(LabelMaps.Parse(Street), confidence);
        Assert.Equal([4, 4, 4, 4], s.FreeSpace.Rows.ToArray());
        Assert.Equal([Road, Road, Road, Road], s.FreeSpace.ClassIds.ToArray());
        Assert.Equal((4, 1, (int)Road), (s.EgoCorridor.Row, s.EgoCorridor.ClearRows, s.EgoCorridor.ClassId));
        Assert.Equal(15.0 / 48, s.DrivableFraction, 12);
        Assert.Equal(23.0 / 48, s.ClassFractions[Road], 12); // class fractions count labels, not drivability
    }

    [Fact]
    public void Thin_lines_are_stepped_over_with_a_minimum_obstacle_height()
    {
        string[] lane = ["kkkk", "cccc", "rrrr", "ssss", "rrrr", "rrrr"];
        var confidence = LabelMaps.Filled(4, 6, 255);
        var strict = Analyzer(4, 6, new DrivableAnalyzerOptions { FreeSpaceBins = 2 }).Analyze(LabelMaps.Parse(lane), confidence);
        Assert.Equal([3, 3], strict.FreeSpace.Rows.ToArray());
        Assert.Equal([Sidewalk, Sidewalk], strict.FreeSpace.ClassIds.ToArray());
        Assert.Equal(3, strict.EgoCorridor.Row);

        var tolerant = Analyzer(4, 6,
            new DrivableAnalyzerOptions { FreeSpaceBins = 2, MinObstacleRows = 2 }).Analyze(LabelMaps.Parse(lane), confidence);
        Assert.Equal([1, 1], tolerant.FreeSpace.Rows.ToArray());
        Assert.Equal([Car, Car], tolerant.FreeSpace.ClassIds.ToArray());
        Assert.Equal((1, 4, (int)Car), (tolerant.EgoCorridor.Row, tolerant.EgoCorridor.ClearRows, tolerant.EgoCorridor.ClassId));
    }

    [Fact]
    public void All_road_is_free_to_the_top_and_the_corridor_is_clear()
    {
        var s = Analyzer(8, 6).Analyze(LabelMaps.Filled(8, 6, Road), LabelMaps.Filled(8, 6, 255));
        Assert.Equal([-1, -1, -1, -1], s.FreeSpace.Rows.ToArray());
        Assert.Equal([-1, -1, -1, -1], s.FreeSpace.ClassIds.ToArray());
        Assert.Equal((-1, 6, -1), (s.EgoCorridor.Row, s.EgoCorridor.ClearRows, s.EgoCorridor.ClassId));
        Assert.Equal(1.0, s.DrivableFraction);
    }

    [Fact]
    public void Ignore_labels_are_unknown_and_block_free_space()
    {
        string[] map = ["kkkk", "....", "rr..", "rrrr"];
        var s = Analyzer(4, 4, new DrivableAnalyzerOptions { FreeSpaceBins = 2, CorridorWidthFraction = 1 }).Analyze(LabelMaps.Parse(map),
            LabelMaps.Filled(4, 4, 255));
        Assert.Equal(6.0 / 16, s.UnknownFraction, 12);
        Assert.Equal([1, 2], s.FreeSpace.Rows.ToArray());
        Assert.Equal([255, 255], s.FreeSpace.ClassIds.ToArray());
        Assert.Equal((2, 255), (s.EgoCorridor.Row, s.EgoCorridor.ClassId));
    }

    [Fact]
    public void Corridor_blocking_class_is_the_most_frequent_non_drivable_one()
    {
        string[] map = ["kkkkkkkk", "rrpccprr", "rrrrrrrr"];
        var s = Analyzer(8, 3, new DrivableAnalyzerOptions { FreeSpaceBins = 2, CorridorWidthFraction = 0.5 })
            .Analyze(LabelMaps.Parse(map), LabelMaps.Filled(8, 3, 255));
        // Corridor columns 2..5: p c c p → a tie between person (11) and car (13): the lower id wins.
        Assert.Equal((1, 11), (s.EgoCorridor.Row, s.EgoCorridor.ClassId));
    }

    /// <summary>A 64×48 model image of a camera calibrated at 128×96: after scaling fx = fy = 32, cx = 31.5,
    /// cy = 23.5; level, 1 m above flat ground. A ground row v has y_n = (v − 23.5)/32 and X = 1/y_n.</summary>
    private static CameraCalibration LevelCamera() => new()
    {
        Source = "test", ImageWidth = 128, ImageHeight = 96, Fx = 64, Fy = 64, Cx = 63.5, Cy = 47.5, MountHeightM = 1,
    };

    private static byte[] CalibratedScene(bool withCar)
    {
        var labels = LabelMaps.Filled(64, 48, Road);
        LabelMaps.Fill(labels, 64, 0, 64, 0, 11, Sky);
        if (withCar)
            LabelMaps.Fill(labels, 64, 20, 31, 30, 36, Car);
        return labels;
    }

    [Fact]
    public void Calibrated_bins_are_even_in_bearing_and_carry_ground_ranges()
    {
        var analyzer = Analyzer(64, 48, new DrivableAnalyzerOptions { FreeSpaceBins = 4, CorridorWidthM = 2.02 }, LevelCamera());
        var s = analyzer.Analyze(CalibratedScene(withCar: true), LabelMaps.Filled(64, 48, 255));
        var scan = s.FreeSpace;
        Assert.True(scan.HasGeometry);
        // Image edges at ±45° (x_n = ±1); 4 bins of 22.5°; edges at u = 31.5 − 32·tan(22.5°) = 18.25 → 19, 31.5 → 32, 44.75 → 45.
        Assert.Equal([0, 19, 32, 45, 64], scan.ColumnEdges);
        var deg = Math.PI / 180;
        Assert.Equal(22.5 * deg, scan.AngleIncrement, 12);
        Assert.Equal(33.75 * deg, scan.AngleLeft, 12);
        Assert.Equal([33.75 * deg, 11.25 * deg, -11.25 * deg, -33.75 * deg], scan.Bearings.ToArray(), new ToleranceComparer(1e-12));

        // The car's foot is row 35 in bin 1: lower edge v = 35.5, y_n = 0.375, X = 2.667 m, range X / cos(11.25°).
        Assert.Equal([10, 35, 10, 10], scan.Rows.ToArray());
        Assert.Equal([Sky, Car, Sky, Sky], scan.ClassIds.ToArray());
        Assert.Equal(1 / 0.375 / Math.Cos(11.25 * deg), scan.Ranges[1], 9);
        Assert.True(double.IsNaN(scan.Ranges[0]), "sky above the horizon has no ground range");
        // Nearest ground: bottom edge v = 47.5, y_n = 0.75 → X = 1.333 m, in the bins nearest the axis.
        Assert.Equal(1 / 0.75 / Math.Cos(11.25 * deg), scan.RangeMin, 9);
        Assert.Equal(100, scan.RangeMax);

        // Corridor ±1.01 m: row r spans |u − 31.5| ≤ 1.01·(r − 23.5), rows 24…47; the car blocks row 35, where the
        // centre column is 31.5 and the lower edge lies X = 1/0.375 m ahead.
        Assert.Equal((35, 12, (int)Car), (s.EgoCorridor.Row, s.EgoCorridor.ClearRows, s.EgoCorridor.ClassId));
        Assert.Equal(1 / 0.375, s.EgoCorridor.RangeM, 9);

        var clear = analyzer.Analyze(CalibratedScene(withCar: false), LabelMaps.Filled(64, 48, 255));
        Assert.Equal((-1, 24, -1), (clear.EgoCorridor.Row, clear.EgoCorridor.ClearRows, clear.EgoCorridor.ClassId));
        Assert.True(double.IsNaN(clear.EgoCorridor.RangeM));
    }

    [Fact]
    public void Corridor_ends_at_the_range_limit()
    {
        // With range_max 8 m, corridor rows need X = 32/(r − 23.5) ≤ 8 → r ≥ 27.5: rows 28…47 = 20 rows.
        var s = Analyzer(64, 48, new DrivableAnalyzerOptions { FreeSpaceBins = 4, CorridorWidthM = 2.02, MaxRangeM = 8 }, LevelCamera())
            .Analyze(CalibratedScene(withCar: false), LabelMaps.Filled(64, 48, 255));
        Assert.Equal(20, s.EgoCorridor.ClearRows);
    }

    [Fact]
    public void Analyze_allocates_nothing_per_frame()
    {
        var analyzer = Analyzer(64, 48, new DrivableAnalyzerOptions { FreeSpaceBins = 8 }, LevelCamera());
        var labels = CalibratedScene(withCar: true);
        var confidence = LabelMaps.Filled(64, 48, 230);
        analyzer.Analyze(labels, confidence);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
            analyzer.Analyze(labels, confidence);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Wrong_buffer_sizes_and_options_are_named()
    {
        var analyzer = Analyzer(8, 6);
        var e = Assert.Throws<ArgumentException>(() => analyzer.Analyze(new byte[47], new byte[48]));
        Assert.Contains("labels has 47 bytes, expected 8x6 = 48", e.Message);
        e = Assert.Throws<ArgumentException>(() => Analyzer(8, 6, new DrivableAnalyzerOptions { FreeSpaceBins = 9 }));
        Assert.Contains("FreeSpaceBins = 9 is not allowed: must be 1 … image width (8)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Analyzer(64, 48, new DrivableAnalyzerOptions { FreeSpaceBins = 64 }, LevelCamera()));
        Assert.Contains("FreeSpaceBins = 64 is too many for a 64-pixel-wide image with this calibration", e.Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double d) => 0;
    }
}
