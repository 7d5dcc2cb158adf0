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
    /// When set, an event whose idempotency key is already recorded fails the whole append with
    /// <see cref="DuplicateKeyException"/> (nothing written) instead of being answered as a
    /// duplicate. The Akka.Persistence plugin sets it: Akka has numbered the events before they
    /// reach the journal, so a skipped event would shift every later sequence number.
    /// </summary>
    public bool RejectDuplicateKeys { get; init; }
}
