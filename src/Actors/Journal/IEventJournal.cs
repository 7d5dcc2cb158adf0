using EventActors.Protocol;

namespace EventActors.Actors.Journal;

/// <summary>
/// The durable log of every topic's events. Every implementation (SQLite, PostgreSQL) passes the
/// same contract suite, <c>JournalContractTests</c>, and promises exactly what is written here.
/// </summary>
/// <remarks>
/// <para><b>Topics.</b> A topic exists from its first append (or <see cref="CreateTopicAsync"/>)
/// until <see cref="DeleteTopicAsync"/>. It has a <see cref="TopicInfo.Epoch"/>, drawn at random
/// when it is created, so a topic deleted and created again is a new incarnation whose sequence
/// restarts at 1 under a new epoch, and a cursor from the old one cannot be mistaken for a
/// position in the new one.</para>
///
/// <para><b>Sequence numbers.</b> Per topic, starting at 1, consecutive, never reused within an
/// epoch, at most <see cref="MaxSequence"/>. The journal assigns them, inside the transaction that
/// writes the events; the caller never does. The head (the last sequence number assigned) is
/// stored, not derived from the events present, so trimming never lowers it.</para>
///
/// <para><b>Appends and fencing.</b> <see cref="AppendAsync"/> writes a batch atomically: either
/// every new event of the batch is committed, with sequence numbers head + 1, head + 2, ... in
/// batch order, or none is. The caller states the head it expects (the TopicActor, the single
/// writer of its topic, knows it); when the stored head differs, nothing is written and the task
/// fails with <see cref="AppendConflictException"/>. A second writer of the same topic (another
/// process, or after a failover, another node) therefore cannot interleave its events: its
/// expected head is stale, and should two writers race with the same expected head, the store's
/// unique key on (topic, sequence) lets exactly one of them commit. The task completes only after
/// the transaction has committed, with the durability of the implementation's configured mode.
/// Appends are applied in the order this journal instance received them; a caller may pipeline
/// a second append (expecting the head the first will leave) before the first completes.</para>
///
/// <para><b>Idempotency.</b> An event may carry an <see cref="NewEvent.IdempotencyKey"/>, unique
/// per topic. When an event's key was recorded for the topic less than the implementation's
/// idempotency window ago (24 hours by default), the event is a duplicate: nothing is written for
/// it and its <see cref="AppendedEvent"/> carries the original sequence number with
/// <see cref="AppendedEvent.Duplicate"/> set. In a batch that mixes duplicates and new events, the
/// new events alone get consecutive sequence numbers from head + 1, in batch order; a key repeated
/// within one batch is a duplicate of its first occurrence. After the window the key is forgotten
/// and an event carrying it is appended anew. The expected head is checked before any key: a
/// conflict is a conflict even when every event is a duplicate. Deleting a topic forgets its keys.
/// An event's key outlives the event if retention trims it first: the original sequence number
/// is still reported.</para>
///
/// <para><b>Reads.</b> <see cref="ReadAsync"/> sees committed events only, never blocks or is
/// blocked by appends, and returns the page together with the topic's state taken from the same
/// snapshot, so a reader can tell whether what it asked for has been trimmed
/// (<see cref="TopicInfo.IsTrimmedAfter"/>).</para>
///
/// <para><b>Retention.</b> <see cref="TrimAsync"/> removes a prefix of the topic's events (the
/// oldest ones) so that what remains is always the contiguous range
/// [<see cref="TopicInfo.FirstSequence"/>, <see cref="TopicInfo.Head"/>].</para>
///
/// <para><b>Errors.</b> Invalid arguments throw <see cref="ArgumentException"/> at the call. A
/// conflict fails the task with <see cref="AppendConflictException"/>; a full write queue with
/// <see cref="JournalOverloadedException"/> (retry later; nothing was written). One append's
/// failure never fails another's. After disposal every call fails with
/// <see cref="ObjectDisposedException"/>; writes accepted before disposal complete first.</para>
/// </remarks>
public interface IEventJournal : IAsyncDisposable
{
    /// <summary>
    /// The highest sequence number a topic can reach: 2^63 - 1, the largest value both SQLite's
    /// and PostgreSQL's 64-bit signed integers hold.
    /// </summary>
    const ulong MaxSequence = long.MaxValue;

    /// <summary>
    /// Appends a batch of events to one topic atomically (see the remarks on
    /// <see cref="IEventJournal"/> for sequence numbers, fencing and idempotency). Creates the
    /// topic, with a new epoch, when it does not exist and the request expects head 0.
    /// </summary>
    /// <returns>The topic's epoch and new head, and one <see cref="AppendedEvent"/> per event of the request, in order.</returns>
    /// <exception cref="AppendConflictException">(in the task) The stored head or epoch is not the expected one; nothing was written.</exception>
    /// <exception cref="JournalOverloadedException">(in the task) Too many writes are waiting; nothing was written.</exception>
    Task<AppendResult> AppendAsync(AppendRequest request, CancellationToken cancellationToken = default);

    /// <summary>Creates the topic (head 0, a new epoch) unless it exists, and returns its state either way.</summary>
    Task<TopicInfo> CreateTopicAsync(TopicName topic, CancellationToken cancellationToken = default);

    /// <summary>The topic's committed state, or null when it does not exist.</summary>
    Task<TopicInfo?> GetTopicAsync(TopicName topic, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads up to <paramref name="maxEvents"/> retained events with sequence numbers greater than
    /// <paramref name="after"/> and at most <paramref name="through"/>, in sequence order. A
    /// <paramref name="maxEvents"/> of 0 reads only the topic's state.
    /// </summary>
    /// <param name="after">Exclusive lower bound: the last sequence number the reader already has (0 for "from the start").</param>
    /// <param name="maxEvents">Page size; an implementation may cap it (SQLite: <c>MaxEventsPerRead</c>).</param>
    /// <param name="through">Inclusive upper bound.</param>
    Task<EventPage> ReadAsync(TopicName topic, ulong after, int maxEvents, ulong through = MaxSequence, CancellationToken cancellationToken = default);

    /// <summary>
    /// The keys among <paramref name="keys"/> recorded for the topic within the idempotency window,
    /// each with the sequence number of the event that carried it (which retention may have
    /// trimmed since). For a writer that checks keys itself before it appends
    /// (<see cref="AppendRequest.KeysChecked"/>). At most <see cref="JournalArguments.MaxKeysPerLookup"/> keys.
    /// </summary>
    Task<IReadOnlyDictionary<string, ulong>> FindIdempotencyKeysAsync(TopicName topic, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="maxTopics"/> topics whose names sort (ordinally) after <paramref name="after"/>, in that order.</summary>
    Task<IReadOnlyList<TopicInfo>> ListTopicsAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="ListTopicsAsync"/>, with when each topic's oldest retained event was
    /// appended (null when it retains none): what a retention sweep needs to find the topics
    /// that hold events past an age limit without starting every topic's actor.
    /// </summary>
    Task<IReadOnlyList<TopicAge>> ListTopicAgesAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="retention"/> to the topic: removes its oldest events until at most
    /// <see cref="Retention.MaxEvents"/> remain and none is older than <see cref="Retention.MaxAge"/>.
    /// Never changes the head or the epoch.
    /// </summary>
    Task<TrimResult> TrimAsync(TopicName topic, Retention retention, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the topic with its events and idempotency keys. Its next append creates it anew,
    /// from sequence 1 under a new epoch. Returns false when it did not exist.
    /// </summary>
    Task<bool> DeleteTopicAsync(TopicName topic, CancellationToken cancellationToken = default);
}
