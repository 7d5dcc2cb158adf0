using Akka.Actor;
using Akka;
using Akka.Hosting;
using EventActors.Actors;
using EventActors.Actors.Connections;
using EventActors.Actors.Persistence;
using EventActors.Actors.Topics;
using EventActors.Host.Storage;

namespace EventActors.Host;

/// <summary>
/// What the endpoints of one node reach: its settings, its journal, and its two top-level actors
/// (the <see cref="TopicRegistry"/> and the <see cref="ConnectionSupervisor"/>, from Akka.Hosting's
/// actor registry). Akka.Hosting starts the actor system; <see cref="StartAsync"/>, run as its
/// actor starter, opens the journal, starts the actors and puts the node's shutdown into the
/// system's CoordinatedShutdown, in the order that loses nothing: streams end first (clients
/// reconnect and resume), then topics finish their writes, then the journal commits what it
/// accepted, then the actor system stops.
/// </summary>
internal sealed class EventActorsNode(
    ServerOptions options,
    NodeJournal journal,
    IRequiredActor<TopicRegistry> topics,
    IRequiredActor<ConnectionSupervisor> connections)
{
    /// <summary>How long one shutdown step waits (for streams to end, for topics to finish their writes).</summary>
    private static readonly TimeSpan ShutdownPatience = TimeSpan.FromSeconds(10);

    private TopicHistory? _history;
    private StoredTopicStates? _storedStates;

    public ServerOptions Options { get; } = options;

    /// <summary>The journal the node runs on.</summary>
    public NodeJournal Journal => journal;

    /// <summary>Reads committed events back (catch-up, history); ready once the actor system has started (before Kestrel takes a request).</summary>
    public TopicHistory History => _history ?? throw new InvalidOperationException("The node has not started yet.");

    /// <summary>Topics' stored state without starting their actors (the topic list).</summary>
    public StoredTopicStates StoredStates => _storedStates ?? throw new InvalidOperationException("The node has not started yet.");

    /// <summary>The <see cref="TopicRegistry"/>: send it any <see cref="ITopicMessage"/>.</summary>
    public IActorRef Topics => topics.ActorRef;

    /// <summary>The <see cref="ConnectionSupervisor"/>.</summary>
    public IActorRef Connections => connections.ActorRef;

    /// <summary>One instance for every connection actor (each would otherwise keep a copy).</summary>
    public ConnectionSettings ConnectionSettings { get; } = new(
        options.SubscriberCredit, options.HeartbeatInterval, options.RetryMilliseconds, options.CatchUpPageSize);

    /// <summary>
    /// Akka.Hosting's actor starter: opens the journal (a PostgreSQL journal creates or migrates its
    /// schema first, Akka.Persistence.Sql creates its tables: a node that cannot reach its database
    /// at start fails fast and says so), starts the two top-level actors, registers them, and adds
    /// the node's shutdown to CoordinatedShutdown.
    /// </summary>
    internal async Task StartAsync(ActorSystem system, IActorRegistry registry)
    {
        SchedulerStart.Now(system); // before the first stream arms its heartbeat
        await journal.StartAsync(system);
        _history = new TopicHistory(system, journal.ReadJournalId);
        _storedStates = new StoredTopicStates(system, TimeSpan.FromSeconds(10));
        var services = new TopicServices(journal.Keys, _history, () => journal.IsReachable, TimeProvider.System);
        var topicSettings = new TopicSettings(Options.RingSize, Options.RingMaxBytes, Options.TopicIdleTimeout, MaxEventsPerAppend, Options.Retention,
            SnapshotEvery: Options.SnapshotEvery);
        var topicRegistry = system.ActorOf(TopicRegistry.Props(services, topicSettings), "topics");
        var connectionSupervisor = system.ActorOf(ConnectionSupervisor.Props(), "connections");
        registry.Register<TopicRegistry>(topicRegistry);
        registry.Register<ConnectionSupervisor>(connectionSupervisor);

        var shutdown = CoordinatedShutdown.Get(system);
        // Streams end before the web server stops taking requests (they would hold it up); the
        // host also ends them as it starts stopping (StreamsShutdown), so this finds none left
        // unless CoordinatedShutdown was started by Akka itself.
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "end-streams", () => EndStreamsAsync(connectionSupervisor));
        // Every publish that reached a topic is answered; the registry stops once they all have.
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "stop-topics", () => StopTopicsAsync(topicRegistry));
        // Then the journal commits every write it accepted, while the topics can still be told.
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "close-journal", CloseJournalAsync);
    }

    /// <summary>Events one publish batch may carry into a topic's write: a whole batch, and at least 1,000 when topics merge waiting publishes.</summary>
    private int MaxEventsPerAppend => Math.Max(Options.MaxBatchEvents, 1000);

    /// <summary>Open SSE connections and running topic actors: what /health reports, and how leaks would show.</summary>
    public async Task<(int Connections, int TopicActors)> CountAsync()
    {
        var timeout = TimeSpan.FromSeconds(5);
        var open = Connections.Ask<ConnectionSupervisor.OpenCount>(ConnectionSupervisor.GetOpenCount.Instance, timeout);
        var running = Topics.Ask<ActiveTopicCount>(GetActiveTopicCount.Instance, timeout);
        return ((await open).Count, (await running).Count);
    }

    /// <summary>
    /// Ends every SSE response (clients reconnect and resume), so the web server's shutdown does
    /// not wait on streams that never end by themselves. Publishes still work meanwhile.
    /// </summary>
    public Task EndStreamsAsync() => _history is null ? Task.CompletedTask : EndStreamsAsync(Connections);

    private static async Task<Done> EndStreamsAsync(IActorRef connectionSupervisor)
    {
        try
        {
            await connectionSupervisor.Ask<ConnectionSupervisor.Closed>(ConnectionSupervisor.Close.Instance, ShutdownPatience);
        }
        catch (AskTimeoutException)
        {
            // Past our patience: the actor system's end stops whatever is left, which ends it.
        }

        return Done.Instance;
    }

    private static async Task<Done> StopTopicsAsync(IActorRef topicRegistry)
    {
        try
        {
            await topicRegistry.Ask<StopAllTopics>(StopAllTopics.Instance, ShutdownPatience);
        }
        catch (AskTimeoutException)
        {
            // Past our patience: stop the rest; nothing unacknowledged was promised to anyone.
        }

        return Done.Instance;
    }

    private async Task<Done> CloseJournalAsync()
    {
        await journal.DisposeAsync();
        return Done.Instance;
    }
}
