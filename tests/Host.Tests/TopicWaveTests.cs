using Xunit;

namespace EventActors.Host.Tests;

/// <summary>When the node gives memory back: once per wave of stopped topic actors, after it has drained.</summary>
public sealed class TopicWaveTests
{
    [Fact]
    public void A_wave_is_released_once_when_the_running_count_stops_falling()
    {
        var wave = new TopicWave();
        Assert.Null(wave.Ended(100_000)); // the wave's high
        Assert.Null(wave.Ended(40_000));  // draining
        Assert.Null(wave.Ended(0));       // still falling at this check
        Assert.Equal(100_000, wave.Ended(0));
        Assert.Null(wave.Ended(0));       // released already
    }

    [Fact]
    public void Churn_and_small_drops_are_left_to_the_garbage_collector()
    {
        var wave = new TopicWave();
        foreach (var running in new[] { 300_000, 295_000, 301_000, 296_000, 299_000 })
        {
            Assert.Null(wave.Ended(running)); // topics start as others stop: never 10,000 below the high and settled
        }

        Assert.Null(wave.Ended(301_000 - TopicWave.MinimumStopped + 1));
        Assert.Null(wave.Ended(301_000 - TopicWave.MinimumStopped + 1)); // settled, but one too few stopped below the high
    }

    [Fact]
    public void A_second_wave_counts_from_where_the_first_left_off()
    {
        var wave = new TopicWave();
        wave.Ended(50_000);
        wave.Ended(0);
        Assert.Equal(50_000, wave.Ended(0));
        wave.Ended(30_000);
        wave.Ended(5_000);
        Assert.Equal(30_000 - 5_000, wave.Ended(5_000));
    }
}
