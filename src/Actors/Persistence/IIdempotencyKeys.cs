using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// Where a topic looks up the idempotency keys it has recorded, before it persists a publish:
/// Akka.Persistence numbers events before the journal sees them, so a duplicate has to be
/// recognised before <c>Persist</c> (a skipped event would leave a gap in the sequence).
/// </summary>
/// <remarks>
/// <para>The topic actor is the single writer of its topic and runs one lookup-then-persist at a
/// time, so a key it persisted is visible to its next lookup; implementations need no locking
/// of their own beyond what makes a committed row visible.</para>
/// <para>Our journals record a key in the same transaction as its event (the append writes it),
/// so <see cref="RecordAsync"/> has nothing to do for them. A store that cannot (Akka.Persistence.Sql)
/// records the keys first, with the sequence numbers the events are about to get, and
/// <see cref="FindAsync"/> trusts a record only once the event at that sequence number is found
/// to carry the key (a record whose events were never written is ignored), or once the writer
/// has confirmed it after the commit (<see cref="ConfirmAsync"/>): retention may delete the event
/// long before the key's window ends, and the key must still be found.</para>
/// </remarks>
public interface IIdempotencyKeys
{
    /// <summary>
    /// The keys among <paramref name="keys"/> recorded for <paramref name="topic"/> within the
    /// idempotency window for an event whose sequence number is greater than
    /// <paramref name="after"/> (events at or before it belong to an earlier incarnation of the
    /// topic), each with that event's sequence number. Keys not found are absent.
    /// </summary>
    Task<IReadOnlyDictionary<string, ulong>> FindAsync(TopicName topic, IReadOnlyCollection<string> keys, ulong after, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the events about to be persisted carry these keys, at these sequence numbers;
    /// completes once recorded. A later record of the same key replaces the earlier one.
    /// </summary>
    Task RecordAsync(TopicName topic, IReadOnlyList<KeyValuePair<string, ulong>> keys, CancellationToken cancellationToken = default);

    /// <summary>
    /// Confirms that the events recorded with these keys, at these sequence numbers, were
    /// committed: found from then on without reading the events back. A confirmation that is
    /// lost leaves the record to be verified against its event, which is still correct.
    /// </summary>
    Task ConfirmAsync(TopicName topic, IReadOnlyList<KeyValuePair<string, ulong>> keys, CancellationToken cancellationToken = default);
}
