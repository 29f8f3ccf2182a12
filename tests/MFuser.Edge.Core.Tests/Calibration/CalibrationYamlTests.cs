using MFuser.Edge.Core.Calibration;
using MFuser.TestSupport;

namespace MFuser.Edge.Core.Tests.Calibration;

public class CalibrationYamlTests
{
    private const string OpenCvStyle = """
        %YAML:1.0
        ---
        image_width: 1280
        image_height: 720
        camera_matrix: !!opencv-matrix
           rows: 3
           cols: 3
           dt: d
           data: [ 1000., 0., 640.,
                   0., 990., 360., 0., 0., 1. ]
        distortion_coefficients: !!opencv-matrix
           rows: 1
           cols: 5
           dt: d
           data: [ -0.1, 0.01, 0.001, -0.002, 0.0 ]
        Avg_Reprojection_Error: 0.4
        camera_height_m: 1.5
        pitch_deg: 10
        roll_deg: -2
        """;

    [Fact]
    public void Reads_opencv_filestorage_yaml_with_header_tags_and_multiline_data()
    {
        var c = CalibrationYaml.Parse(OpenCvStyle, "test.yaml");
        Assert.Equal((1280, 720), (c.ImageWidth, c.ImageHeight));
        Assert.Equal((1000.0, 990.0, 640.0, 360.0), (c.Fx, c.Fy, c.Cx, c.Cy));
        Assert.Equal([-0.1, 0.01, 0.001, -0.002, 0.0], c.Distortion);
        Assert.Equal(1.5, c.MountHeightM);
        Assert.Equal(10 * Math.PI / 180, c.PitchRad, 12);
        Assert.Equal(-2 * Math.PI / 180, c.RollRad, 12);
    }

    [Fact]
    public void Reads_ros_camera_calibration_yaml_without_distortion_and_mounting_defaults()
    {
        const string ros = """
            image_width: 640
            image_height: 480
            camera_name: front
            camera_matrix:
              rows: 3
              cols: 3
              data: [500, 0, 319.5, 0, 500, 239.5, 0, 0, 1]
            distortion_model: plumb_bob
            camera_height_m: 0.8
            """;
        var c = CalibrationYaml.Parse(ros, "ros.yaml");
        Assert.Equal((500.0, 319.5, 239.5), (c.Fx, c.Cx, c.Cy));
        Assert.Empty(c.Distortion);
        Assert.Equal((0.0, 0.0), (c.PitchRad, c.RollRad));
    }

    [Theory]
    [InlineData("camera_height_m: 1.5", "", "missing required key 'camera_height_m'")]
    [InlineData("camera_height_m: 1.5", "camera_height_m: -1", "camera_height_m must be > 0 and at most 100 metres, got -1")]
    [InlineData("camera_height_m: 1.5", "camera_height_m: 1e300", "camera_height_m must be > 0 and at most 100 metres, got 1E+300")]
    [InlineData("camera_height_m: 1.5", "camera_height_m: .nan", "camera_height_m: expected a finite number, got '.nan'")]
    [InlineData("camera_height_m: 1.5", "camera_height_m: Infinity", "camera_height_m: expected a finite number, got 'Infinity'")]
    [InlineData("image_width: 1280", "image_width: 2000000000", "image_width/image_height must be 1 to 32768, got 2000000000x720")]
    [InlineData("pitch_deg: 10", "pitch_deg: ten", "pitch_deg: expected a finite number, got 'ten'")]
    [InlineData("pitch_deg: 10", "pitch_deg: 95", "pitch_deg must lie in [-85, 85], got 95")]
    [InlineData("pitch_deg: 10", "pitch_deg: 89.9999", "pitch_deg must lie in [-85, 85], got 89.9999")] // no ground left to measure
    [InlineData("camera_height_m: 1.5", "camera_height_m: 1e-300", "camera_height_m must be at least 0.02 metres, got 1E-300")]
    [InlineData("data: [ 1000.,", "data: [ 1e300,", "focal lengths must lie within 12.8 … 128000 pixels for a 1280x720 image")]
    [InlineData("data: [ 1000.,", "data: [ 2.5,", "got fx=2.5, fy=990")] // millimetres, not pixels
    [InlineData("Avg_Reprojection_Error: 0.4", "IMAGE_WIDTH: 1024", "key 'IMAGE_WIDTH' given twice (keys are compared without case)")]
    [InlineData("rows: 1\n   cols: 5", "rows: 65536\n   cols: 65536", "rows x cols = 65536x65536 = 4294967296 but data has 5 values")]
    [InlineData("cols: 5", "cols: 4", "distortion_coefficients: rows x cols = 1x4 = 4 but data has 5 values")]
    [InlineData("640.,", "1640.,", "principal point (1640, 360) lies outside the 1280x720 image")]
    [InlineData("0., 990.", "0.5, 990.", "camera_matrix: expected the form [fx 0 cx; 0 fy cy; 0 0 1] (no skew)")]
    [InlineData("image_width: 1280", "image_width: wide", "image_width: expected an integer, got 'wide'")]
    public void Rejects_bad_values_naming_file_key_expected_and_actual(string find, string replace, string expected)
    {
        var e = Assert.Throws<CalibrationException>(() => CalibrationYaml.Parse(OpenCvStyle.Replace(find, replace), "cam.yaml"));
        Assert.StartsWith("cam.yaml: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Rejects_malformed_yaml_with_its_line()
    {
        var e = Assert.Throws<CalibrationException>(() => CalibrationYaml.Parse("image_width: 1\nimage_height: 2: 3\n", "broken.yaml"));
        Assert.Contains("broken.yaml: not valid YAML at line 2", e.Message);
        e = Assert.Throws<CalibrationException>(() => CalibrationYaml.Parse("image_width: [1, 2\nimage_height: 3\n", "unclosed.yaml"));
        Assert.Contains("unclosed.yaml: not valid YAML", e.Message);
    }

    [Fact]
    public void Deep_nesting_and_duplicate_keys_are_refused_without_crashing()
    {
        var deep = "image_width: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var e = Assert.Throws<CalibrationException>(() => CalibrationYaml.Parse(deep, "deep.yaml"));
        Assert.Equal("deep.yaml: nested deeper than 16 levels at line 1; expected a calibration YAML file", e.Message);
        e = Assert.Throws<CalibrationException>(() => CalibrationYaml.Parse("image_width: 1\nimage_width: 2\n", "twice.yaml"));
        Assert.StartsWith("twice.yaml: not valid YAML at line 2", e.Message);
        Assert.Contains("Duplicate key", e.Message);
    }

    [Fact]
    public void A_directory_an_endless_device_and_non_utf8_bytes_are_named()
    {
        var dir = Path.GetTempPath();
        Assert.Equal($"{dir}: is a directory; expected a calibration YAML file",
            Assert.Throws<CalibrationException>(() => CameraCalibration.Load(dir)).Message);
        Assert.Equal("/dev/zero: is a character device; expected a regular file",
            Assert.Throws<CalibrationException>(() => CameraCalibration.Load("/dev/zero")).Message);
        var big = Path.Combine(Path.GetTempPath(), $"big-{Guid.NewGuid():N}.yaml");
        File.WriteAllBytes(big, new byte[(256 << 10) + 1]);
        try
        {
            Assert.Equal($"{big}: larger than 256 KiB; expected a calibration YAML file",
                Assert.Throws<CalibrationException>(() => CameraCalibration.Load(big)).Message);
        }
        finally
        {
            File.Delete(big);
        }
        var latin1 = Path.Combine(Path.GetTempPath(), $"latin1-{Guid.NewGuid():N}.yaml");
        File.WriteAllBytes(latin1, [.. "image_width: 1 # caf"u8, 0xE9, .. "\n"u8]);
        try
        {
            Assert.StartsWith($"{latin1}: not UTF-8", Assert.Throws<CalibrationException>(() => CameraCalibration.Load(latin1)).Message);
        }
        finally
        {
            File.Delete(latin1);
        }
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.yaml");
        var e = Assert.Throws<CalibrationException>(() => CameraCalibration.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Scaling_to_model_resolution_follows_opencv_pixel_centres()
    {
        var c = CalibrationYaml.Parse(OpenCvStyle, "t").ScaledTo(640, 240);
        Assert.Equal((640, 240), (c.ImageWidth, c.ImageHeight));
        Assert.Equal(500.0, c.Fx, 12);
        Assert.Equal(330.0, c.Fy, 12);
        Assert.Equal((640 + 0.5) * 0.5 - 0.5, c.Cx, 12); // 319.75
        Assert.Equal((360 + 0.5) / 3 - 0.5, c.Cy, 12);
        Assert.Equal(1.5, c.MountHeightM);
    }

    [Fact]
    public void The_synthetic_drive_calibration_matches_the_renderers_ground_formula()
    {
        // MFuser.Scenes draws ground row y at depth z = f·h / (y + 0.5 − Cy) with Cy = 111.1363 (pixel-edge convention).
        var c = CameraCalibration.Load(Path.Combine(RepoPaths.Root, "calibration", "synthetic-drive-512x256.yaml"));
        var p = new GroundProjector(c);
        foreach (var y in new[] { 130, 180, 255 })
        {
            Assert.True(p.TryProjectToGround(255.5, y, out var x, out _));
            Assert.Equal(377.0938 * 1.2809949 / (y + 0.5 - 111.1363), x, 9);
        }
    }

    [Fact]
    public void The_bundled_example_calibration_loads()
    {
        var c = CameraCalibration.Load(Path.Combine(RepoPaths.Root, "calibration", "example-1280x720.yaml"));
        Assert.Equal((1280, 720), (c.ImageWidth, c.ImageHeight));
        Assert.Equal(5, c.Distortion.Count);
        Assert.Equal(1.35, c.MountHeightM);
        Assert.Equal(4 * Math.PI / 180, c.PitchRad, 12);
    }
}
