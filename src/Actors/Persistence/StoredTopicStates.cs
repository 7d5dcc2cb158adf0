using Akka.Actor;
using Akka.Persistence;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// A topic's state as stored, read without starting its actor: its latest snapshot from the
/// snapshot store and its highest sequence number from the journal, through the node's default
/// Akka.Persistence plugins (whichever they are). What the topic list shows for each topic.
/// </summary>
public sealed class StoredTopicStates(ActorSystem system, TimeSpan timeout)
{
    private readonly PersistenceExtension _persistence = Akka.Persistence.Persistence.Instance.Apply(system);

    /// <summary>The topic's state, or null when it has none stored (it was never published to).</summary>
    /// <exception cref="JournalException">The journal or snapshot store failed to answer.</exception>
    public async Task<TopicInfo?> ReadAsync(TopicName topic, CancellationToken cancellationToken = default)
    {
        var snapshots = _persistence.SnapshotStoreFor(null);
        var journal = _persistence.JournalFor(null);
        var loaded = snapshots.Ask<object>(replyTo => new LoadSnapshot(topic.Value, SnapshotSelectionCriteria.Latest, long.MaxValue), timeout, cancellationToken);
        // Replaying nothing (max 0) is how Akka.Persistence asks a journal for the highest sequence number.
        var replayed = journal.Ask<object>(replyTo => new ReplayMessages(1, long.MaxValue, 0, topic.Value, replyTo), timeout, cancellationToken);
        var snapshot = await loaded.ConfigureAwait(false) switch
        {
            LoadSnapshotResult { Snapshot.Snapshot: TopicSnapshot state } => state,
            LoadSnapshotResult => null,
            LoadSnapshotFailed failed => throw new StoredStateUnavailableException(topic, failed.Cause),
            var other => throw new InvalidOperationException($"The snapshot store answered {other.GetType().Name}."),
        };
        var head = await replayed.ConfigureAwait(false) switch
        {
            RecoverySuccess success => (ulong)success.HighestSequenceNr,
            ReplayMessagesFailure failed => throw new StoredStateUnavailableException(topic, failed.Cause),
            var other => throw new InvalidOperationException($"The journal answered {other.GetType().Name}."),
        };
        return snapshot?.Describe(topic, head);
    }
}

/// <summary>The journal or snapshot store could not give a topic's stored state.</summary>
public sealed class StoredStateUnavailableException(TopicName topic, Exception inner)
    : JournalException($"The stored state of topic '{topic}' could not be read: {inner.Message}", inner);
