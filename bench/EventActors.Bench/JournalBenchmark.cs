using System.Diagnostics;
using System.Globalization;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Protocol;

namespace EventActors.Bench;

/// <summary>
/// A journal's durable throughput: SQLite (the default) or PostgreSQL (<c>--journal postgres
/// --postgres "CONNECTION STRING"</c>, in a schema of its own that is dropped afterwards). Append mode: many concurrent appenders (so group
/// commit has something to group) each append <c>--batch</c> events per request, spread round
/// robin over <c>--topics</c> topics; an event counts once its append is acknowledged, that is
/// after COMMIT. Replay mode (<c>--replay</c>): appends <c>--events</c> events to one topic, then
/// reads them all back in pages, as a subscriber catching up would.
/// </summary>
internal sealed class JournalBenchmark : IBenchmark
{
    public string Description => "Journal (SQLite or PostgreSQL): durable append throughput with group commit, or replay throughput";

    public string Usage =>
        "[--journal sqlite|postgres] [--postgres CONNSTR] [--topics 1000] [--batch 100] [--sync normal|full] [--appenders 256] [--size 100] [--seconds 5] [--path DIR] [--json] | " +
        "--replay [--events 100000] [--page 1000] [--size 100] [--path DIR] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var kind = (options.String("journal") ?? "sqlite").ToLowerInvariant();
        if (kind == "postgres")
        {
            return await RunOnPostgresAsync(options);
        }

        if (kind != "sqlite")
        {
            throw new BenchmarkOptionException($"--journal is sqlite or postgres, was '{kind}'");
        }

        var directory = options.String("path") is { } path
            ? Path.GetFullPath(path)
            : Path.Combine(Path.GetTempPath(), $"eventactors-journal-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, $"journal-{Guid.NewGuid():N}.db");
        try
        {
            var sync = ParseSync(options.String("sync") ?? "normal");
            if (options.Flag("replay"))
            {
                return await ReplayAsync(options, SqliteJournal.Open(new SqliteJournalOptions { Path = database, MaxEventsPerRead = Math.Max(options.Int("page", 1_000), 10_000) }));
            }

            return await AppendAsync(options, sync.ToString().ToLowerInvariant(), tuning =>
            {
                var journal = SqliteJournal.Open(new SqliteJournalOptions
                {
                    Path = database,
                    Synchronous = sync,
                    MaxEventsPerAppend = tuning.MaxEventsPerAppend,
                    MaxEventsPerTransaction = tuning.MaxEventsPerTransaction,
                    MaxPendingWrites = tuning.MaxPendingWrites,
                });
                return Task.FromResult(((IEventJournal)journal, (Func<long>)(() => journal.Commits)));
            });
        }
        finally
        {
            foreach (var file in Directory.GetFiles(directory, Path.GetFileName(database) + "*"))
            {
                File.Delete(file);
            }

            if (options.String("path") is null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>PostgreSQL: the server named by --postgres (see scripts/postgres.sh for a throwaway one), a fresh schema per run.</summary>
    private static async Task<int> RunOnPostgresAsync(BenchmarkOptions options)
    {
        var connectionString = options.String("postgres")
            ?? throw new BenchmarkOptionException("--journal postgres needs --postgres \"<Npgsql connection string>\" (scripts/postgres.sh start DIR prints one)");
        var schema = $"bench_{Guid.NewGuid():N}";
        try
        {
            return options.Flag("replay")
                ? await ReplayAsync(options, await PostgresJournal.OpenAsync(new PostgresJournalOptions
                {
                    ConnectionString = connectionString,
                    Schema = schema,
                    MaxEventsPerRead = Math.Max(options.Int("page", 1_000), 10_000),
                }))
                : await AppendAsync(options, "postgres", async tuning =>
                {
                    var journal = await PostgresJournal.OpenAsync(new PostgresJournalOptions
                    {
                        ConnectionString = connectionString,
                        Schema = schema,
                        MaxEventsPerAppend = tuning.MaxEventsPerAppend,
                        MaxEventsPerTransaction = tuning.MaxEventsPerTransaction,
                        MaxPendingWrites = tuning.MaxPendingWrites,
                    });
                    return ((IEventJournal)journal, (Func<long>)(() => journal.Commits));
                });
        }
        finally
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE;", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private sealed record Tuning(int MaxEventsPerAppend, int MaxEventsPerTransaction, int MaxPendingWrites);

    private static async Task<int> AppendAsync(BenchmarkOptions options, string sync, Func<Tuning, Task<(IEventJournal Journal, Func<long> Commits)>> open)
    {
        var topicCount = options.Int("topics", 1000);
        var batch = options.Int("batch", 100);
        var appenders = options.Int("appenders", 256);
        var size = options.Int("size", 100);
        var seconds = options.Int("seconds", 5);
        if (topicCount < 1 || batch < 1 || appenders < 1 || seconds < 1)
        {
            throw new BenchmarkOptionException("--topics, --batch, --appenders and --seconds must be at least 1");
        }

        var (journal, commitCount) = await open(new Tuning(Math.Max(batch, 1_000), Math.Max(batch, 10_000), Math.Max(appenders, 10_000)));
        await using var _ = journal;
        var topics = Enumerable.Range(0, topicCount).Select(i => TopicName.Parse($"bench.topic{i}")).ToArray();
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        // One event list shared by every request: the benchmark measures the journal, not allocation of inputs.
        var events = Enumerable.Range(0, batch).Select(_ => new NewEvent(payload)).ToArray();

        var run = new AppendRun();
        var nextTopic = -1L;
        var workers = Enumerable.Range(0, appenders).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>();
            while (!run.Stopped)
            {
                var topic = topics[(int)(Interlocked.Increment(ref nextTopic) % topicCount)];
                var started = Stopwatch.GetTimestamp();
                // No expected head: appenders share topics here; a real topic has one writer that states it.
                await journal.AppendAsync(new AppendRequest(topic, null, events));
                if (run.Measuring)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Add(ref run.Events, batch);
                }
            }

            return latencies;
        })).ToArray();

        // Warm-up: JIT tiers, SQLite's page cache and the WAL reach a steady state first.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var commitsBefore = commitCount();
        var meter = ProcessCost.Start();
        var stopwatch = Stopwatch.StartNew();
        run.Measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        run.Measuring = false;
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        var commits = commitCount() - commitsBefore;
        var counted = Interlocked.Read(ref run.Events);
        var cost = meter.Stop(counted);
        run.Stopped = true;
        var latencies = (await Task.WhenAll(workers)).SelectMany(l => l).Order().ToArray();

        var eventsPerSecond = counted / elapsed;
        var appendsPerSecond = latencies.Length / elapsed;
        var eventsPerCommit = commits == 0 ? 0 : (double)counted / commits;
        var p50 = Percentile(latencies, 0.50);
        var p99 = Percentile(latencies, 0.99);
        options.Report(
            new
            {
                benchmark = "journal",
                mode = "append",
                topics = topicCount,
                batch,
                journal = sync == "postgres" ? "postgres" : "sqlite",
                sync,
                appenders,
                eventBytes = size,
                seconds = elapsed,
                events = counted,
                eventsPerSecond,
                appendsPerSecond,
                commitsPerSecond = commits / elapsed,
                eventsPerCommit,
                p50Ms = p50,
                p99Ms = p99,
                process = cost,
            },
            string.Create(CultureInfo.InvariantCulture,
                $"journal append ({sync}): {topicCount} topics, batch {batch}, {appenders} appenders, {size}-byte events: " +
                $"{eventsPerSecond:N0} events/s ({appendsPerSecond:N0} appends/s, {commits / elapsed:N0} commits/s, {eventsPerCommit:N0} events/commit), " +
                $"append latency p50 {p50:F1} ms, p99 {p99:F1} ms; this process: {cost}"));
        return 0;
    }

    private static async Task<int> ReplayAsync(BenchmarkOptions options, IEventJournal journal)
    {
        var total = options.Int("events", 100_000);
        var page = options.Int("page", 1_000);
        var size = options.Int("size", 100);
        if (total < 1 || page < 1)
        {
            throw new BenchmarkOptionException("--events and --page must be at least 1");
        }

        await using var _ = journal;
        var topic = TopicName.Parse("bench.replay");
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        for (var appended = 0; appended < total;)
        {
            var count = Math.Min(1_000, total - appended);
            await journal.AppendAsync(new AppendRequest(topic, (ulong)appended, Enumerable.Range(0, count).Select(_ => new NewEvent(payload)).ToList()));
            appended += count;
        }

        // One untimed pass warms the JIT and SQLite's page cache; the timed pass is what a
        // subscriber catching up from a warm node sees.
        await ReadAll(journal, topic, page);
        var stopwatch = Stopwatch.StartNew();
        var (read, bytes) = await ReadAll(journal, topic, page);
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        if (read != total)
        {
            throw new InvalidOperationException($"Replay read {read} events, expected {total}");
        }

        var eventsPerSecond = read / elapsed;
        options.Report(
            new { benchmark = "journal", mode = "replay", events = read, page, eventBytes = size, seconds = elapsed, eventsPerSecond, megabytesPerSecond = bytes / elapsed / 1e6 },
            string.Create(CultureInfo.InvariantCulture,
                $"journal replay: {read:N0} events of {size} bytes in pages of {page}: {elapsed * 1000:F0} ms, {eventsPerSecond:N0} events/s ({bytes / elapsed / 1e6:F0} MB/s)"));
        return 0;
    }

    private static async Task<(long Events, long Bytes)> ReadAll(IEventJournal journal, TopicName topic, int page)
    {
        long events = 0, bytes = 0;
        for (var after = 0UL; ;)
        {
            var result = await journal.ReadAsync(topic, after, page);
            if (result.Events.Count == 0)
            {
                return (events, bytes);
            }

            foreach (var stored in result.Events)
            {
                bytes += stored.Data.Length;
            }

            events += result.Events.Count;
            after = result.Events[^1].Sequence;
        }
    }

    private static SqliteSynchronousMode ParseSync(string text) => text.ToLowerInvariant() switch
    {
        "normal" => SqliteSynchronousMode.Normal,
        "full" => SqliteSynchronousMode.Full,
        _ => throw new BenchmarkOptionException($"--sync is normal or full, was '{text}'"),
    };

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];

    /// <summary>Flags the appenders read while the main task times the run.</summary>
    private sealed class AppendRun
    {
        public long Events;
        private volatile bool _measuring;
        private volatile bool _stopped;

        public bool Measuring { get => _measuring; set => _measuring = value; }

        public bool Stopped { get => _stopped; set => _stopped = value; }
    }
}
