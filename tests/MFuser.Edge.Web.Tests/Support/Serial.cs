namespace MFuser.Edge.Web.Tests.Support;

/// <summary>Tests that read process-wide metrics or start a browser run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Serial
{
    public const string Name = "serial";
}
