using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using EventActors.Actors;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Actors.Persistence;

namespace EventActors.Bench;

/// <summary>
/// A journal's durable throughput through Akka.Persistence: one persistent actor per topic, as
/// the server's topics are, each persisting a batch (<c>PersistAll</c>) per request and
/// answering after its handler ran (after the commit). <c>--journal sqlite | postgres</c> are
/// our journals as plugins; <c>--journal akka-sql</c> is Akka.Persistence.Sql on the same kind
/// of database (<c>--akka-sql-provider SQLite.MS | PostgreSQL15</c>). Same load as
/// <c>journal</c>: <c>--appenders</c> concurrent requesters, round robin over <c>--topics</c>.
/// </summary>
internal sealed class PersistBenchmark : IBenchmark
{
    public string Description => "Akka.Persistence write throughput: our journals as plugins, or Akka.Persistence.Sql, one persistent actor per topic";

    public string Usage =>
        "[--journal sqlite|postgres|akka-sql] [--akka-sql-provider SQLite.MS|PostgreSQL15] [--postgres CONNSTR] [--sync normal|full] " +
        "[--topics 1000] [--batch 100] [--appenders 256] [--size 100] [--seconds 5] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var kind = (options.String("journal") ?? "sqlite").ToLowerInvariant();
        var directory = Path.Combine(Path.GetTempPath(), $"eventactors-persist-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var cleanups = new List<Func<Task>> { () => Task.Run(() => Directory.Delete(directory, recursive: true)) };
        try
        {
            var batch = options.Int("batch", 100);
            var (config, setup, label) = kind switch
            {
                "sqlite" => OurSqlite(options, directory, batch, cleanups),
                "postgres" => await OurPostgresAsync(options, batch, cleanups),
                "akka-sql" => await AkkaSqlAsync(options, directory, cleanups),
                _ => throw new BenchmarkOptionException($"--journal is sqlite, postgres or akka-sql, was '{kind}'"),
            };
            return await MeasureAsync(options, config, setup, label);
        }
        finally
        {
            for (var i = cleanups.Count - 1; i >= 0; i--)
            {
                await cleanups[i]();
            }
        }
    }

    private static (Config, Setup?, string) OurSqlite(BenchmarkOptions options, string directory, int batch, List<Func<Task>> cleanups)
    {
        var full = (options.String("sync") ?? "normal") == "full";
        var journal = SqliteJournal.Open(new SqliteJournalOptions
        {
            Path = Path.Combine(directory, "journal.db"),
            Synchronous = full ? SqliteSynchronousMode.Full : SqliteSynchronousMode.Normal,
            MaxEventsPerAppend = Math.Max(batch, 1_000),
            MaxPendingWrites = 10_000,
        });
        cleanups.Add(() => journal.DisposeAsync().AsTask());
        return (TopicPersistence.AsDefault, new TopicStorageSetup(journal, journal.Options.MaxEventsPerAppend), full ? "sqlite plugin (full)" : "sqlite plugin (normal)");
    }

    private static async Task<(Config, Setup?, string)> OurPostgresAsync(BenchmarkOptions options, int batch, List<Func<Task>> cleanups)
    {
        var connectionString = PostgresOption(options);
        var schema = $"bench_{Guid.NewGuid():N}";
        cleanups.Add(() => ExecuteAsync(connectionString, $"DROP SCHEMA IF EXISTS {schema} CASCADE;"));
        var journal = await PostgresJournal.OpenAsync(new PostgresJournalOptions
        {
            ConnectionString = connectionString,
            Schema = schema,
            MaxEventsPerAppend = Math.Max(batch, 1_000),
            MaxPendingWrites = 10_000,
        });
        cleanups.Add(() => journal.DisposeAsync().AsTask());
        return (TopicPersistence.AsDefault, new TopicStorageSetup(journal, journal.Options.MaxEventsPerAppend), "postgres plugin");
    }

    /// <summary>
    /// Akka.Persistence.Sql, tables created by it. On SQLite the file is put in WAL mode first
    /// (WAL is a property of the file; Akka.Persistence.Sql would otherwise use a rollback
    /// journal); its connections keep SQLite's default synchronous=FULL, so compare it with
    /// <c>--journal sqlite --sync full</c>. On PostgreSQL a database of its own, with the
    /// settings that helped it most in earlier measurements (docs/benchmarks.md).
    /// </summary>
    private static async Task<(Config, Setup?, string)> AkkaSqlAsync(BenchmarkOptions options, string directory, List<Func<Task>> cleanups)
    {
        var provider = options.String("akka-sql-provider") ?? "SQLite.MS";
        string connectionString, tuning = "";
        if (provider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            connectionString = $"Data Source={Path.Combine(directory, "akka.db")}";
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
            await connection.OpenAsync();
            await using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync();
            cleanups.Add(() => Task.Run(Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools));
        }
        else
        {
            var server = PostgresOption(options);
            var database = $"bench_{Guid.NewGuid():N}";
            await ExecuteAsync(server, $"CREATE DATABASE {database};");
            cleanups.Add(() => ExecuteAsync(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE);"));
            connectionString = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = database }.ToString();
            tuning = "batch-size = 5000, parallelism = 3, db-round-trip-max-batch-size = 5000";
        }

        var config = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.journal.sql { connection-string = "{{connectionString}}", provider-name = "{{provider}}", auto-initialize = true {{(tuning.Length > 0 ? ", " + tuning : "")}} }
            akka.persistence.snapshot-store.sql { connection-string = "{{connectionString}}", provider-name = "{{provider}}", auto-initialize = true }
            """).WithFallback(TopicPersistence.Plugins).WithFallback(SqlPersistence.DefaultConfiguration);
        return (config, null, $"akka-sql ({provider})");
    }

    private static async Task<int> MeasureAsync(BenchmarkOptions options, Config config, Setup? setup, string label)
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

        var bootstrap = BootstrapSetup.Create().WithConfig(config
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING, akka.persistence.max-concurrent-recoveries = 1000")));
        var system = ActorSystem.Create("persist-bench", setup is null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, setup));
        SchedulerStart.Now(system);
        try
        {
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            var events = Enumerable.Range(0, batch).Select(_ => new NewEvent(payload)).ToArray();
            var topics = Enumerable.Range(0, topicCount).Select(i => system.ActorOf(Props.Create(() => new BenchTopic($"bench.topic{i}")))).ToArray();
            var write = new BenchTopic.Write(events);
            var timeout = TimeSpan.FromSeconds(60);

            var run = new Run();
            var next = -1L;
            var workers = Enumerable.Range(0, appenders).Select(_ => Task.Run(async () =>
            {
                var latencies = new List<double>();
                while (!run.Stopped)
                {
                    var topic = topics[(int)(Interlocked.Increment(ref next) % topicCount)];
                    var started = Stopwatch.GetTimestamp();
                    await topic.Ask<BenchTopic.Written>(write, timeout);
                    if (run.Measuring)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        Interlocked.Add(ref run.Events, batch);
                    }
                }

                return latencies;
            })).ToArray();

            // Warm-up: every topic recovered, JIT tiers and the database's caches settled.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var stopwatch = Stopwatch.StartNew();
            run.Measuring = true;
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            run.Measuring = false;
            var elapsed = stopwatch.Elapsed.TotalSeconds;
            var counted = Interlocked.Read(ref run.Events);
            run.Stopped = true;
            var latencies = (await Task.WhenAll(workers)).SelectMany(l => l).Order().ToArray();
            var eventsPerSecond = counted / elapsed;
            var p50 = latencies.Length == 0 ? 0 : latencies[latencies.Length / 2];
            var p99 = latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(0.99 * latencies.Length))];
            options.Report(
                new { benchmark = "persist", journal = label, topics = topicCount, batch, appenders, eventBytes = size, seconds = elapsed, events = counted, eventsPerSecond, p50Ms = p50, p99Ms = p99 },
                string.Create(CultureInfo.InvariantCulture,
                    $"persist ({label}): {topicCount} topics, batch {batch}, {appenders} appenders, {size}-byte events: {eventsPerSecond:N0} events/s, latency p50 {p50:F1} ms, p99 {p99:F1} ms"));
            return 0;
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static string PostgresOption(BenchmarkOptions options) =>
        options.String("postgres") ?? throw new BenchmarkOptionException("PostgreSQL needs --postgres \"<Npgsql connection string>\" (scripts/postgres.sh start DIR prints one)");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A topic as far as the journal can tell: a persistent actor that persists each batch it is sent and answers after the commit.</summary>
    private sealed class BenchTopic : ReceivePersistentActor
    {
        public BenchTopic(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<NewEvent>(_ => { });
            Command<Write>(write =>
            {
                var remaining = write.Events.Count;
                var replyTo = Sender;
                PersistAll(write.Events, _ =>
                {
                    if (--remaining == 0)
                    {
                        replyTo.Tell(new Written(LastSequenceNr));
                    }
                });
            });
        }

        public override string PersistenceId { get; }

        public sealed record Write(IReadOnlyList<NewEvent> Events);

        public sealed record Written(long LastSequence);
    }

    private sealed class Run
    {
        public long Events;
        private volatile bool _measuring;
        private volatile bool _stopped;

        public bool Measuring { get => _measuring; set => _measuring = value; }

        public bool Stopped { get => _stopped; set => _stopped = value; }
    }
}
