using System.Text.RegularExpressions;
using Npgsql;

namespace EventActors.Actors.Journal.Postgres;

/// <summary>Settings of <see cref="PostgresJournal"/>; every one but the connection string has a default, and <see cref="Validate"/> names the one that is wrong.</summary>
public sealed partial record PostgresJournalOptions
{
    /// <summary>
    /// An Npgsql connection string (<c>Host=db;Database=events;Username=app;Password=...</c>).
    /// Pool settings in it apply (the journal's readers share the pool; the writer holds one
    /// connection of it). No default: the host says where the database is.
    /// </summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// The schema that holds the journal's tables, created when missing. Lower-case letters,
    /// digits and <c>_</c>, starting with a letter or <c>_</c>. Several journals can share one
    /// database under different schemas (the tests give each test its own).
    /// </summary>
    public string Schema { get; init; } = "eventactors";

    /// <summary>How long an idempotency key is remembered after the append that recorded it (24 hours).</summary>
    public TimeSpan IdempotencyWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Most events in one append (1,000); the HTTP layer's batch limit should be at most this.</summary>
    public int MaxEventsPerAppend { get; init; } = 1_000;

    /// <summary>Largest event payload, in bytes (1 MiB). Guards memory: a group commit holds up to <see cref="MaxEventsPerTransaction"/> payloads.</summary>
    public int MaxEventBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Most events one group commit writes (10,000); appends beyond it wait for the next commit
    /// (an append is never split). Keeps a commit, and the time its row locks are held, short.
    /// </summary>
    public int MaxEventsPerTransaction { get; init; } = 10_000;

    /// <summary>Most writes waiting or in flight (10,000). Beyond it a write fails at once with <see cref="JournalOverloadedException"/>: memory stays bounded.</summary>
    public int MaxPendingWrites { get; init; } = 10_000;

    /// <summary>Largest page a read returns, in events (10,000); a larger request is capped.</summary>
    public int MaxEventsPerRead { get; init; } = 10_000;

    /// <summary>
    /// While the database is unreachable, how often the journal tries to reach it again (1 s).
    /// Writes in between fail at once with <see cref="JournalUnreachableException"/>.
    /// </summary>
    public TimeSpan ReconnectInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long opening a connection may take before the database counts as unreachable (5 s),
    /// unless the connection string sets <c>Timeout</c> itself. Npgsql's default is 15 s, long
    /// for a publisher waiting on a 503.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock for timestamps, idempotency windows and age retention; tests pass a manual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the journal logs (the host passes its own, so the journal's lines join the node's log); none by default.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory LoggerFactory { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw Invalid(nameof(ConnectionString), "must be an Npgsql connection string", ConnectionString);
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException error)
        {
            throw new ArgumentException($"PostgresJournalOptions.ConnectionString is not a valid Npgsql connection string: {error.Message}", nameof(ConnectionString), error);
        }

        if (Schema is null || !SchemaName().IsMatch(Schema))
        {
            throw Invalid(nameof(Schema), "must be lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters", Schema);
        }

        if (IdempotencyWindow <= TimeSpan.Zero)
        {
            throw Invalid(nameof(IdempotencyWindow), "must be positive", IdempotencyWindow);
        }

        if (ReconnectInterval <= TimeSpan.Zero)
        {
            throw Invalid(nameof(ReconnectInterval), "must be positive", ReconnectInterval);
        }

        if (ConnectTimeout < TimeSpan.FromSeconds(1) || ConnectTimeout > TimeSpan.FromMinutes(10))
        {
            throw Invalid(nameof(ConnectTimeout), "must be between 1 s and 10 min (Npgsql counts it in whole seconds)", ConnectTimeout);
        }

        JournalArguments.ValidateLimits(nameof(PostgresJournalOptions), MaxEventsPerAppend, MaxEventBytes, MaxEventsPerTransaction, MaxPendingWrites, MaxEventsPerRead);

        if (TimeProvider is null)
        {
            throw Invalid(nameof(TimeProvider), "must be set", "null");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();

    private static ArgumentException Invalid(string name, string rule, object? value) =>
        new($"PostgresJournalOptions.{name} {rule}; it is {value}.", name);
}
