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
/// <remarks>
/// A host builds its actor system before it can open a journal asynchronously (a PostgreSQL
/// journal migrates its schema first), so the journal may be attached after the system has
/// started: Akka creates a plugin when the first persistent actor needs it, and the host
/// attaches the journal before it starts any.
/// </remarks>
public sealed class TopicStorageSetup : Setup
{
    private Attached? _attached;

    /// <summary>A setup whose journal is attached later, with <see cref="Attach"/>.</summary>
    public TopicStorageSetup()
    {
    }

    /// <summary>A setup with its journal.</summary>
    public TopicStorageSetup(IEventJournal journal, int maxEventsPerAppend) => Attach(journal, maxEventsPerAppend);

    /// <summary>The events' store.</summary>
    /// <exception cref="InvalidOperationException">No journal is attached yet.</exception>
    public IEventJournal Journal => Current.Journal;

    /// <summary>The snapshots' store: the same database as the events.</summary>
    public ISnapshotStorage Snapshots => Current.Snapshots;

    /// <summary>The journal's own limit per append; larger batches are split at atomic-write boundaries.</summary>
    public int MaxEventsPerAppend => Current.MaxEventsPerAppend;

    /// <param name="journal">The events' store; it must also store snapshots (both of ours do).</param>
    /// <param name="maxEventsPerAppend">The journal's own limit per append.</param>
    /// <exception cref="InvalidOperationException">A journal is attached already.</exception>
    public void Attach(IEventJournal journal, int maxEventsPerAppend)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventsPerAppend, 1);
        var snapshots = journal as ISnapshotStorage
            ?? throw new ArgumentException($"{journal} does not store snapshots (ISnapshotStorage).", nameof(journal));
        if (Interlocked.CompareExchange(ref _attached, new Attached(journal, snapshots, maxEventsPerAppend), null) is not null)
        {
            throw new InvalidOperationException("A journal is attached to this setup already.");
        }
    }

    private Attached Current => Volatile.Read(ref _attached)
        ?? throw new InvalidOperationException("No journal is attached to the EventActors persistence plugins yet: attach it before starting a topic.");

    internal static TopicStorageSetup Of(ActorSystem system) =>
        system.Settings.Setup.Get<TopicStorageSetup>() is { HasValue: true } setup
            ? setup.Value
            : throw new InvalidOperationException(
                $"The EventActors persistence plugins need a {nameof(TopicStorageSetup)} in the actor system's setup (the open journal they write to).");

    private sealed record Attached(IEventJournal Journal, ISnapshotStorage Snapshots, int MaxEventsPerAppend);
}
