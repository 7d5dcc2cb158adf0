using Akka.Configuration;
using EventActors.Host.Configuration;
using EventActors.Host.Limits;

namespace EventActors.Host;

/// <summary>
/// The host's settings: the <c>EventActors</c> section of the node's HOCON, read once at
/// start-up by <see cref="FromConfig"/> and validated there, so a bad value stops the start with
/// a message that names the key. The defaults, with what each guards, are written once, in
/// <c>hocon/eventactors.conf</c>; nothing here has a default of its own.
/// </summary>
public sealed class ServerOptions
{
    public const string Section = "EventActors";

    /// <summary>
    /// Origins (such as <c>https://app.example.com</c>) whose pages may publish and subscribe
    /// from a browser, with credentials (cookies) allowed. Empty: same origin only.
    /// </summary>
    public required string[] CorsAllowedOrigins { get; init; }

    /// <summary>Runs a small publisher feeding the demo pages' topics (<c>--demo</c>).</summary>
    public required bool Demo { get; init; }

    /// <summary>
    /// Which journal stores the events (<c>--journal</c>): <see cref="JournalKind.Sqlite"/>, a
    /// file under <see cref="DataDir"/> with nothing to set up; <see cref="JournalKind.Postgres"/>,
    /// the database a cluster shares (<see cref="PostgresConnectionString"/>); or
    /// <see cref="JournalKind.AkkaSql"/>, Akka.Persistence.Sql on another database (<see cref="AkkaSql"/>).
    /// </summary>
    public required JournalKind Journal { get; init; }

    /// <summary>The Npgsql connection string of the PostgreSQL journal (<c>--postgres</c>); required when <see cref="Journal"/> is Postgres.</summary>
    public required string PostgresConnectionString { get; init; }

    /// <summary>The schema that holds the PostgreSQL journal's tables, created and migrated at start-up.</summary>
    public required string PostgresSchema { get; init; }

    /// <summary>Where the <see cref="JournalKind.AkkaSql"/> journal keeps topics (<c>EventActors { AkkaSql { ... } }</c>).</summary>
    public required Storage.AkkaSqlOptions AkkaSql { get; init; }

    /// <summary>
    /// Most open client connections (SSE streams included); beyond it new connections are closed
    /// at once and the open ones carry on. 0 means the process's open-file limit less
    /// <see cref="FileDescriptorHeadroom"/>: a node that ran out of file descriptors would fail
    /// everything else it opens (journal, pool, runtime) and die.
    /// </summary>
    public required int MaxConnections { get; init; }

    /// <summary>File descriptors kept free of client connections for the journal, the database pool, logs and the runtime.</summary>
    public const int FileDescriptorHeadroom = 512;

    /// <summary>The connection limit in force: <see cref="MaxConnections"/>, or one derived from the open-file limit, or null (no limit known).</summary>
    public long? EffectiveMaxConnections(long? openFileLimit) =>
        MaxConnections > 0 ? MaxConnections
        : openFileLimit is { } limit ? Math.Max(100, limit - FileDescriptorHeadroom)
        : null;

    /// <summary>Where the SQLite journal lives (<c>--data-dir</c>).</summary>
    public required string DataDir { get; init; }

    /// <summary>
    /// SQLite's <c>synchronous</c>: Normal keeps every acknowledged event across a process crash;
    /// Full also across a power loss or OS crash, at the cost of an fsync per commit.
    /// </summary>
    public required Actors.Journal.SqliteSynchronousMode JournalSynchronous { get; init; }

    /// <summary>Largest event body, in bytes. Guards memory per publish and per ring slot.</summary>
    public required int MaxEventBytes { get; init; }

    /// <summary>Largest NDJSON batch body, in bytes. Guards memory per publish request.</summary>
    public required int MaxBatchBytes { get; init; }

    /// <summary>Most events in one NDJSON batch. Guards the size of one journal transaction.</summary>
    public required int MaxBatchEvents { get; init; }

    /// <summary>Longest <c>Idempotency-Key</c>, in characters. Guards the key index.</summary>
    public required int MaxIdempotencyKeyLength { get; init; }

    /// <summary>Longest event type, in characters. Guards every frame that carries it.</summary>
    public required int MaxEventTypeLength { get; init; }

    /// <summary>Events kept in memory per topic for subscribers that are slightly behind.</summary>
    public required int RingSize { get; init; }

    /// <summary>Encoded bytes kept in memory per topic, whatever RingSize says. Bounds a topic of large events.</summary>
    public required long RingMaxBytes { get; init; }

    /// <summary>
    /// Events a topic may push to one subscriber before the subscriber has written them.
    /// Bounds the memory a slow client can hold; a subscriber out of credit catches up later.
    /// </summary>
    public required int SubscriberCredit { get; init; }

    /// <summary>A comment is sent after this long without a write, so proxies keep the stream open.</summary>
    public required TimeSpan HeartbeatInterval { get; init; }

    /// <summary>The <c>retry:</c> a browser waits before reconnecting, in milliseconds.</summary>
    public required int RetryMilliseconds { get; init; }

    /// <summary>A topic with no subscriber and no publish for this long is stopped to free its memory.</summary>
    public required TimeSpan TopicIdleTimeout { get; init; }

    /// <summary>Memory for the state of idle topics whose actors stopped (<see cref="Actors.Topics.DormantTopics"/>); 0 keeps none.</summary>
    public required long DormantTopicsMaxBytes { get; init; }

    /// <summary>Events of catch-up history read from the journal per page.</summary>
    public required int CatchUpPageSize { get; init; }

    /// <summary>Events between two snapshots of a topic's state: bounds what a recovering topic replays.</summary>
    public required int SnapshotEvery { get; init; }

    /// <summary>
    /// Events each topic keeps (0: no limit). Older events are trimmed; a client that asks for
    /// them gets an <c>eventactors.reset</c> event saying so.
    /// </summary>
    public required long RetentionMaxEvents { get; init; }

    /// <summary>How long each topic keeps an event (zero: no limit).</summary>
    public required TimeSpan RetentionMaxAge { get; init; }

    /// <summary>
    /// With <see cref="RetentionMaxAge"/>: how often the topics whose actors are not running (dormant
    /// or cold) are swept for events past it (<see cref="Actors.Topics.AgeRetentionSweeper"/>).
    /// </summary>
    public required TimeSpan RetentionSweepInterval { get; init; }

    /// <summary>How long a publish waits for its commit before answering 503.</summary>
    public required TimeSpan PublishTimeout { get; init; }

    /// <summary>Who may publish, subscribe and administer (<c>EventActors { Auth { ... } }</c>, docs/security.md).</summary>
    public required Auth.AuthOptions Auth { get; init; }
    /// <summary>The cluster this node forms with others (<c>EventActors { Cluster { ... } }</c>); none set: a cluster of one.</summary>
    public required Cluster.NodeClusterOptions Cluster { get; init; }

    /// <summary>How much one client may ask of the node (<c>EventActors.Limits</c>): publishes, streams, connections, and Kestrel's timeouts.</summary>
    public required LimitOptions Limits { get; init; }

    /// <summary>
    /// Reads the <see cref="Section"/> section of <paramref name="config"/>, as Akka's settings
    /// classes read theirs, and validates it. Every key must be there (hocon/eventactors.conf
    /// sets them all) and no other: a key this does not read is a typo, refused rather than ignored.
    /// </summary>
    /// <exception cref="ConfigurationException">A key is missing, unknown or has a bad value; the message names it.</exception>
    public static ServerOptions FromConfig(Config config)
    {
        var settings = SettingsReader.Open(config, Section);
        var options = new ServerOptions
        {
            CorsAllowedOrigins = settings.StringList(nameof(CorsAllowedOrigins)),
            Demo = settings.Boolean(nameof(Demo)),
            Journal = settings.Enum<JournalKind>(nameof(Journal)),
            PostgresConnectionString = settings.String(nameof(PostgresConnectionString)),
            PostgresSchema = settings.String(nameof(PostgresSchema)),
            AkkaSql = Storage.AkkaSqlOptions.Read(settings.Section(Storage.AkkaSqlOptions.Section)),
            MaxConnections = settings.Int(nameof(MaxConnections)),
            DataDir = settings.String(nameof(DataDir)),
            JournalSynchronous = settings.Enum<Actors.Journal.SqliteSynchronousMode>(nameof(JournalSynchronous)),
            MaxEventBytes = settings.ByteSizeInt(nameof(MaxEventBytes)),
            MaxBatchBytes = settings.ByteSizeInt(nameof(MaxBatchBytes)),
            MaxBatchEvents = settings.Int(nameof(MaxBatchEvents)),
            MaxIdempotencyKeyLength = settings.Int(nameof(MaxIdempotencyKeyLength)),
            MaxEventTypeLength = settings.Int(nameof(MaxEventTypeLength)),
            RingSize = settings.Int(nameof(RingSize)),
            RingMaxBytes = settings.ByteSize(nameof(RingMaxBytes)),
            SubscriberCredit = settings.Int(nameof(SubscriberCredit)),
            HeartbeatInterval = settings.Duration(nameof(HeartbeatInterval)),
            RetryMilliseconds = settings.Int(nameof(RetryMilliseconds)),
            TopicIdleTimeout = settings.Duration(nameof(TopicIdleTimeout)),
            DormantTopicsMaxBytes = settings.ByteSize(nameof(DormantTopicsMaxBytes)),
            CatchUpPageSize = settings.Int(nameof(CatchUpPageSize)),
            SnapshotEvery = settings.Int(nameof(SnapshotEvery)),
            RetentionMaxEvents = settings.Long(nameof(RetentionMaxEvents)),
            RetentionMaxAge = settings.Duration(nameof(RetentionMaxAge)),
            RetentionSweepInterval = settings.Duration(nameof(RetentionSweepInterval)),
            PublishTimeout = settings.Duration(nameof(PublishTimeout)),
            Auth = Host.Auth.AuthOptions.Read(settings.Section(Host.Auth.AuthOptions.Section)),
            Limits = LimitOptions.Read(settings.Section(LimitOptions.Section)),
            Cluster = Host.Cluster.NodeClusterOptions.Read(settings.Section(Host.Cluster.NodeClusterOptions.Section)),
        };
        settings.RefuseUnread();
        options.Validate();
        return options;
    }

    /// <summary>Throws with a message naming the key when a value is out of range.</summary>
    /// <exception cref="ConfigurationException">A value is out of range; the message names its key.</exception>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(DataDir), nameof(DataDir), "must name a directory");
        foreach (var origin in CorsAllowedOrigins)
        {
            Require(origin != "*" && Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/" && uri.Query.Length == 0,
                nameof(CorsAllowedOrigins), $"must list origins like https://app.example.com (scheme, host, optional port; no path, no '*' since credentials are allowed), not '{origin}'");
        }
        Require(Enum.IsDefined(JournalSynchronous), nameof(JournalSynchronous), "must be Normal or Full");
        Require(Enum.IsDefined(Journal), nameof(Journal), "must be Sqlite, Postgres or AkkaSql");
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
        Require(DormantTopicsMaxBytes >= 0, nameof(DormantTopicsMaxBytes), "must not be negative (0 keeps no idle topic's state)");
        Require(CatchUpPageSize is >= 1 and <= 10_000, nameof(CatchUpPageSize), "must be 1 to 10,000");
        Require(SnapshotEvery is >= 1 and <= 10_000_000, nameof(SnapshotEvery), "must be 1 to 10,000,000");
        if (Journal == JournalKind.AkkaSql)
        {
            AkkaSql.Validate();
        }
        Cluster.Validate();
        Require(PublishTimeout >= TimeSpan.FromMilliseconds(100), nameof(PublishTimeout), "must be at least 100 ms");
        Require(RetentionMaxEvents >= 0, nameof(RetentionMaxEvents), "must not be negative (0 keeps every event)");
        Require(RetentionMaxAge >= TimeSpan.Zero, nameof(RetentionMaxAge), "must not be negative (0 keeps events forever)");
        Require(RetentionSweepInterval >= TimeSpan.FromSeconds(1), nameof(RetentionSweepInterval), "must be at least 1 s");
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
            throw new ConfigurationException($"Configuration {Section}:{key} {rule}");
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

    /// <summary>Akka.Persistence.Sql, on the database <see cref="ServerOptions.AkkaSql"/> names (<c>--journal akka-sql</c>).</summary>
    AkkaSql,
}
