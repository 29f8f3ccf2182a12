using System.Buffers.Binary;
using System.Text;
using MFuser.Onnx.Weights;

namespace MFuser.Onnx.Tests.Weights;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mfuser-st").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A file written byte by byte as the format specifies, independent of <see cref="SafetensorsWriter"/>.</summary>
    private string Raw(string header, byte[] data)
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Reads_f32_f16_and_bf16_tensors_as_float32_with_metadata()
    {
        var data = new List<byte>();
        foreach (var f in new[] { 1.5f, -2f }) data.AddRange(BitConverter.GetBytes(f));
        foreach (var h in new[] { (Half)0.25f, (Half)(-3f) }) data.AddRange(BitConverter.GetBytes(h));
        foreach (var f in new[] { 7f, -0.5f }) data.AddRange(BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(f) >> 16)));
        var path = Raw("""
            {"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
             "h":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]}}
            """, data.ToArray());
        using var file = new SafetensorsFile(path);
        Assert.Equal([1.5f, -2f], file.ReadFloat32("a"));
        Assert.Equal([0.25f, -3f], file.ReadFloat32("h"));
        Assert.Equal([7f, -0.5f], file.ReadFloat32("b"));
        Assert.Equal([1L, 2L], file.Entries["h"].Shape);
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Writer_output_round_trips()
    {
        var path = Path.Combine(_dir, "w.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, (float[], long[])> { ["x.weight"] = ([1, 2, 3, 4, 5, 6], [2, 3]), ["s"] = ([9], []) });
        using var file = new SafetensorsFile(path);
        Assert.Equal([1f, 2, 3, 4, 5, 6], file.ReadFloat32("x.weight"));
        Assert.Empty(file.Entries["s"].Shape);
        Assert.Equal([9f], file.ReadFloat32("s"));
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "'a'")]           // size mismatch
    [InlineData("""{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", "Q4")]             // unknown dtype
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", "'a'")]                                // no offsets
    [InlineData("""not json""", "JSON")]
    public void Malformed_headers_are_refused_with_the_problem_named(string header, string expected)
    {
        var error = Assert.ThrowsAny<InvalidDataException>(() => new SafetensorsFile(Raw(header, new byte[8])).Dispose());
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Missing_tensor_names_the_key()
    {
        using var file = new SafetensorsFile(Raw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[8]));
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => file.ReadFloat32("nope")).Message);
    }
}
