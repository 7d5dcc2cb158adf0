using System.Runtime.InteropServices;

namespace EventActors.Host;

/// <summary>
/// Keeps the memory of stopped topic actors from piling up. A node publishing to many topics
/// starts and passivates actors by the hundred thousand (a notification each to a million
/// users), and each leaves ~4 KB of garbage in the old generation, which the GC collects only
/// when that generation has grown by about its own size; the regions it empties it returns to the
/// OS only after they have stayed free through further collections, which a node that has gone
/// quiet does not run: a million dormant topics stayed at 1.7-2.1 GiB of RSS for ~0.5 GiB of
/// state (docs/benchmarks.md, dormant topics). Checked every 30 s:
/// <list type="bullet">
/// <item>every 100,000 actors stopped, a background collection of the old generation: their
/// memory is reused instead of the heap growing;</item>
/// <item>once a wave of at least 10,000 stopped actors has drained (<see cref="TopicWave"/>), the
/// same, then a young (gen1) collection every 5 s for two minutes, through which the emptied
/// regions age out and are returned, and glibc's free memory trimmed.</item>
/// </list>
/// Nothing here pauses the node for long: a blocking, compacting collection returned as much at
/// once, but took 1.1 s with a million dormant topics on a quiet machine and 4.6 s on a busy one,
/// past the 2 s the cluster's failure detector tolerates.
/// </summary>
internal sealed class IdleTopicsMemoryRelease(EventActorsNode node, ILogger<IdleTopicsMemoryRelease> log) : BackgroundService
{
    private const long CollectEveryStopped = 100_000;
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AgeEvery = TimeSpan.FromSeconds(5);
    private const int AgingCollections = 24;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wave = new TopicWave();
        var stoppedAtLastCollection = 0L;
        var aging = 0;
        using var timer = new PeriodicTimer(AgeEvery);
        var checkEvery = (int)(CheckEvery / AgeEvery);
        try
        {
            for (var tick = 1; await timer.WaitForNextTickAsync(stoppingToken); tick++)
            {
                if (aging > 0)
                {
                    aging--;
                    GC.Collect(1, GCCollectionMode.Forced, blocking: true);
                    if (aging == 0)
                    {
                        GlibcHeap.Trim();
                    }
                }

                if (tick % checkEvery != 0)
                {
                    continue;
                }

                var stopped = node.Gauges.StoppedTopics;
                if (wave.Ended(node.Gauges.RunningTopics) is { } ended)
                {
                    log.LogInformation("A wave of {Stopped} stopped topic actors has drained: collecting their memory in the background", ended);
                    CollectOldGeneration();
                    aging = AgingCollections;
                    stoppedAtLastCollection = stopped;
                }
                else if (stopped - stoppedAtLastCollection >= CollectEveryStopped)
                {
                    CollectOldGeneration();
                    stoppedAtLastCollection = stopped;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    /// <summary>A background (concurrent) collection of every generation: the node is not paused for it.</summary>
    private static void CollectOldGeneration() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false, compacting: false);

    /// <summary>glibc's <c>malloc_trim</c>: returns the free memory of every malloc arena to the OS.</summary>
    private static class GlibcHeap
    {
        public static bool Trim()
        {
            if (!OperatingSystem.IsLinux())
            {
                return false;
            }

            try
            {
                return MallocTrim(0) == 1;
            }
            catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
            {
                return false; // not glibc
            }
        }

        [DllImport("libc", EntryPoint = "malloc_trim")]
        private static extern int MallocTrim(nuint pad);
    }
}

/// <summary>
/// When a wave of topic actors has stopped: the running count fell by at least
/// <see cref="MinimumStopped"/> from its high since the last wave, and has stopped falling (one
/// release for the whole wave, not one per check while it drains).
/// </summary>
internal sealed class TopicWave
{
    /// <summary>Fewer stopped actors than this (a few tens of MiB) are left to the GC's own pace.</summary>
    public const int MinimumStopped = 10_000;

    private int _high;
    private int _previous = int.MaxValue;

    /// <summary>How many actors the wave that ended stopped; null when none ended at this count.</summary>
    public int? Ended(int running)
    {
        _high = Math.Max(_high, running);
        var stillFalling = running < _previous;
        _previous = running;
        if (stillFalling || _high - running < MinimumStopped)
        {
            return null;
        }

        var stopped = _high - running;
        _high = running;
        return stopped;
    }
}
