using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Bench;

/// <summary>
/// Durable publish throughput through the path the server takes: <see cref="Publish"/> to a
/// topics' shard region (a cluster of one), whose <see cref="TopicActor"/>s persist through Akka.Persistence
/// (our SQLite or PostgreSQL plugin, or Akka.Persistence.Sql: <see cref="PersistJournal"/>); an
/// event counts once its <see cref="PublishAccepted"/> arrives, that is after the commit. The load
/// of the <c>journal</c> benchmark: <c>--appenders</c> concurrent publishers, each publishing
/// <c>--batch</c> events per request, round robin over <c>--topics</c> topics. Every topic exists
/// (its first event committed) before the warm-up starts; the warm-up is not counted. Recovery
/// mode (<c>--recover</c>): <see cref="PersistRecovery"/>.
/// </summary>
internal sealed class PersistBenchmark : IBenchmark
{
    public string Description =>
        "Publish throughput through the topics' shard region and TopicActor on Akka.Persistence (our plugins or Akka.Persistence.Sql), or a topic's recovery time";

    public string Usage =>
        $"{PersistJournal.Usage} [--topics 1000] [--batch 100] [--appenders 256] [--size 100] [--ring-size 1024] [--snapshot-every 10000] [--warmup 5] [--seconds 5] [--json] | " +
        $"--recover {PersistJournal.Usage} [--events 1000000] [--batch 1000] [--size 100] [--snapshot-every N] [--repeat 3] [--json]";

    /// <summary>
    /// The topic settings the host runs with by default (hocon/eventactors.conf: RingSize,
    /// RingMaxBytes, TopicIdleTimeout, MaxBatchEvents, SnapshotEvery): the benchmark measures
    /// what a node does, ring and snapshots included.
    /// </summary>
    public static TopicSettings ServerDefaults(int snapshotEvery = 10_000, int ringSize = 1024) =>
        new(RingSize: ringSize, RingMaxBytes: 8 * 1024 * 1024, IdleTimeout: TimeSpan.FromMinutes(2), MaxEventsPerAppend: 1000, SnapshotEvery: snapshotEvery);

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        if (options.Flag("recover"))
        {
            return await PersistRecovery.RunAsync(options);
        }

        var topicCount = options.Int("topics", 1000);
        var batch = options.Int("batch", 100);
        var appenders = options.Int("appenders", 256);
        var size = options.Int("size", 100);
        // Seconds not counted. Longer than the journal benchmark's 1 s: the Akka.Persistence path
        // has far more methods to tier up (profiled after 2 s: 17 % of samples still in the JIT).
        var warmup = options.Int("warmup", 5);
        var seconds = options.Int("seconds", 5);
        // Events each topic keeps in memory (the host's RingSize): 1,000 topics' rings hold ~300 MB
        // of 100-byte events, which the garbage collector has to carry; smaller shows what that costs.
        var ringSize = options.Int("ring-size", 1024);
        // Events between two snapshots of each topic's state (the host's SnapshotEvery).
        var snapshotEvery = options.Int("snapshot-every", 10_000);
        if (topicCount < 1 || batch < 1 || batch > 1000 || appenders < 1 || seconds < 1 || ringSize < 1 || snapshotEvery < 1)
        {
            throw new BenchmarkOptionException("--topics, --appenders, --seconds, --ring-size and --snapshot-every must be at least 1, --batch 1 to 1000 (the host's MaxBatchEvents)");
        }

        var journal = await PersistJournal.OpenAsync(options, "persist-bench");
        object result;
        string text;
        try
        {
            var run = await MeasureAsync(journal, ServerDefaults(snapshotEvery, ringSize), topicCount, batch, appenders, size, warmup, seconds);
            var mode = await journal.SqliteJournalModeAsync();
            result = new
            {
                benchmark = "persist",
                mode = "append",
                journal = journal.Label,
                akkaSqlTuning = journal.Tuning,
                sqliteJournalMode = mode,
                topics = topicCount,
                ringSize,
                snapshotEvery,
                batch,
                appenders,
                eventBytes = size,
                run.Seconds,
                run.Events,
                run.EventsPerSecond,
                run.PublishesPerSecond,
                run.P50Ms,
                run.P99Ms,
                process = run.Cost,
            };
            text = string.Create(CultureInfo.InvariantCulture,
                $"persist ({journal.Label}{(mode is null ? "" : ", " + mode)}): {topicCount} topics, batch {batch}, {appenders} appenders, {size}-byte events: " +
                $"{run.EventsPerSecond:N0} events/s ({run.PublishesPerSecond:N0} publishes/s), latency p50 {run.P50Ms:F1} ms, p99 {run.P99Ms:F1} ms; " +
                $"this process: {run.Cost}");
        }
        finally
        {
            await journal.DisposeAsync();
        }

        // Last, after the actor system has stopped: nothing it logs can follow the JSON line.
        options.Report(result, text);
        return 0;
    }

    private static async Task<AppendRun> MeasureAsync(PersistJournal journal, TopicSettings settings, int topicCount, int batch, int appenders, int size, int warmup, int seconds)
    {
        var registry = await BenchActorSystem.StartTopicsAsync(journal.System, journal.Services, settings);
        var topics = Enumerable.Range(0, topicCount).Select(i => TopicName.Parse($"bench.topic{i}")).ToArray();
        var payload = PersistBenchmark.Payload(size);
        // One event list shared by every publish: the benchmark measures the path, not allocation of inputs.
        var events = Enumerable.Range(0, batch).Select(_ => new NewEvent(payload)).ToArray();
        var timeout = TimeSpan.FromSeconds(60);

        // Every topic created first (recovery, its creation snapshot, its first event), as many at
        // once as there are publishers: that is start-up, not the steady state measured here.
        var created = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(appenders, topicCount)).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref created); i < topicCount; i = Interlocked.Increment(ref created))
            {
                await PublishAsync(registry, new Publish(topics[i], [events[0]]), timeout);
            }
        })));

        var state = new RunState();
        var next = -1L;
        var workers = Enumerable.Range(0, appenders).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>();
            while (!state.Stopped)
            {
                var topic = topics[(int)(Interlocked.Increment(ref next) % topicCount)];
                var started = Stopwatch.GetTimestamp();
                await PublishAsync(registry, new Publish(topic, events), timeout);
                if (state.Measuring)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Add(ref state.Events, batch);
                }
            }

            return latencies;
        })).ToArray();

        // Warm-up: JIT tiers, the database's caches and every topic's ring reach a steady state.
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        var meter = ProcessCost.Start();
        var stopwatch = Stopwatch.StartNew();
        state.Measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        state.Measuring = false;
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        var counted = Interlocked.Read(ref state.Events);
        var cost = meter.Stop(counted);
        state.Stopped = true;
        var latencies = (await Task.WhenAll(workers)).SelectMany(l => l).Order().ToArray();
        return new AppendRun(elapsed, counted, counted / elapsed, latencies.Length / elapsed, Percentile(latencies, 0.50), Percentile(latencies, 0.99), cost);
    }

    /// <summary>Random lower-case letters: event data must be UTF-8 (a topic encodes it as SSE).</summary>
    public static byte[] Payload(int size)
    {
        var payload = new byte[size];
        for (var i = 0; i < size; i++)
        {
            payload[i] = (byte)('a' + Random.Shared.Next(26));
        }

        return payload;
    }

    /// <summary>Publishes as the host's endpoint does (an Ask to the shard region); anything but <see cref="PublishAccepted"/> ends the run.</summary>
    public static async Task<PublishAccepted> PublishAsync(IActorRef registry, Publish publish, TimeSpan timeout) =>
        await registry.Ask<object>(publish, timeout) switch
        {
            PublishAccepted accepted => accepted,
            PublishRejected rejected => throw new InvalidOperationException($"A publish to {publish.Topic} was rejected: {rejected.Reason}"),
            var other => throw new InvalidOperationException($"A publish to {publish.Topic} was answered with {other}"),
        };

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];

    private sealed record AppendRun(double Seconds, long Events, double EventsPerSecond, double PublishesPerSecond, double P50Ms, double P99Ms, ProcessCost Cost);

    /// <summary>Flags the publishers read while the main task times the run.</summary>
    private sealed class RunState
    {
        public long Events;
        private volatile bool _measuring;
        private volatile bool _stopped;

        public bool Measuring { get => _measuring; set => _measuring = value; }

        public bool Stopped { get => _stopped; set => _stopped = value; }
    }
}
