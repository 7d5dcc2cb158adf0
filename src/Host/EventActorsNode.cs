using EventActors.Actors.Connections;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Actors.Kernel;
using EventActors.Actors.Topics;

namespace EventActors.Host;

/// <summary>
/// One running node: its actor system, journal, topic registry and connection supervisor.
/// Stops in the order that loses nothing: streams end first (clients reconnect and resume
/// elsewhere or later), then topics finish their writes, then the journal commits what it
/// accepted, then the actor system stops.
/// </summary>
public sealed class EventActorsNode : IAsyncDisposable
{
    private EventActorsNode(ServerOptions options, ActorSystem system, IEventJournal journal, IActorRef topics, IActorRef connections)
    {
        Options = options;
        System = system;
        Journal = journal;
        Topics = topics;
        Connections = connections;
        ConnectionSettings = new ConnectionSettings(
            options.SubscriberCredit, options.HeartbeatInterval, options.RetryMilliseconds, options.CatchUpPageSize);
    }

    public ServerOptions Options { get; }

    public ActorSystem System { get; }

    public IEventJournal Journal { get; }

    /// <summary>The <see cref="TopicRegistry"/>: send it any <see cref="ITopicMessage"/>.</summary>
    public IActorRef Topics { get; }

    /// <summary>The <see cref="ConnectionSupervisor"/>.</summary>
    public IActorRef Connections { get; }

    /// <summary>One instance for every connection actor (each would otherwise keep a copy).</summary>
    public ConnectionSettings ConnectionSettings { get; }

    public static EventActorsNode Start(ServerOptions options, ILoggerFactory loggerFactory)
    {
        options.Validate();
        var system = ActorSystem.Create("eventactors", new ActorSystemSettings { LoggerFactory = loggerFactory });
        IEventJournal journal;
        try
        {
            journal = OpenJournal(options, system, loggerFactory.CreateLogger<EventActorsNode>());
        }
        catch
        {
            system.Terminate().GetAwaiter().GetResult();
            throw;
        }

        var topicSettings = new TopicSettings(options.RingSize, options.RingMaxBytes, options.TopicIdleTimeout, Math.Max(options.MaxBatchEvents, 1000), options.Retention);
        var topics = system.ActorOf(TopicRegistry.Props(journal, topicSettings), "topics");
        var connections = system.ActorOf(ConnectionSupervisor.Props(), "connections");
        return new EventActorsNode(options, system, journal, topics, connections);
    }

    private static IEventJournal OpenJournal(ServerOptions options, ActorSystem system, ILogger logger)
    {
        var maxEventsPerAppend = Math.Max(options.MaxBatchEvents, 1000);
        if (options.Journal == JournalKind.Postgres)
        {
            logger.LogInformation("Journal: PostgreSQL, schema {Schema}", options.PostgresSchema);
            // Start-up waits for the schema: a node that cannot reach its database at start fails
            // fast and says so (a supervisor restarts it); once running, it rides out outages.
            return PostgresJournal.OpenAsync(system, new PostgresJournalOptions
            {
                ConnectionString = options.PostgresConnectionString,
                Schema = options.PostgresSchema,
                MaxEventBytes = options.MaxEventBytes,
                MaxEventsPerAppend = maxEventsPerAppend,
                MaxEventsPerTransaction = Math.Max(maxEventsPerAppend, 10_000),
            }).GetAwaiter().GetResult();
        }

        var dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        logger.LogInformation("Journal: {Path}", Path.Combine(dataDir, "journal.db"));
        return SqliteJournal.Open(system, new SqliteJournalOptions
        {
            Path = Path.Combine(dataDir, "journal.db"),
            Synchronous = options.JournalSynchronous,
            MaxEventBytes = options.MaxEventBytes,
            MaxEventsPerAppend = maxEventsPerAppend,
            MaxEventsPerTransaction = Math.Max(maxEventsPerAppend, 10_000),
        });
    }

    /// <summary>Open SSE connections and running topic actors: what /health reports, and how leaks would show.</summary>
    public async Task<(int Connections, int TopicActors)> CountAsync()
    {
        var timeout = TimeSpan.FromSeconds(5);
        var connections = Connections.Ask<int>(ConnectionSupervisor.GetOpenCount.Instance, timeout);
        var topicActors = Topics.Ask<int>(GetActiveTopicCount.Instance, timeout);
        return (await connections, await topicActors);
    }

    /// <summary>
    /// Ends every SSE response (clients reconnect and resume), so the web server's shutdown does
    /// not wait on streams that never end by themselves. Publishes still work meanwhile.
    /// </summary>
    public async Task EndStreamsAsync()
    {
        try
        {
            await Connections.Ask<ConnectionSupervisor.Closed>(ConnectionSupervisor.Close.Instance, TimeSpan.FromSeconds(10));
        }
        catch (Exception error) when (error is AskTimeoutException or InvalidOperationException)
        {
            // Past our patience, or the actor system has already stopped, which ended every stream.
        }
    }

    /// <summary>
    /// After the web server has stopped: topics answer every publish that reached them, then the
    /// journal commits what it accepted, then the actor system stops.
    /// </summary>
    private readonly Lock _disposalLock = new();
    private Task? _disposal;

    /// <remarks>
    /// Idempotent: the host calls it once the web server has stopped, and the service container
    /// disposes the node again afterwards; the second call awaits the first.
    /// </remarks>
    public ValueTask DisposeAsync()
    {
        lock (_disposalLock)
        {
            _disposal ??= DisposeOnceAsync();
            return new ValueTask(_disposal);
        }
    }

    private async Task DisposeOnceAsync()
    {
        var patience = TimeSpan.FromSeconds(10);
        await EndStreamsAsync();
        try
        {
            await Topics.Ask<StopAllTopics>(StopAllTopics.Instance, patience);
        }
        catch (AskTimeoutException)
        {
            // Past our patience: stop the rest; nothing unacknowledged was promised to anyone.
        }

        await Journal.DisposeAsync();
        await System.Terminate().WaitAsync(patience);
    }
}
