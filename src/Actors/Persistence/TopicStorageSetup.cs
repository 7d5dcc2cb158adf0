using Akka.Actor;
using Akka.Actor.Setup;
using EventActors.Actors.Journal;

namespace EventActors.Actors.Persistence;

/// <summary>
/// Hands an open journal to the Akka.Persistence plugins of one actor system: the write
/// journal, the snapshot store and the read journal all use this one instance, so that SQLite
/// keeps its single writer and PostgreSQL its one pool. Part of the system's
/// <see cref="ActorSystemSetup"/>; whoever opened the journal disposes it after the system.
/// </summary>
public sealed class TopicStorageSetup : Setup
{
    /// <param name="journal">The events' store; it must also store snapshots (both of ours do).</param>
    /// <param name="maxEventsPerAppend">The journal's own limit per append; larger batches are split at atomic-write boundaries.</param>
    public TopicStorageSetup(IEventJournal journal, int maxEventsPerAppend)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventsPerAppend, 1);
        Journal = journal;
        Snapshots = journal as ISnapshotStorage
            ?? throw new ArgumentException($"{journal} does not store snapshots (ISnapshotStorage).", nameof(journal));
        MaxEventsPerAppend = maxEventsPerAppend;
    }

    public IEventJournal Journal { get; }

    public ISnapshotStorage Snapshots { get; }

    public int MaxEventsPerAppend { get; }

    internal static TopicStorageSetup Of(ActorSystem system) =>
        system.Settings.Setup.Get<TopicStorageSetup>() is { HasValue: true } setup
            ? setup.Value
            : throw new InvalidOperationException(
                $"The EventActors persistence plugins need a {nameof(TopicStorageSetup)} in the actor system's setup (the open journal they write to).");
}
