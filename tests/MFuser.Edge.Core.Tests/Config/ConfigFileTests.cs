using System.Collections;
using System.Text;
using MFuser.Edge.Core.Config;
using MFuser.TestSupport;

namespace MFuser.Edge.Core.Tests.Config;

/// <summary>The --config file, whatever it holds, yields named problems (exit code 2), never an exception.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    private string File(byte[] bytes)
    {
        var path = _dir.File($"c{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    private string File(string text) => File(Encoding.UTF8.GetBytes(text));

    private static ConfigException Refused(string path) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, new Hashtable(), []));

    [Fact]
    public void Bytes_that_are_not_utf8_are_named_with_their_line_and_column()
    {
        var path = File([.. "{\n  \"device_id\": \"caf"u8, 0xE9, .. "\"\n}"u8]);
        var p = Assert.Single(Refused(path).Problems);
        Assert.Equal((path, "--config"), (p.Origin, p.Key));
        Assert.Equal("not UTF-8: byte 0xE9 at line 2, column 20 (save the file as UTF-8)", p.Problem);
    }

    [Fact]
    public void A_lone_surrogate_escape_in_a_value_or_a_key_is_a_problem_not_a_crash()
    {
        var e = Refused(File("""{ "device_id": "\ud800", "broker": { "x\udc00": 1, "username": ["a", "\udfff"] } }"""));
        Assert.Contains(e.Problems, p => p.Key == "device_id" && p.Problem.Contains("lone UTF-16 surrogate"));
        Assert.Contains(e.Problems, p => p.Key == "broker.(a key)" && p.Problem.Contains("lone UTF-16 surrogate"));
        Assert.Contains(e.Problems, p => p.Key == "broker.username" && p.Problem.Contains("lone UTF-16 surrogate"));
    }

    [Fact]
    public void A_key_given_twice_is_refused_naming_both_lines()
    {
        var path = File("{\n  \"broker\": {\n    \"url\": \"mqtt://a:1\",\n    \"url\": \"mqtt://b:2\"\n  },\n  \"device_id\": \"x\"\n}");
        var p = Assert.Single(Refused(path).Problems);
        Assert.Equal("broker.url", p.Key);
        Assert.Equal("given twice (line 3, column 5 and line 4, column 5); give each key once", p.Problem);
    }

    [Fact]
    public void Equal_keys_in_different_objects_are_not_duplicates()
    {
        var c = ConfigLoader.Load(File("""{ "serial": { "gps": { "port": "/dev/a" }, "mcu": { "port": "/dev/b" } } }"""), new Hashtable(), []);
        Assert.Equal(("/dev/a", "/dev/b"), (c.Serial.GpsPort, c.Serial.McuPort));
    }

    [Theory]
    [InlineData("", "the file is empty; expected a JSON object ({} for no settings)")]
    [InlineData(" \n\t", "the file is empty; expected a JSON object ({} for no settings)")]
    [InlineData("[1, 2]", "expected a JSON object at the top level, found Array")]
    [InlineData("\"text\"", "expected a JSON object at the top level, found String")]
    public void Empty_files_and_non_objects_are_named(string text, string problem)
    {
        Assert.Equal(problem, Assert.Single(Refused(File(text)).Problems).Problem);
    }

    [Fact]
    public void A_directory_a_missing_file_and_an_endless_device_are_named()
    {
        Assert.Equal("is a directory; expected a JSON file", Assert.Single(Refused(_dir.Path).Problems).Problem);
        Assert.Equal("no such file", Assert.Single(Refused(_dir.File("none.json")).Problems).Problem);
        // An endless device is refused by kind before a byte is read; a regular file by its size.
        Assert.Equal("is a character device; expected a regular file", Assert.Single(Refused("/dev/zero").Problems).Problem);
        var big = _dir.File("big.json");
        System.IO.File.WriteAllBytes(big, new byte[(1 << 20) + 1]);
        Assert.Equal("larger than 1 MiB; expected a JSON configuration file", Assert.Single(Refused(big).Problems).Problem);
    }

    [Fact]
    public void A_utf8_byte_order_mark_and_non_ascii_text_are_accepted()
    {
        var c = ConfigLoader.Load(File([0xEF, 0xBB, 0xBF, .. """{ "broker": { "username": "José" } }"""u8]), new Hashtable(), []);
        Assert.Equal("José", c.Broker.Username);
    }

    public void Dispose() => _dir.Dispose();
}
