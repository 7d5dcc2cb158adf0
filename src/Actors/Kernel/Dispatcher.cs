namespace EventActors.Actors.Kernel;

/// <summary>How a dispatcher runs the actors given to it.</summary>
public sealed record DispatcherSettings
{
    /// <summary>
    /// Messages an actor handles in one turn before it yields its thread to other actors.
    /// Higher gives more messages per second to busy actors; lower gives fairer latency.
    /// </summary>
    public int Throughput { get; init; } = 30;

    /// <summary>
    /// Queue an actor's next turn on the current worker's local queue (true) or the global queue.
    /// Local keeps a conversation's caches warm; the pool still steals work when a core is idle.
    /// </summary>
    public bool PreferLocalQueue { get; init; } = true;
}

/// <summary>Runs actor turns on the .NET thread pool.</summary>
internal sealed class Dispatcher
{
    public Dispatcher(string id, DispatcherSettings settings)
    {
        if (settings.Throughput < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings),
                $"Dispatcher '{id}': Throughput must be at least 1 message per turn, was {settings.Throughput}");
        }

        Id = id;
        Throughput = settings.Throughput;
        PreferLocalQueue = settings.PreferLocalQueue;
    }

    public string Id { get; }

    public int Throughput { get; }

    public bool PreferLocalQueue { get; }

    // IThreadPoolWorkItem: the actor cell is the work item, so scheduling a turn allocates nothing.
    public void Schedule(IThreadPoolWorkItem turn) => ThreadPool.UnsafeQueueUserWorkItem(turn, PreferLocalQueue);
}

/// <summary>The dispatchers of one actor system, by id.</summary>
internal sealed class Dispatchers
{
    public const string DefaultDispatcherId = "default-dispatcher";

    private readonly Dictionary<string, Dispatcher> _byId = new(StringComparer.Ordinal);

    public Dispatchers(ActorSystemSettings settings)
    {
        _byId[DefaultDispatcherId] = new Dispatcher(DefaultDispatcherId, settings.DefaultDispatcher);
        foreach (var (id, dispatcherSettings) in settings.Dispatchers)
        {
            _byId[id] = new Dispatcher(id, dispatcherSettings);
        }
    }

    public Dispatcher Lookup(string id) =>
        _byId.TryGetValue(id, out var dispatcher)
            ? dispatcher
            : throw new ArgumentException($"No dispatcher '{id}' is configured in ActorSystemSettings.Dispatchers");
}
