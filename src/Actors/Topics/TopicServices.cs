using EventActors.Actors.Persistence;

namespace EventActors.Actors.Topics;

/// <summary>What every topic actor of a node uses besides its Akka.Persistence plugins: one instance per node.</summary>
/// <param name="Keys">Where a topic looks up idempotency keys before it persists.</param>
/// <param name="History">Reads committed events back (age retention reads the oldest ones).</param>
/// <param name="JournalReachable">
/// False while the journal is known to be unreachable (a PostgreSQL outage): a topic then refuses
/// publishes at the door instead of persisting them. A persist that fails stops the topic actor
/// (Akka.Persistence cannot tell what was written), which would end every stream of the topic
/// in an outage that streams could otherwise ride out.
/// </param>
/// <param name="Time">The clock for creation times and age retention.</param>
public sealed record TopicServices(IIdempotencyKeys Keys, TopicHistory History, Func<bool> JournalReachable, TimeProvider Time)
{
    /// <summary>Where the node's topic actors report how many run and how many subscribers each has.</summary>
    public TopicGauges Gauges { get; init; } = new();

    /// <summary>Where idle topics keep their state once their actors passivate, so they come back without reading the journal.</summary>
    public DormantTopics Dormant { get; init; } = new(DormantTopics.DefaultMaxBytes);

    /// <summary>Services for a journal that is always reachable, on the system clock.</summary>
    public TopicServices(IIdempotencyKeys keys, TopicHistory history) : this(keys, history, static () => true, TimeProvider.System)
    {
    }
}
