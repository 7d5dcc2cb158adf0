namespace EventActors.Host;

/// <summary>
/// The host's settings, bound once at start-up from configuration (section "EventActors")
/// and validated there: a bad value stops the start with a message that names the key.
/// </summary>
public sealed class ServerOptions
{
    public const string Section = "EventActors";

    /// <summary>
    /// Origins (such as <c>https://app.example.com</c>) whose pages may publish and subscribe
    /// from a browser, with credentials (cookies) allowed. Empty, the default: same origin only.
    /// </summary>
    public string[] CorsAllowedOrigins { get; set; } = [];

    /// <summary>Runs a small publisher feeding the demo pages' topics (<c>--demo</c>).</summary>
    public bool Demo { get; set; }

    /// <summary>
    /// Which journal stores the events (<c>--journal</c>): <see cref="JournalKind.Sqlite"/>, the
    /// default, a file under <see cref="DataDir"/> with nothing to set up; or
    /// <see cref="JournalKind.Postgres"/>, the database a cluster shares (<see cref="PostgresConnectionString"/>).
    /// </summary>
    public JournalKind Journal { get; set; } = JournalKind.Sqlite;

    /// <summary>The Npgsql connection string of the PostgreSQL journal (<c>--postgres</c>); required when <see cref="Journal"/> is Postgres.</summary>
    public string PostgresConnectionString { get; set; } = "";

    /// <summary>The schema that holds the PostgreSQL journal's tables, created and migrated at start-up ("eventactors").</summary>
    public string PostgresSchema { get; set; } = "eventactors";

    /// <summary>
    /// Most open client connections (SSE streams included); beyond it new connections are closed
    /// at once and the open ones carry on. 0, the default, means the process's open-file limit
    /// less <see cref="FileDescriptorHeadroom"/>: a node that ran out of file descriptors would
    /// fail everything else it opens (journal, pool, runtime) and die.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>File descriptors kept free of client connections for the journal, the database pool, logs and the runtime.</summary>
    public const int FileDescriptorHeadroom = 512;

    /// <summary>The connection limit in force: <see cref="MaxConnections"/>, or one derived from the open-file limit, or null (no limit known).</summary>
    public long? EffectiveMaxConnections(long? openFileLimit) =>
        MaxConnections > 0 ? MaxConnections
        : openFileLimit is { } limit ? Math.Max(100, limit - FileDescriptorHeadroom)
        : null;

    /// <summary>Where the SQLite journal lives (<c>--data-dir</c>).</summary>
    public string DataDir { get; set; } = "./data";

    /// <summary>
    /// SQLite's <c>synchronous</c>: Normal (the default) keeps every acknowledged event across a
    /// process crash; Full also across a power loss or OS crash, at the cost of an fsync per commit.
    /// </summary>
    public Actors.Journal.SqliteSynchronousMode JournalSynchronous { get; set; } = Actors.Journal.SqliteSynchronousMode.Normal;

    /// <summary>Largest event body, in bytes (64 KiB). Guards memory per publish and per ring slot.</summary>
    public int MaxEventBytes { get; set; } = 64 * 1024;

    /// <summary>Largest NDJSON batch body, in bytes (1 MiB). Guards memory per publish request.</summary>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>Most events in one NDJSON batch (1,000). Guards the size of one journal transaction.</summary>
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>Longest <c>Idempotency-Key</c>, in characters (200). Guards the key index.</summary>
    public int MaxIdempotencyKeyLength { get; set; } = 200;

    /// <summary>Longest event type, in characters (200). Guards every frame that carries it.</summary>
    public int MaxEventTypeLength { get; set; } = 200;

    /// <summary>Events kept in memory per topic for subscribers that are slightly behind (1,024).</summary>
    public int RingSize { get; set; } = 1024;

    /// <summary>Encoded bytes kept in memory per topic (8 MiB), whatever RingSize says. Bounds a topic of large events.</summary>
    public long RingMaxBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Events a topic may push to one subscriber before the subscriber has written them (256).
    /// Bounds the memory a slow client can hold; a subscriber out of credit catches up later.
    /// </summary>
    public int SubscriberCredit { get; set; } = 256;

    /// <summary>A comment is sent after this long without a write, so proxies keep the stream open.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The <c>retry:</c> a browser waits before reconnecting, in milliseconds (2,000).</summary>
    public int RetryMilliseconds { get; set; } = 2000;

    /// <summary>A topic with no subscriber and no publish for this long is stopped to free its memory.</summary>
    public TimeSpan TopicIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Events of catch-up history read from the journal per page (500).</summary>
    public int CatchUpPageSize { get; set; } = 500;

    /// <summary>
    /// Events each topic keeps (0: no limit, the default). Older events are trimmed; a client
    /// that asks for them gets an <c>eventactors.reset</c> event saying so.
    /// </summary>
    public long RetentionMaxEvents { get; set; }

    /// <summary>How long each topic keeps an event (zero: no limit, the default).</summary>
    public TimeSpan RetentionMaxAge { get; set; } = TimeSpan.Zero;

    /// <summary>How long a publish waits for its commit before answering 503 (10 s).</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws with a message naming the key when a value is out of range.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(DataDir), nameof(DataDir), "must name a directory");
        foreach (var origin in CorsAllowedOrigins)
        {
            Require(origin != "*" && Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/" && uri.Query.Length == 0,
                nameof(CorsAllowedOrigins), $"must list origins like https://app.example.com (scheme, host, optional port; no path, no '*' since credentials are allowed), not '{origin}'");
        }
        Require(Enum.IsDefined(JournalSynchronous), nameof(JournalSynchronous), "must be Normal or Full");
        Require(Enum.IsDefined(Journal), nameof(Journal), "must be Sqlite or Postgres");
        Require(MaxConnections >= 0, nameof(MaxConnections), "must not be negative (0 derives it from the open-file limit)");
        Require(Journal != JournalKind.Postgres || !string.IsNullOrWhiteSpace(PostgresConnectionString), nameof(PostgresConnectionString),
            "must be an Npgsql connection string (Host=...;Database=...;Username=...) when Journal is Postgres; on the command line: --journal postgres --postgres \"<connection string>\"");
        Require(MaxEventBytes is >= 1 and <= 16 * 1024 * 1024, nameof(MaxEventBytes), "must be 1 byte to 16 MiB");
        Require(MaxBatchBytes >= MaxEventBytes && MaxBatchBytes <= 64 * 1024 * 1024, nameof(MaxBatchBytes), "must be at least MaxEventBytes and at most 64 MiB");
        Require(MaxBatchEvents is >= 1 and <= 100_000, nameof(MaxBatchEvents), "must be 1 to 100,000");
        Require(MaxIdempotencyKeyLength is >= 1 and <= 1000, nameof(MaxIdempotencyKeyLength), "must be 1 to 1,000");
        Require(MaxEventTypeLength is >= 1 and <= 1000, nameof(MaxEventTypeLength), "must be 1 to 1,000");
        Require(RingSize is >= 1 and <= 1_000_000, nameof(RingSize), "must be 1 to 1,000,000");
        Require(RingMaxBytes >= 1024, nameof(RingMaxBytes), "must be at least 1 KiB");
        Require(SubscriberCredit is >= 1 and <= 1_000_000, nameof(SubscriberCredit), "must be 1 to 1,000,000");
        Require(HeartbeatInterval >= TimeSpan.FromMilliseconds(100), nameof(HeartbeatInterval), "must be at least 100 ms");
        Require(RetryMilliseconds >= 0, nameof(RetryMilliseconds), "must not be negative");
        Require(TopicIdleTimeout >= TimeSpan.FromSeconds(1), nameof(TopicIdleTimeout), "must be at least 1 s");
        Require(CatchUpPageSize is >= 1 and <= 10_000, nameof(CatchUpPageSize), "must be 1 to 10,000");
        Require(PublishTimeout >= TimeSpan.FromMilliseconds(100), nameof(PublishTimeout), "must be at least 100 ms");
        Require(RetentionMaxEvents >= 0, nameof(RetentionMaxEvents), "must not be negative (0 keeps every event)");
        Require(RetentionMaxAge >= TimeSpan.Zero, nameof(RetentionMaxAge), "must not be negative (0 keeps events forever)");
    }

    /// <summary>The retention every topic applies, or null when both limits are off.</summary>
    public Actors.Journal.Retention? Retention =>
        RetentionMaxEvents == 0 && RetentionMaxAge == TimeSpan.Zero
            ? null
            : new Actors.Journal.Retention
            {
                MaxEvents = RetentionMaxEvents == 0 ? null : (ulong)RetentionMaxEvents,
                MaxAge = RetentionMaxAge == TimeSpan.Zero ? null : RetentionMaxAge,
            };

    private static void Require(bool condition, string key, string rule)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Configuration {Section}:{key} {rule}");
        }
    }
}

/// <summary>The journal implementations a node can run on.</summary>
public enum JournalKind
{
    /// <summary>An embedded SQLite file: one node, zero set-up.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database, which the nodes of a cluster share.</summary>
    Postgres,
}
