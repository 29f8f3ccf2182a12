using System.Text;
using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Edge.Serial.Framing;
using MFuser.Edge.Serial.Mcu;
using MFuser.TestSupport;

namespace MFuser.Edge.Serial.Tests;

public class FramingTests
{
    [Fact]
    public void Crc16_ccitt_false_matches_the_catalogue_check_value()
    {
        Assert.Equal(0x29B1, Crc16CcittFalse.Compute("123456789"u8));
        Assert.Equal(0xFFFF, Crc16CcittFalse.Compute([]));
    }

    [Theory] // vectors from Cheshire & Baker / the Wikipedia COBS table
    [InlineData("00", "0101")]
    [InlineData("0000", "010101")]
    [InlineData("001100", "01021101")]
    [InlineData("11223300", "0411223301")]
    [InlineData("11220033", "03112202 33")]
    public void Cobs_matches_reference_vectors(string input, string encoded)
    {
        var data = Convert.FromHexString(input);
        var expected = Convert.FromHexString(encoded.Replace(" ", ""));
        var output = new byte[Cobs.MaxEncodedLength(data.Length)];
        var n = Cobs.Encode(data, output);
        Assert.Equal(expected, output[..n]);
        var back = new byte[data.Length];
        Assert.Equal(data.Length, Cobs.Decode(expected, back));
        Assert.Equal(data, back);
    }

    [Fact]
    public void Cobs_254_and_255_byte_runs_use_the_0xFF_code_without_padding()
    {
        var run254 = Enumerable.Range(1, 254).Select(i => (byte)i).ToArray();
        var output = new byte[Cobs.MaxEncodedLength(255)];
        Assert.Equal(255, Cobs.Encode(run254, output));
        Assert.Equal(0xFF, output[0]);
        var run255 = Enumerable.Range(1, 255).Select(i => (byte)Math.Max(1, i % 256)).ToArray();
        var n = Cobs.Encode(run255, output);
        Assert.Equal(new byte[] { 0xFF }, output[..1]);
        Assert.Equal(2, output[255]); // second block: one byte
        Assert.Equal(257, n);
        var back = new byte[255];
        Assert.Equal(255, Cobs.Decode(output.AsSpan(0, n), back));
        Assert.Equal(run255, back);
    }

    [Fact]
    public void Cobs_round_trips_random_blocks_and_never_emits_zero()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var data = new byte[random.Next(0, 700)];
            random.NextBytes(data);
            if (i % 3 == 0)
                Array.Clear(data, 0, data.Length / 2);
            var encoded = new byte[Cobs.MaxEncodedLength(data.Length)];
            var n = Cobs.Encode(data, encoded);
            Assert.DoesNotContain((byte)0, encoded[..n]);
            var decoded = new byte[data.Length];
            Assert.Equal(data.Length, Cobs.Decode(encoded.AsSpan(0, n), decoded));
            Assert.Equal(data, decoded);
        }
    }

    [Fact]
    public void Cobs_decode_rejects_malformed_blocks()
    {
        var output = new byte[16];
        Assert.Equal(-1, Cobs.Decode([0x05, 0x11, 0x22], output)); // code runs past the end
        Assert.Equal(-1, Cobs.Decode([0x03, 0x00, 0x22], output)); // zero inside a block
        Assert.Equal(-1, Cobs.Decode([0x00], output));
    }

    [Fact]
    public void Frame_round_trips_through_the_codec_and_corruption_is_detected()
    {
        var frame = SampleFrame();
        var wire = new byte[FreeSpaceFrameCodec.MaxWireLength];
        var n = FreeSpaceFrameCodec.Encode(frame, wire);
        Assert.Equal(0, wire[n - 1]);
        Assert.DoesNotContain((byte)0, wire[..(n - 1)]);
        var back = new FreeSpaceFrame();
        Assert.Equal(FreeSpaceDecodeError.None, FreeSpaceFrameCodec.TryDecode(wire.AsSpan(0, n - 1), back));
        AssertSameFrame(frame, back);

        for (var i = 0; i < n - 1; i++)
        {
            var corrupt = wire[..(n - 1)];
            corrupt[i] ^= 0x10;
            if (corrupt[i] == 0)
                continue;
            Assert.NotEqual(FreeSpaceDecodeError.None, FreeSpaceFrameCodec.TryDecode(corrupt, new FreeSpaceFrame()));
        }
    }

    [Fact]
    public void Parsing_nmea_and_encoding_frames_allocate_nothing()
    {
        var gga = Encoding.ASCII.GetBytes(NmeaParserTests.Gga);
        var rmc = Encoding.ASCII.GetBytes(NmeaParserTests.Rmc);
        var frame = SampleFrame();
        var wire = new byte[FreeSpaceFrameCodec.MaxWireLength];
        var decoded = new FreeSpaceFrame();
        var n = FreeSpaceFrameCodec.Encode(frame, wire);
        Serial.Nmea.NmeaParser.Parse(gga, out _);
        FreeSpaceFrameCodec.TryDecode(wire.AsSpan(0, n - 1), decoded);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Serial.Nmea.NmeaParser.Parse(gga, out _);
            Serial.Nmea.NmeaParser.Parse(rmc, out _);
            n = FreeSpaceFrameCodec.Encode(frame, wire);
            FreeSpaceFrameCodec.TryDecode(wire.AsSpan(0, n - 1), decoded);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Frame_is_filled_from_a_real_drivable_summary()
    {
        // 8x6 labels: road everywhere, a car (13) in the top-left 4x2 block and a person (11) at row 3 of the right half.
        var labels = new byte[8 * 6];
        for (var y = 0; y < 2; y++)
            for (var x = 0; x < 4; x++)
                labels[y * 8 + x] = 13;
        for (var x = 4; x < 8; x++)
            labels[3 * 8 + x] = 11;
        var confidence = Enumerable.Repeat((byte)255, labels.Length).ToArray();
        var analyzer = new DrivableAnalyzer(Cityscapes.Classes, 8, 6, new DrivableAnalyzerOptions { FreeSpaceBins = 2, CorridorWidthFraction = 0.5 });
        var summary = analyzer.Analyze(labels, confidence);
        var frame = new FreeSpaceFrame();
        var captured = new DateTimeOffset(2026, 11, 26, 17, 0, 0, 123, TimeSpan.Zero);
        frame.CopyFrom(summary, 42, captured, FreeSpaceFlags.GpsFix);
        Assert.Equal(2, frame.BinCount);
        Assert.Equal([1, 3], frame.Rows[..2]);
        Assert.Equal([13, 11], frame.ClassIds[..2]);
        Assert.Equal(summary.EgoCorridor.ClearRows, frame.CorridorClearRows);
        Assert.Equal(FreeSpaceFlags.GpsFix, frame.Flags); // no calibration, corridor blocked
        Assert.Equal(1_795_712_400_123_000L, frame.CapturedAtUnixMicros);
        Assert.Equal((8, 6), (frame.ImageWidth, frame.ImageHeight));
    }

    /// <summary>The worked example of docs/serial-protocol.md: 4 bins, calibrated, corridor blocked by a car.</summary>
    internal static FreeSpaceFrame SampleFrame()
    {
        var frame = new FreeSpaceFrame
        {
            FrameId = 1234,
            CapturedAtUnixMicros = 1_795_712_400_123_456, // 2026-11-26T17:00:00.123456Z
            Flags = FreeSpaceFlags.HasRanges | FreeSpaceFlags.GpsFix,
            ImageWidth = 512,
            ImageHeight = 256,
            CorridorClearRows = 96,
            CorridorRangeM = 12.5,
            CorridorClassId = 13,
            BinCount = 4,
        };
        int[] rows = [-1, 180, 159, 200];
        int[] classes = [-1, 13, 13, 1];
        double[] ranges = [double.NaN, 8.04, 12.5, 5.0];
        rows.CopyTo(frame.Rows, 0);
        classes.CopyTo(frame.ClassIds, 0);
        ranges.CopyTo(frame.RangesM, 0);
        return frame;
    }

    internal static void AssertSameFrame(FreeSpaceFrame expected, FreeSpaceFrame actual)
    {
        Assert.Equal(expected.FrameId & 0xFFFFFFFF, actual.FrameId);
        Assert.Equal(expected.CapturedAtUnixMicros, actual.CapturedAtUnixMicros);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal((expected.ImageWidth, expected.ImageHeight), (actual.ImageWidth, actual.ImageHeight));
        Assert.Equal(expected.CorridorClearRows, actual.CorridorClearRows);
        Assert.Equal(expected.CorridorRangeM, actual.CorridorRangeM, 2);
        Assert.Equal(expected.CorridorClassId, actual.CorridorClassId);
        Assert.Equal(expected.BinCount, actual.BinCount);
        Assert.Equal(expected.Rows[..expected.BinCount], actual.Rows[..actual.BinCount]);
        Assert.Equal(expected.ClassIds[..expected.BinCount], actual.ClassIds[..actual.BinCount]);
        for (var i = 0; i < expected.BinCount; i++)
            Assert.Equal(expected.RangesM[i], actual.RangesM[i], 2);
    }

    [Fact]
    public void Docs_worked_example_matches_the_encoder()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "serial-protocol.md"));
        const string start = "<!-- example-wire-begin -->", end = "<!-- example-wire-end -->";
        var a = doc.IndexOf(start, StringComparison.Ordinal);
        var b = doc.IndexOf(end, StringComparison.Ordinal);
        Assert.True(a >= 0 && b > a, "docs/serial-protocol.md lacks the example-wire markers");
        var hex = new StringBuilder();
        foreach (var c in doc[(a + start.Length)..b])
            if (Uri.IsHexDigit(c))
                hex.Append(c);
        var wire = new byte[FreeSpaceFrameCodec.MaxWireLength];
        var n = FreeSpaceFrameCodec.Encode(SampleFrame(), wire);
        Assert.Equal(Convert.ToHexString(wire, 0, n), hex.ToString().ToUpperInvariant());
    }
}
