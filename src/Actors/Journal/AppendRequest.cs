using EventActors.Protocol;

namespace EventActors.Actors.Journal;

/// <summary>One atomic append of a batch of events to one topic.</summary>
/// <param name="Topic">The topic; created when it does not exist and <paramref name="ExpectedHead"/> is 0.</param>
/// <param name="ExpectedHead">
/// The head the caller believes the topic has (0 for a topic that does not exist yet). Null skips
/// the check and appends after whatever the head is: for tools, tests and benchmarks only; a
/// topic's single writer always states it, because the check is what fences a second writer out.
/// </param>
/// <param name="Events">At least one event, in the order they are to be sequenced.</param>
public sealed record AppendRequest(TopicName Topic, ulong? ExpectedHead, IReadOnlyList<NewEvent> Events)
{
    /// <summary>
    /// When set, the topic must exist with this epoch, or the append is a conflict: a writer that
    /// recovered a topic's state states its epoch so that it cannot append to a newer incarnation
    /// of the topic (deleted and recreated behind its back) by accident.
    /// </summary>
    public TopicEpoch? ExpectedEpoch { get; init; }

    /// <summary>
    /// When set, the writer has already looked its events' idempotency keys up (it runs
    /// <see cref="IEventJournal.FindIdempotencyKeysAsync"/> first): every event is appended and
    /// its key recorded, replacing an earlier record of the same key (one from an earlier
    /// incarnation of the topic, which the writer does not count). The Akka.Persistence plugin
    /// sets it: Akka numbers the events before they reach the journal, so a duplicate has to be
    /// recognised before, not skipped here, where it would shift every later sequence number.
    /// </summary>
    public bool KeysChecked { get; init; }
}
