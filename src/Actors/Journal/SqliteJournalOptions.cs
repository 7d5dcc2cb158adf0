namespace EventActors.Actors.Journal;

/// <summary>How SQLite makes a commit durable: its <c>PRAGMA synchronous</c> in WAL mode.</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// The WAL is synced at checkpoints, not at each commit. A committed append survives the
    /// process crashing or being killed (the OS has the written pages); a power loss or OS crash
    /// can roll back the most recent commits, but never corrupts the database or splits a batch.
    /// </summary>
    Normal,

    /// <summary>
    /// The WAL is synced (fsync) at every commit before the append is acknowledged: a committed
    /// append also survives power loss and an OS crash, at the cost of one sync per group commit.
    /// </summary>
    Full,
}

/// <summary>Settings of <see cref="SqliteJournal"/>; every one has a default, and <see cref="Validate"/> names the one that is wrong.</summary>
public sealed record SqliteJournalOptions
{
    /// <summary>The database file; created, with its directory, when missing. No default: the host chooses where data lives.</summary>
    public required string Path { get; init; }

    /// <summary>Durability of a commit; see <see cref="SqliteSynchronousMode"/>.</summary>
    public SqliteSynchronousMode Synchronous { get; init; } = SqliteSynchronousMode.Normal;

    /// <summary>
    /// How long an idempotency key is remembered after the append that recorded it. Long enough
    /// for any sane client retry; bounds the key table to one window's worth of keyed appends.
    /// </summary>
    public TimeSpan IdempotencyWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a write or read waits for a lock held by another connection (another process on
    /// the same file, a checkpoint) before failing. Guards against waiting forever on a stuck
    /// process; in one process with WAL, readers never wait for the writer.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most events in one append, in events. Bounds one request's share of a transaction; the
    /// HTTP layer's batch limit should be at most this.
    /// </summary>
    public int MaxEventsPerAppend { get; init; } = 1_000;

    /// <summary>
    /// Largest event payload, in bytes. Guards memory: a group commit holds up to
    /// <see cref="MaxEventsPerTransaction"/> payloads at once.
    /// </summary>
    public int MaxEventBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Most events one group commit writes, in events; appends beyond it wait for the next
    /// commit (an append is never split). Keeps a commit short, so latency stays bounded and the
    /// WAL does not grow without a checkpoint. Counts each trim, delete or create as one.
    /// </summary>
    public int MaxEventsPerTransaction { get; init; } = 10_000;

    /// <summary>
    /// Most writes waiting or in flight, in requests. Beyond it a write fails at once with
    /// <see cref="JournalOverloadedException"/> instead of queueing: memory stays bounded when
    /// publishers outrun the disk.
    /// </summary>
    public int MaxPendingWrites { get; init; } = 10_000;

    /// <summary>Largest page a read returns, in events; a larger request is capped. Bounds one read's memory.</summary>
    public int MaxEventsPerRead { get; init; } = 10_000;

    /// <summary>The clock for timestamps, idempotency windows and age retention; tests pass a manual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the journal logs (the host passes its own, so the journal's lines join the node's log); none by default.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory LoggerFactory { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw Invalid(nameof(Path), "must name a database file", Path);
        }

        if (!Enum.IsDefined(Synchronous))
        {
            throw Invalid(nameof(Synchronous), "must be Normal or Full", Synchronous);
        }

        if (IdempotencyWindow <= TimeSpan.Zero)
        {
            throw Invalid(nameof(IdempotencyWindow), "must be positive", IdempotencyWindow);
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw Invalid(nameof(BusyTimeout), "must be between 0 and about 24 days", BusyTimeout);
        }

        JournalArguments.ValidateLimits(nameof(SqliteJournalOptions), MaxEventsPerAppend, MaxEventBytes, MaxEventsPerTransaction, MaxPendingWrites, MaxEventsPerRead);

        if (TimeProvider is null)
        {
            throw Invalid(nameof(TimeProvider), "must be set", "null");
        }
    }

    private static ArgumentException Invalid(string name, string rule, object? value) =>
        new($"SqliteJournalOptions.{name} {rule}; it is {value}.", name);
}
