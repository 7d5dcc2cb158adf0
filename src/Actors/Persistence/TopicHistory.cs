using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// Reads a topic's committed events back through the read journal of whichever journal the node
/// runs on (ours, or Akka.Persistence.Sql's), a page at a time: what catch-up, the history route
/// and age retention read. Never a live query: subscribers are fed from memory.
/// </summary>
public sealed class TopicHistory
{
    private readonly ICurrentEventsByPersistenceIdQuery _query;
    private readonly IMaterializer _materializer;

    /// <param name="system">The actor system whose Akka.Persistence.Query plugin to use.</param>
    /// <param name="readJournalId">The read journal's plugin id (<see cref="TopicPersistence.QueryId"/> for ours).</param>
    public TopicHistory(ActorSystem system, string readJournalId)
    {
        _query = PersistenceQuery.Get(system).ReadJournalFor<IReadJournal>(readJournalId) as ICurrentEventsByPersistenceIdQuery
            ?? throw new ArgumentException($"The read journal '{readJournalId}' cannot read events by persistence id.", nameof(readJournalId));
        _materializer = system.Materializer(namePrefix: "topic-history");
    }

    /// <summary>
    /// Up to <paramref name="max"/> retained events with sequence numbers greater than
    /// <paramref name="after"/> and at most <paramref name="through"/>, in order. Events that
    /// retention or a delete removed are simply absent: what is returned is a suffix of the range
    /// (trimming only ever removes a topic's oldest events), so a first sequence number past
    /// <c>after + 1</c>, or nothing where the head says there is something, means trimmed.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(TopicName topic, ulong after, ulong through, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var upper = Math.Min(through, IEventJournal.MaxSequence);
        if (after >= upper)
        {
            return [];
        }

        var (killSwitch, events) = _query.CurrentEventsByPersistenceId(topic.Value, (long)after + 1, (long)upper)
            .Take(max)
            .Select(ToStored)
            .ViaMaterialized(KillSwitches.Single<StoredEvent>(), Keep.Right)
            .ToMaterialized(Sink.Seq<StoredEvent>(), Keep.Both)
            .Run(_materializer);
        await using var abort = cancellationToken.Register(() => killSwitch.Abort(new OperationCanceledException(cancellationToken)));
        return await events.ConfigureAwait(false);
    }

    private static StoredEvent ToStored(EventEnvelope envelope) => envelope.Event is NewEvent stored
        ? new StoredEvent((ulong)envelope.SequenceNr, new DateTimeOffset(envelope.Timestamp, TimeSpan.Zero), stored.Type, stored.Data)
        : throw new InvalidOperationException($"Event {envelope.SequenceNr} of '{envelope.PersistenceId}' is a {envelope.Event?.GetType().Name ?? "null"}, not a topic's event.");
}
