using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Actors.Persistence;
using EventActors.Actors.Persistence.AkkaSql;
using EventActors.Actors.Topics;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EventActors.Bench;

/// <summary>
/// A fresh store for one <c>persist</c> run, set up the way the host sets up its journal
/// (src/Host/Storage): an actor system whose topics persist through it, and the services topics
/// need beside it. <c>--journal sqlite | postgres</c>: our journals as Akka.Persistence plugins;
/// <c>--journal akka-sql</c>: Akka.Persistence.Sql (<c>--akka-sql-provider SQLite.MS |
/// PostgreSQL15</c>), its SQLite connections in WAL mode with our synchronous setting through the
/// host's <see cref="SqliteModeInterceptor"/>. Everything lives in a temporary directory, a
/// PostgreSQL schema or a PostgreSQL database of its own, removed on dispose.
/// </summary>
internal sealed class PersistJournal : IAsyncDisposable
{
    /// <summary>The options that choose the store, for the benchmarks' usage lines.</summary>
    public const string Usage =
        "[--journal sqlite|postgres|akka-sql] [--akka-sql-provider SQLite.MS|PostgreSQL15] [--akka-sql-tuned] [--postgres CONNSTR] [--sync normal|full]";

    /// <summary>Akka.Persistence.Sql's plugin ids, as Akka.Persistence.Sql.Hosting configures them for the default plugin.</summary>
    private const string AkkaSqlJournalId = "akka.persistence.journal.sql";
    private const string AkkaSqlSnapshotStoreId = "akka.persistence.snapshot-store.sql";
    private const string AkkaSqlQueryId = "akka.persistence.query.journal.sql";

    /// <summary>
    /// The Akka.Persistence.Sql settings that helped batched writes on PostgreSQL in earlier
    /// measurements (/work/shared/AKKA-NOTES.md); <c>parallelism = 3</c> is its default already.
    /// </summary>
    private const string AkkaSqlTuning = "batch-size = 5000, parallelism = 3, db-round-trip-max-batch-size = 5000";

    private readonly Stack<Func<Task>> _cleanups;
    private readonly string? _sqliteFile;

    private PersistJournal(Stack<Func<Task>> cleanups, ActorSystem system, TopicServices services, string label, string? tuning, string? sqliteFile)
    {
        _cleanups = cleanups;
        System = system;
        Services = services;
        Label = label;
        Tuning = tuning;
        _sqliteFile = sqliteFile;
    }

    /// <summary>The actor system the topics run in.</summary>
    public ActorSystem System { get; }

    /// <summary>What the topics use beside the plugins: idempotency keys and history as the host gives them.</summary>
    public TopicServices Services { get; }

    /// <summary>Which store, for the report: <c>sqlite plugin (normal)</c>, <c>akka-sql SQLite.MS (normal)</c>...</summary>
    public string Label { get; }

    /// <summary>Akka.Persistence.Sql settings changed from its defaults, if any.</summary>
    public string? Tuning { get; }

    public static async Task<PersistJournal> OpenAsync(BenchmarkOptions options, string systemName)
    {
        var kind = (options.String("journal") ?? "sqlite").ToLowerInvariant();
        var sync = (options.String("sync") ?? "normal").ToLowerInvariant() switch
        {
            "normal" => SqliteSynchronousMode.Normal,
            "full" => SqliteSynchronousMode.Full,
            var other => throw new BenchmarkOptionException($"--sync is normal or full, was '{other}'"),
        };
        var cleanups = new Stack<Func<Task>>();
        try
        {
            return kind switch
            {
                "sqlite" => OurSqlite(cleanups, systemName, sync),
                "postgres" => await OurPostgresAsync(cleanups, systemName, PostgresOption(options)),
                "akka-sql" => await AkkaSqlAsync(cleanups, systemName, options, sync),
                _ => throw new BenchmarkOptionException($"--journal is sqlite, postgres or akka-sql, was '{kind}'"),
            };
        }
        catch
        {
            await CleanUpAsync(cleanups);
            throw;
        }
    }

    /// <summary>The SQLite file's journal mode (<c>wal</c> is what the comparison needs), or null on PostgreSQL.</summary>
    public async Task<string?> SqliteJournalModeAsync()
    {
        if (_sqliteFile is null)
        {
            return null;
        }

        await using var connection = new SqliteConnection($"Data Source={_sqliteFile};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>Stops the actor system, closes the store and removes its files, schema or database.</summary>
    public ValueTask DisposeAsync() => new(CleanUpAsync(_cleanups));

    private static PersistJournal OurSqlite(Stack<Func<Task>> cleanups, string systemName, SqliteSynchronousMode sync)
    {
        var directory = TemporaryDirectory(cleanups);
        var file = Path.Combine(directory, "journal.db");
        // The host's settings (src/Host/Storage/OurJournal.cs): the journal's defaults, 1,000 events per append.
        var journal = SqliteJournal.Open(new SqliteJournalOptions { Path = file, Synchronous = sync });
        cleanups.Push(() => journal.DisposeAsync().AsTask());
        var system = StartSystem(cleanups, () => BenchActorSystem.WithOurJournal(systemName, new TopicStorageSetup(journal, journal.Options.MaxEventsPerAppend)));
        var services = new TopicServices(new JournalIdempotencyKeys(journal), new TopicHistory(system, TopicPersistence.QueryId));
        return new PersistJournal(cleanups, system, services, $"sqlite plugin ({sync.ToString().ToLowerInvariant()})", null, file);
    }

    private static async Task<PersistJournal> OurPostgresAsync(Stack<Func<Task>> cleanups, string systemName, string connectionString)
    {
        var schema = $"bench_{Guid.NewGuid():N}";
        cleanups.Push(() => ExecuteAsync(connectionString, $"DROP SCHEMA IF EXISTS {schema} CASCADE;"));
        var journal = await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = connectionString, Schema = schema });
        cleanups.Push(() => journal.DisposeAsync().AsTask());
        var system = StartSystem(cleanups, () => BenchActorSystem.WithOurJournal(systemName, new TopicStorageSetup(journal, journal.Options.MaxEventsPerAppend)));
        var services = new TopicServices(new JournalIdempotencyKeys(journal), new TopicHistory(system, TopicPersistence.QueryId),
            () => journal.IsReachable, TimeProvider.System);
        return new PersistJournal(cleanups, system, services, "postgres plugin", null, null);
    }

    /// <summary>
    /// Akka.Persistence.Sql as the host configures it (src/Host/Storage/AkkaSqlJournal.cs): the
    /// default journal and snapshot store, tables created by it, its connections opened through
    /// linq2db <see cref="DataOptions"/> (given here in a <see cref="MultiDataOptionsSetup"/>, as
    /// Akka.Persistence.Sql.Hosting does), our serializer for events and snapshots, and our
    /// idempotency-key table beside its tables.
    /// </summary>
    private static async Task<PersistJournal> AkkaSqlAsync(Stack<Func<Task>> cleanups, string systemName, BenchmarkOptions options, SqliteSynchronousMode sync)
    {
        var provider = options.String("akka-sql-provider") ?? "SQLite.MS";
        string connectionString;
        string? file = null;
        DataOptions data;
        if (provider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            file = Path.Combine(TemporaryDirectory(cleanups), "akka-sql.db");
            connectionString = $"Data Source={file}";
            cleanups.Push(() => Task.Run(SqliteConnection.ClearAllPools));
            data = new DataOptions().UseConnectionString(provider, connectionString).UseInterceptor(new SqliteModeInterceptor(sync));
        }
        else
        {
            var server = PostgresOption(options);
            var database = $"bench_{Guid.NewGuid():N}";
            await ExecuteAsync(server, $"CREATE DATABASE {database};");
            cleanups.Push(async () =>
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE);");
            });
            connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ToString();
            data = new DataOptions().UseConnectionString(provider, connectionString);
        }

        var tuning = options.Flag("akka-sql-tuned") ? AkkaSqlTuning : null;
        var config = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "{{AkkaSqlJournalId}}"
            akka.persistence.snapshot-store.plugin = "{{AkkaSqlSnapshotStoreId}}"
            {{AkkaSqlJournalId}} { connection-string = "{{connectionString}}", provider-name = "{{provider}}", auto-initialize = true {{(tuning is null ? "" : ", " + tuning)}} }
            {{AkkaSqlSnapshotStoreId}} { connection-string = "{{connectionString}}", provider-name = "{{provider}}", auto-initialize = true }
            {{AkkaSqlQueryId}} { connection-string = "{{connectionString}}", provider-name = "{{provider}}" }
            """).WithFallback(TopicPersistence.Plugins).WithFallback(SqlPersistence.DefaultConfiguration);
        var setup = new MultiDataOptionsSetup();
        setup.AddDataOptions(AkkaSqlJournalId, data);
        setup.AddDataOptions(AkkaSqlSnapshotStoreId, data);
        setup.AddDataOptions(AkkaSqlQueryId, data);
        var system = StartSystem(cleanups, () => BenchActorSystem.WithPersistence(systemName, config, setup));
        var keys = await AkkaSqlIdempotencyKeys.OpenAsync(system, new AkkaSqlIdempotencyKeysOptions
        {
            ProviderName = provider,
            ConnectionString = connectionString,
            ReadJournalPluginId = AkkaSqlQueryId,
        });
        cleanups.Push(() => keys.DisposeAsync().AsTask());
        var services = new TopicServices(keys, new TopicHistory(system, AkkaSqlQueryId));
        var label = file is null ? $"akka-sql {provider}" : $"akka-sql {provider} ({sync.ToString().ToLowerInvariant()})";
        return new PersistJournal(cleanups, system, services, tuning is null ? label : label + " tuned", tuning, file);
    }

    private static ActorSystem StartSystem(Stack<Func<Task>> cleanups, Func<ActorSystem> create)
    {
        var system = create();
        cleanups.Push(system.Terminate);
        return system;
    }

    private static string TemporaryDirectory(Stack<Func<Task>> cleanups)
    {
        var directory = Directory.CreateTempSubdirectory("eventactors-persist-bench-").FullName;
        cleanups.Push(() => Task.Run(() => Directory.Delete(directory, recursive: true)));
        return directory;
    }

    private static async Task CleanUpAsync(Stack<Func<Task>> cleanups)
    {
        while (cleanups.TryPop(out var cleanup))
        {
            await cleanup();
        }
    }

    private static string PostgresOption(BenchmarkOptions options) =>
        options.String("postgres") ?? throw new BenchmarkOptionException("PostgreSQL needs --postgres \"<Npgsql connection string>\" (scripts/postgres.sh start DIR prints one)");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
