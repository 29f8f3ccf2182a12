namespace MFuser.Scenes.Tests;

public class DomainsTests
{
    [Fact]
    public void NamesRoundTripAndParseIgnoresCase()
    {
        Assert.Equal(10, Domains.Names.Count);
        foreach (var d in Domains.All) Assert.Equal(d, Domains.Parse(d.Name()));
        Assert.Equal(Domain.CityB, Domains.Parse("CITY-B"));
    }

    [Fact]
    public void UnknownNameErrorListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => Domains.Parse("hail"));
        Assert.Contains("'hail'", e.Message);
        Assert.Contains("city-b", e.Message);
    }

    [Theory]
    [InlineData("512x256", 512, 256)]
    [InlineData(" 64X32 ", 64, 32)]
    public void SizesParse(string text, int w, int h) => Assert.Equal(new ImageSize(w, h), ImageSize.Parse(text));

    [Theory]
    [InlineData("512")]
    [InlineData("512x")]
    [InlineData("-5x20")]
    [InlineData("8x8")]
    public void BadSizesAreRejected(string text) =>
        Assert.Contains($"'{text}'", Assert.Throws<FormatException>(() => ImageSize.Parse(text)).Message);
}
