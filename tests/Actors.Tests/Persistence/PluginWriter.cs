using Akka.Actor;
using Akka.Persistence;
using EventActors.Actors.Journal;

namespace EventActors.Actors.Tests.Persistence;

/// <summary>
/// The smallest persistent actor that exercises what a topic needs from a journal: atomic
/// batches, recovery from a snapshot and events, deleting a prefix. It reports everything it
/// learns to <paramref name="probe"/>, so tests see the journal only through Akka.Persistence.
/// </summary>
public sealed class PluginWriter : ReceivePersistentActor
{
    private readonly IActorRef _probe;
    private readonly List<(long Sequence, string Data)> _recovered = [];
    private object? _snapshot;
    private long _snapshotSequence;

    public PluginWriter(string persistenceId, IActorRef probe)
    {
        PersistenceId = persistenceId;
        _probe = probe;
        Recover<SnapshotOffer>(offer =>
        {
            _snapshot = offer.Snapshot;
            _snapshotSequence = offer.Metadata.SequenceNr;
        });
        Recover<NewEvent>(e => _recovered.Add((LastSequenceNr, Text(e))));
        Recover<RecoveryCompleted>(_ => _probe.Tell(new Recovered([.. _recovered], _snapshot, _snapshotSequence, LastSequenceNr)));

        Command<Write>(write =>
        {
            var remaining = write.Events.Count;
            PersistAll(write.Events, _ =>
            {
                if (--remaining == 0)
                {
                    _probe.Tell(new Written(LastSequenceNr));
                }
            });
        });
        Command<TakeSnapshot>(take => SaveSnapshot(take.State));
        Command<SaveSnapshotSuccess>(saved => _probe.Tell(saved));
        Command<SaveSnapshotFailure>(failed => _probe.Tell(failed));
        Command<DeleteTo>(delete => DeleteMessages(delete.Sequence));
        Command<DeleteMessagesSuccess>(deleted => _probe.Tell(deleted));
        Command<DeleteMessagesFailure>(failed => _probe.Tell(failed));
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, IActorRef probe) => Akka.Actor.Props.Create(() => new PluginWriter(persistenceId, probe));

    public static string Text(NewEvent e) => System.Text.Encoding.UTF8.GetString(e.Data.Span);

    public static NewEvent Event(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _probe.Tell(new PersistFailed(cause, sequenceNr));
        base.OnPersistFailure(cause, @event, sequenceNr); // stops the actor, as Akka requires
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) =>
        _probe.Tell(new PersistRejected(cause, sequenceNr));

    public sealed record Write(IReadOnlyList<NewEvent> Events)
    {
        public static Write Of(params string[] texts) => new([.. texts.Select(Event)]);
    }

    public sealed record TakeSnapshot(string State);

    public sealed record DeleteTo(long Sequence);

    public sealed record Written(long LastSequence);

    public sealed record Recovered(IReadOnlyList<(long Sequence, string Data)> Events, object? Snapshot, long SnapshotSequence, long LastSequence);

    public sealed record PersistFailed(Exception Cause, long Sequence);

    public sealed record PersistRejected(Exception Cause, long Sequence);
}
