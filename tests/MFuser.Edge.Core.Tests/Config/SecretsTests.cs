using System.Collections;
using MFuser.Edge.Core.Config;
using MFuser.TestSupport;

namespace MFuser.Edge.Core.Tests.Config;

/// <summary>Secrets never appear in configuration errors; URL passwords are masked wherever a URI is shown.</summary>
public sealed class SecretsTests : IDisposable
{
    private const string Password = "s3cr3t-Pa55";
    private readonly TempDir _dir = new();

    [Theory]
    [InlineData("{ \"broker\": { \"password\": [\"s3cr3t-Pa55\", 1] } }", Password)]
    [InlineData("{ \"broker\": { \"password\": { \"v\": \"s3cr3t-Pa55\" } } }", Password)]
    public void A_password_of_the_wrong_type_is_not_echoed(string json, string secret)
    {
        var path = _dir.File("c.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, new Hashtable(), []));
        Assert.Contains(e.Problems, p => p.Key == "broker.password" && p.Value == Secrets.Mask);
        Assert.DoesNotContain(secret, e.Message);
    }

    [Fact]
    public void A_password_in_the_broker_url_is_masked_in_the_error()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Load(null, new Hashtable { ["MFUSER_BROKER_URL"] = $"mqtts://edge:{Password}@broker.example:8883" }, []));
        Assert.DoesNotContain(Password, e.Message);
        Assert.Contains("broker.url = 'mqtts://edge:***@broker.example:8883' is not allowed", e.Message);
        Assert.Contains("credentials go in broker.username / broker.password", e.Message);
    }

    [Fact]
    public void The_web_token_is_a_secret_wherever_a_configuration_problem_shows_a_value()
    {
        const string token = "a-console-token-0123456789";
        Assert.Equal(Secrets.Mask, Secrets.ForDisplay("web.token", token));
        Assert.DoesNotContain(token, new ConfigException([new ConfigProblem("configuration", "web.token", token, "expected a token")]).Message);
    }

    [Fact]
    public void A_secret_with_a_control_character_is_not_echoed_either()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, new Hashtable { ["MFUSER_BROKER_PASSWORD"] = Password + "\u0001" }, []));
        Assert.DoesNotContain(Password, e.Message);
        Assert.Contains("broker.password = '***' is not allowed: contains the control character U+0001", e.Message);
    }

    [Theory]
    [InlineData("rtsp://cam:s3cr3t-Pa55@10.0.0.2:554/front", "rtsp://cam:***@10.0.0.2:554/front")]
    [InlineData("rtsp://cam:p@ss/w@rd@10.0.0.2/x", "rtsp://cam:***@10.0.0.2/x")]
    [InlineData("gst:rtspsrc location=rtsp://u:pw@cam/x ! appsink", "gst:rtspsrc location=rtsp://u:***@cam/x ! appsink")]
    [InlineData("rtsp://10.0.0.2:554/front", "rtsp://10.0.0.2:554/front")]
    [InlineData("rtsp://user@10.0.0.2/front", "rtsp://user@10.0.0.2/front")]
    public void Source_uris_show_their_password_masked(string uri, string shown)
    {
        Assert.True(SourceUri.TryParse(uri, out var source, out var problem), problem);
        Assert.Equal(shown, source.ToString());
        Assert.Equal(uri, source.Original);
    }

    [Fact]
    public void Values_in_messages_have_control_characters_escaped_and_are_cut()
    {
        Assert.Equal("a\\u001B[2Jb", Secrets.ForDisplay("device_id", "a\u001b[2Jb"));
        Assert.Equal("x\\uD800", Secrets.ForDisplay("device_id", "x\ud800"));
        var shown = Secrets.ForDisplay("device_id", new string('d', 5000))!;
        Assert.Equal(new string('d', Secrets.MaxShown) + "… (5000 characters)", shown);
    }

    public void Dispose() => _dir.Dispose();
}
