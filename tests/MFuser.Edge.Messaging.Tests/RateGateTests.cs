using System.Diagnostics;

namespace MFuser.Edge.Messaging.Tests;

public class RateGateTests
{
    private static long At(double seconds) => (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public void Two_hertz_lets_exactly_twenty_of_three_hundred_frames_through_in_ten_seconds()
    {
        var gate = new RateGate(2);
        var passed = Enumerable.Range(0, 300).Count(i => gate.TryEnter(At(1000 + i / 30.0)));
        Assert.Equal(20, passed);
    }

    [Fact]
    public void Cadence_holds_with_jittered_frames_and_restarts_after_a_pause()
    {
        var gate = new RateGate(2);
        Assert.True(gate.TryEnter(At(10.0)));
        Assert.False(gate.TryEnter(At(10.3)));
        Assert.True(gate.TryEnter(At(10.52)));  // next slot 10.5
        Assert.True(gate.TryEnter(At(11.01)));  // next slot 11.0, not 11.02
        Assert.False(gate.TryEnter(At(11.4)));
        Assert.True(gate.TryEnter(At(20.0)));   // after a pause: at once, no burst of missed slots
        Assert.False(gate.TryEnter(At(20.1)));
        Assert.False(gate.TryEnter(At(20.2)));
    }

    [Fact]
    public void Zero_closes_the_gate_and_the_rate_can_change_at_runtime()
    {
        var gate = new RateGate(0);
        Assert.False(gate.TryEnter(At(1)));
        Assert.Equal(0, gate.Hz);
        gate.Hz = 10;
        Assert.Equal(10, gate.Hz, 6);
        Assert.True(gate.TryEnter(At(2)));
        Assert.False(gate.TryEnter(At(2.05)));
        Assert.True(gate.TryEnter(At(2.1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => gate.Hz = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => gate.Hz = double.NaN);
    }
}
