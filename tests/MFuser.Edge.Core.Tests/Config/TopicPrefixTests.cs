using System.Collections;
using MFuser.Edge.Core.Config;

namespace MFuser.Edge.Core.Tests.Config;

/// <summary>broker.topic_prefix is validated like device_id: a prefix the broker would refuse or treat specially is a
/// start-up error, not a silent disconnect.</summary>
public class TopicPrefixTests
{
    [Theory]
    [InlineData("$SYS/x", "starts with '$'")]
    [InlineData("$share/group/x", "starts with '$'")]
    [InlineData("a/+/b", "wildcard")]
    [InlineData("a/#", "wildcard")]
    [InlineData("/a", "empty topic level")]
    [InlineData("a/", "empty topic level")]
    [InlineData("a//b", "empty topic level")]
    [InlineData("a\u0085b", "U+0085")]
    [InlineData("a\ufffeb", "U+FFFE")]
    [InlineData("", "empty")]
    public void Refused_prefixes_say_why(string prefix, string why)
    {
        Assert.Contains(why, TopicPrefix.Problem(prefix));
    }

    [Fact]
    public void A_lone_surrogate_is_refused()
    {
        // Not an [InlineData]: attribute strings are stored as UTF-8, which cannot hold a lone surrogate.
        Assert.Contains("U+D800 at position 1", TopicPrefix.Problem("a\ud800b"));
        Assert.Null(TopicPrefix.Problem("a\ud83d\ude97b")); // a surrogate pair is a character
    }

    [Fact]
    public void The_byte_bound_counts_utf8_bytes()
    {
        Assert.Null(TopicPrefix.Problem(new string('a', TopicPrefix.MaxBytes)));
        Assert.Equal($"is {TopicPrefix.MaxBytes + 1} bytes of UTF-8, more than {TopicPrefix.MaxBytes}", TopicPrefix.Problem(new string('a',
            TopicPrefix.MaxBytes + 1)));
        Assert.NotNull(TopicPrefix.Problem(new string('é', TopicPrefix.MaxBytes / 2 + 1))); // 2 bytes each
        Assert.NotNull(TopicPrefix.Problem(new string('x', 70_000)));
    }

    [Theory]
    [InlineData("mfuser")]
    [InlineData("fleet/eu-west/vehicles")]
    [InlineData("flotte/véhicule 7")]
    [InlineData("a$b")]
    [InlineData("车队/🚗")]
    public void Ordinary_prefixes_pass(string prefix)
    {
        Assert.Null(TopicPrefix.Problem(prefix));
        var c = ConfigLoader.Load(null, new Hashtable { ["MFUSER_BROKER_TOPIC_PREFIX"] = prefix, ["MFUSER_DEVICE_ID"] = "d1" }, []);
        Assert.Equal($"{prefix}/d1", c.BaseTopic);
    }

    [Fact]
    public void The_loader_names_the_key_the_value_and_the_reason()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, new Hashtable { ["MFUSER_BROKER_TOPIC_PREFIX"] = "$SYS/broker" }, []));
        var p = Assert.Single(e.Problems);
        Assert.Equal(("broker.topic_prefix", "$SYS/broker", "environment MFUSER_BROKER_TOPIC_PREFIX"), (p.Key, p.Value, p.Origin));
        Assert.Contains("without wildcards (+ #), a leading '$'", p.Problem);
        Assert.Contains("(starts with '$': topics beginning with '$', such as $SYS and $share, belong to the broker)", p.Problem);
    }
}
