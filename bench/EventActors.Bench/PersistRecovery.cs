using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Bench;

/// <summary>
/// <c>persist --recover</c>: how long a topic with a long history takes to start again. Writes
/// <c>--events</c> events to one topic through its <see cref="TopicActor"/> (publishes of
/// <c>--batch</c> events, a few in flight), stops the topic's actor gracefully, then times a fresh
/// actor of it from its start to the <see cref="PublishAccepted"/> of one new event: the topic's
/// recovery (snapshot, then the events after it) and a commit. Once with a snapshot every
/// <c>--snapshot-every</c> events (the host's default, 10,000) and once with none after the
/// creation one (every event replayed); <c>--snapshot-every N</c> runs that one case only. Each
/// case has a fresh store; a first restart warms the recovery path's JIT and the database's caches (reported, not in the median), then
/// <c>--repeat</c> timed restarts.
/// </summary>
internal static class PersistRecovery
{
    /// <summary>Publishes of the write phase in flight at once: enough that the topic always has the next batch waiting.</summary>
    private const int WritesInFlight = 4;

    /// <summary>Long enough for the slowest store to replay a million events and more.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        var total = options.Int("events", 1_000_000);
        var batch = options.Int("batch", 1000);
        var size = options.Int("size", 100);
        var repeat = options.Int("repeat", 3);
        if (total < 1 || batch < 1 || batch > 1000 || repeat < 1)
        {
            throw new BenchmarkOptionException("--events and --repeat must be at least 1, --batch 1 to 1000 (the host's MaxBatchEvents)");
        }

        int?[] cases = options.String("snapshot-every") is not null ? [options.Int("snapshot-every", 10_000)] : [10_000, null];
        if (cases[0] is < 1)
        {
            throw new BenchmarkOptionException("--snapshot-every must be at least 1");
        }

        var results = new List<Case>();
        string? label = null;
        foreach (var snapshotEvery in cases)
        {
            var journal = await PersistJournal.OpenAsync(options, "persist-recover");
            try
            {
                label = journal.Label;
                results.Add(await MeasureAsync(journal, snapshotEvery, total, batch, size, repeat));
            }
            finally
            {
                await journal.DisposeAsync();
            }
        }

        options.Report(
            new { benchmark = "persist", mode = "recover", journal = label, events = total, eventBytes = size, batch, repeat, cases = results },
            string.Join(Environment.NewLine, results.Select(c => string.Create(CultureInfo.InvariantCulture,
                $"persist recover ({label}): {total:N0} events of {size} bytes written at {c.WriteEventsPerSecond:N0} events/s; " +
                $"{(c.SnapshotEvery is { } every ? $"snapshot every {every:N0} events" : "no snapshot (all replayed)")}: " +
                $"start to first publish accepted {c.MedianMs:F0} ms (median of {repeat}: {string.Join(" / ", c.RunsMs.Select(ms => ms.ToString("F0", CultureInfo.InvariantCulture)))}; " +
                $"first restart (JIT, cold caches), not in the median: {c.FirstMs:F0} ms)"))));
        return 0;
    }

    private static async Task<Case> MeasureAsync(PersistJournal journal, int? snapshotEvery, int total, int batch, int size, int repeat)
    {
        var settings = PersistBenchmark.ServerDefaults(snapshotEvery ?? int.MaxValue);
        var topic = TopicName.Parse("bench.recover");
        var payload = PersistBenchmark.Payload(size);
        var events = Enumerable.Range(0, batch).Select(_ => new NewEvent(payload)).ToArray();

        var registry = journal.System.ActorOf(TopicActor.Props(topic, journal.Services, settings));
        var writing = Stopwatch.StartNew();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, WritesInFlight).Select(_ => Task.Run(async () =>
        {
            for (var start = Interlocked.Add(ref next, batch) - batch; start < total; start = Interlocked.Add(ref next, batch) - batch)
            {
                var count = Math.Min(batch, total - start);
                await PersistBenchmark.PublishAsync(registry, new Publish(topic, count == batch ? events : events[..count]), Patience);
            }
        })));
        var writeEventsPerSecond = total / writing.Elapsed.TotalSeconds;

        var one = new Publish(topic, [events[0]]);
        var timings = new List<double>();
        for (var restart = 0; restart <= repeat; restart++)
        {
            // A shard's hand-off: the topic finishes what it started (a snapshot being saved
            // included), then stops; a new actor of it recovers.
            await registry.GracefulStop(Patience, HandOff.Shutdown);
            var started = Stopwatch.GetTimestamp();
            registry = journal.System.ActorOf(TopicActor.Props(topic, journal.Services, settings));
            await PersistBenchmark.PublishAsync(registry, one, Patience);
            timings.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        await registry.GracefulStop(Patience, HandOff.Shutdown);
        var runs = timings.Skip(1).ToArray();
        return new Case(snapshotEvery, writeEventsPerSecond, timings[0], runs, runs.Order().ElementAt(runs.Length / 2));
    }

    /// <param name="SnapshotEvery">Null: no snapshot after the topic's creation.</param>
    /// <param name="FirstMs">The first restart: JIT of the recovery path and the first read of the fresh rows included; not in the median.</param>
    private sealed record Case(int? SnapshotEvery, double WriteEventsPerSecond, double FirstMs, double[] RunsMs, double MedianMs);
}
