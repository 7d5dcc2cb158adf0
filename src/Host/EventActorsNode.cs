using Akka.Actor;
using Akka;
using Akka.Event;
using Akka.Cluster.Tools.Singleton;
using Akka.Hosting;
using EventActors.Host.Cluster;
using EventActors.Actors;
using EventActors.Actors.Connections;
using EventActors.Actors.Feeds;
using EventActors.Actors.Persistence;
using EventActors.Actors.Topics;
using EventActors.Host.Storage;

namespace EventActors.Host;

/// <summary>
/// What the endpoints of one node reach: its settings, its journal, the topics' shard region and
/// the <see cref="ConnectionSupervisor"/> (both in Akka.Hosting's actor registry). Akka.Hosting
/// starts the actor system; <see cref="StartAsync"/>, run as its actor starter, opens the journal,
/// starts the actors, joins the cluster and puts the node's shutdown into the system's
/// CoordinatedShutdown, in the order that loses nothing: streams end first (clients reconnect and
/// resume), then the topics' shards are handed off (each topic finishes its writes and stops;
/// Sharding's own phase), then the node leaves the cluster, then the journal commits what it
/// accepted, then the actor system stops.
/// </summary>
internal sealed class EventActorsNode(
    ServerOptions options,
    NodeJournal journal,
    IRequiredActor<TopicRegion> topics,
    IRequiredActor<ConnectionSupervisor> connections)
{
    /// <summary>How long one shutdown step waits (for streams to end, for topics to finish their writes).</summary>
    private static readonly TimeSpan ShutdownPatience = TimeSpan.FromSeconds(10);

    /// <summary>How long a cluster of one waits to see itself up before it serves anyway (the region buffers meanwhile).</summary>
    private static readonly TimeSpan JoinPatience = TimeSpan.FromSeconds(30);

    private TopicHistory? _history;
    private StoredTopicStates? _storedStates;
    private ActorSystem? _system;
    private IActorRef? _feeds;

    public ServerOptions Options { get; } = options;

    /// <summary>The journal the node runs on.</summary>
    public NodeJournal Journal => journal;

    /// <summary>Reads committed events back (catch-up, history); ready once the actor system has started (before Kestrel takes a request).</summary>
    public TopicHistory History => _history ?? throw new InvalidOperationException("The node has not started yet.");

    /// <summary>Topics' stored state without starting their actors (the topic list).</summary>
    public StoredTopicStates StoredStates => _storedStates ?? throw new InvalidOperationException("The node has not started yet.");

    /// <summary>The topics' shard region (<see cref="TopicSharding"/>): send it any <see cref="ITopicMessage"/>.</summary>
    public IActorRef Topics => topics.ActorRef;

    /// <summary>
    /// Where this node's streams subscribe (<see cref="TopicFeeds"/>): straight to the region while
    /// the node is alone, through one feed per topic once other nodes are members.
    /// </summary>
    public IActorRef Feeds => _feeds ?? throw new InvalidOperationException("The node has not started yet.");

    /// <summary>What this node's topic actors hold: how many run, their subscribers.</summary>
    public TopicGauges Gauges { get; } = new();

    /// <summary>The state of this node's idle topics whose actors stopped, for their next actor.</summary>
    public DormantTopics DormantTopics { get; } = new(options.DormantTopicsMaxBytes);

    /// <summary>The cluster this node is a member of.</summary>
    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(_system ?? throw new InvalidOperationException("The node has not started yet."));

    /// <summary>
    /// The process's exit code once the host has stopped: 1 when the cluster downed this node or
    /// it could not join (a supervisor should start it again), 0 for an ordinary stop.
    /// </summary>
    public int ExitCode => _system is not null && CoordinatedShutdown.Get(_system).ShutdownReason is
        CoordinatedShutdown.ClusterDowningReason or CoordinatedShutdown.ClusterJoinUnsuccessfulReason ? 1 : 0;

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
        _system = system;
        SchedulerStart.Now(system); // before the first stream arms its heartbeat
        await journal.StartAsync(system);
        _history = new TopicHistory(system, journal.ReadJournalId);
        _storedStates = new StoredTopicStates(system, TimeSpan.FromSeconds(10));
        var services = new TopicServices(journal.Keys, _history, () => journal.IsReachable, TimeProvider.System) { Gauges = Gauges, Dormant = DormantTopics };
        var topicSettings = new TopicSettings(Options.RingSize, Options.RingMaxBytes, Options.TopicIdleTimeout, MaxEventsPerAppend, Options.Retention,
            SnapshotEvery: Options.SnapshotEvery);
        var topicRegion = await TopicSharding.StartAsync(system, services, topicSettings, Options.Cluster.Shards);
        var cluster = Akka.Cluster.Cluster.Get(system);
        // Streams go straight to the region only while this node is the one member: a topic is
        // then on this node, and tells its streams when it stops (they do not watch it). A node
        // that has not joined yet may be joining others, whose topics are remote: through a feed.
        _feeds = system.ActorOf(TopicFeeds.Props(topicRegion, FeedSettings, () => !IsAlone(cluster)), "feeds");
        var connectionSupervisor = system.ActorOf(ConnectionSupervisor.Props(), "connections");
        system.ActorOf(QuarantinedNodeShutdown.Props(), "quarantined-node-shutdown");
        StartAgeRetentionSweep(system, topicRegion);
        registry.Register<TopicRegion>(topicRegion);
        registry.Register<ConnectionSupervisor>(connectionSupervisor);
        await JoinAsync(system);

        var shutdown = CoordinatedShutdown.Get(system);
        // Streams end before the web server stops taking requests (they would hold it up); the
        // host also ends them as it starts stopping (StreamsShutdown), so this finds none left
        // unless CoordinatedShutdown was started by Akka itself.
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "end-streams", () => EndStreamsAsync(connectionSupervisor));
        // Sharding hands the region's shards off next (its cluster-sharding-shutdown-region phase):
        // every topic answers what reached it and stops, and on a node that stays in a cluster
        // their next messages go to the node that takes their shard.
        // Then the journal commits every write it accepted, while the topics can still be told.
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "close-journal", CloseJournalAsync);
    }

    /// <summary>
    /// With an age limit, idle topics (no actor running) are swept for events past it, by one
    /// node of the cluster: a singleton, which moves to another node when its own leaves.
    /// </summary>
    private void StartAgeRetentionSweep(ActorSystem system, IActorRef topicRegion)
    {
        if (Options.Retention is { MaxAge: { } maxAge })
        {
            var sweeper = AgeRetentionSweeper.Props(journal.Catalog, topicRegion, new AgeRetentionSweepSettings(maxAge, Options.RetentionSweepInterval), TimeProvider.System);
            system.ActorOf(ClusterSingletonManager.Props(sweeper, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithSingletonName("sweeper")),
                "age-retention-sweep");
        }
    }

    private static bool IsAlone(Akka.Cluster.Cluster cluster) =>
        cluster.State.Members is { Count: 1 } members && members.First().Address.Equals(cluster.SelfAddress);

    /// <summary>
    /// A feed keeps a ring like its topic's, and lets its topic have one stream's window of credit
    /// in flight (so a remote batch stays within the frame size that window was sized for). It
    /// asks again what went unanswered every second, and stays 10 s after its last stream left, for
    /// streams that reconnect.
    /// </summary>
    private TopicFeedSettings FeedSettings => new(Options.RingSize, Options.RingMaxBytes, Options.SubscriberCredit, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    /// <summary>Events one publish batch may carry into a topic's write: a whole batch, and at least 1,000 when topics merge waiting publishes.</summary>
    private int MaxEventsPerAppend => Math.Max(Options.MaxBatchEvents, 1000);

    /// <summary>Open SSE connections and running topic actors: what /health reports, and how leaks would show.</summary>
    public async Task<(int Connections, int TopicActors)> CountAsync()
    {
        var timeout = TimeSpan.FromSeconds(5);
        var open = Connections.Ask<ConnectionSupervisor.OpenCount>(ConnectionSupervisor.GetOpenCount.Instance, timeout);
        return ((await open).Count, Gauges.RunningTopics);
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

    /// <summary>
    /// A cluster of one joins itself and waits to be up, so that its first request finds the
    /// shard coordinator ready. A node with seed nodes joins them by itself (Akka.Cluster) and
    /// serves meanwhile: /health says whether it has joined, and the region buffers what comes
    /// for topics until it has.
    /// </summary>
    private async Task JoinAsync(ActorSystem system)
    {
        if (Options.Cluster.IsClusterOfOne && !await TopicSharding.JoinSelfAsync(system, JoinPatience))
        {
            system.Log.Warning("This node did not see itself up in the cluster within {0}; it serves anyway", JoinPatience);
        }
    }

    private async Task<Done> CloseJournalAsync()
    {
        await journal.DisposeAsync();
        return Done.Instance;
    }
}
