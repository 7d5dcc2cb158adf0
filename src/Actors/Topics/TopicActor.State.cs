using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using EventActors.Actors.Journal;
using EventActors.Actors.Persistence;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

// The topic's state beside its events (epoch, where this incarnation starts, the oldest event
// retained), saved as an Akka.Persistence snapshot whenever it changes and every so many events.
// One change is saved at a time; the journal's events are deleted only once the change that
// stops needing them is saved, so a crash between the two loses nothing and shows nothing deleted.
public sealed partial class TopicActor
{
    /// <summary>Events of the oldest retained ones read per round of age retention.</summary>
    private const int AgeScanPage = 1000;

    private readonly List<IActorRef> _pendingDeletes = [];
    private StateChange? _stateChange; // the snapshot being saved, and what it is for
    private bool _deleting;             // a delete waits for the batch in flight, or is being saved: no new batch starts
    private bool _adopted;              // recovered events without a snapshot (see OnReplayed)
    private long _lastSnapshotSequence;
    private ulong _deletedThrough;      // journal events this actor has deleted, through this sequence number
    private bool _deletingMessages;
    private bool _scanningAge;
    private bool _ageBacklog;           // the last age scan found a whole page old: scan again once it is trimmed
    private long _ageTrimDue;           // UTC ticks before which no retained event can be too old (0: not known)
    private List<IActorRef>? _sweepers; // asked to apply age retention (ApplyAgeRetention): answered once the scan is done
    private bool _swept;                // asked by the sweep: once its trim is done, an actor with nothing else to do stops

    /// <summary>The messages of the topic's state; false when <paramref name="message"/> is not one of them.</summary>
    private bool OnStateCommand(object message)
    {
        switch (message)
        {
            case SaveSnapshotSuccess saved:
                OnStateSaved(saved);
                return true;
            case SaveSnapshotFailure failed:
                OnStateNotSaved(failed);
                return true;
            case DeleteMessagesSuccess deleted:
                _deletingMessages = false;
                _deletedThrough = Math.Max(_deletedThrough, (ulong)deleted.ToSequenceNr);
                DeleteEventsBeforeRetained(); // a later change may have moved the oldest retained event on meanwhile
                PassivateIfOnlySwept();
                return true;
            case DeleteMessagesFailure failed:
                // The events stay in the journal but outside the retained range, which no reader is
                // served from; the next trim or delete deletes them again.
                _deletingMessages = false;
                Log.Warning(failed.Cause, "Topic {0} could not delete events through {1} from the journal; retried with the next trim", _topic.Value, failed.ToSequenceNr);
                return true;
            case DeleteSnapshotsSuccess:
                return true;
            case DeleteSnapshotsFailure failed:
                Log.Warning(failed.Cause, "Topic {0} could not delete its older snapshots; they are deleted after the next one", _topic.Value);
                return true;
            case ApplyRetention:
                ScanForAge();
                ScheduleTick(ApplyRetention.Instance, RetentionInterval);
                return true;
            case ApplyAgeRetention:
                _swept = true;
                (_sweepers ??= []).Add(Sender);
                ScanForAge();
                if (!_scanningAge)
                {
                    AnswerSweepers(); // nothing to scan (or busy: the next sweep, or the topic's own tick, comes back to it)
                }

                PassivateIfAbsent();
                return true;
            case AgeScanned scanned:
                OnAgeScanned(scanned);
                AnswerSweepers();
                return true;
            case AgeScanFailed failed:
                _scanningAge = false;
                Log.Warning(failed.Cause, "Topic {0} could not read its oldest events to apply retention; tried again later", _topic.Value);
                AnswerSweepers();
                return true;
            default:
                return false;
        }
    }

    /// <summary>Saves the state of a topic that did not exist, before its first events are persisted.</summary>
    private void Create()
    {
        if (_stateChange is null)
        {
            SaveState(new StateChange.Create(State));
        }
    }

    private void OnDeleteTopic(IActorRef replyTo)
    {
        if (!_exists)
        {
            replyTo.Tell(new TopicNotFound(_topic), Self);
            PassivateIfAbsent();
            return;
        }

        _pendingDeletes.Add(replyTo);
        _deleting = true; // publishes wait from now on: they belong to the new incarnation
        StartDelete();
    }

    /// <summary>Starts the delete once no write is in flight (events in flight belong to the old incarnation).</summary>
    private void StartDelete()
    {
        if (_batch is null && _stateChange is null && _pendingDeletes.Count > 0)
        {
            SaveState(new StateChange.Delete(State.NextIncarnation(_head, _services.Time.GetUtcNow())));
        }
    }

    /// <summary>After a commit: keep at most the retained events allowed, and save the state every so many events.</summary>
    private void KeepRetention()
    {
        if (_settings.Retention is { MaxEvents: { } maxEvents } && _head >= State.FirstRetained && _head - State.FirstRetained + 1 > maxEvents)
        {
            Trim(_head - maxEvents + 1); // keep [head - maxEvents + 1, head]; maxEvents < retained <= head, so no underflow
        }
        else if (LastSequenceNr - _lastSnapshotSequence >= _settings.SnapshotEvery)
        {
            SaveState(new StateChange.Checkpoint(State));
        }
    }

    /// <summary>Moves the oldest retained event to <paramref name="firstRetained"/>: saved first, then the events before it deleted.</summary>
    private void Trim(ulong firstRetained)
    {
        if (firstRetained > State.FirstRetained && !_deleting)
        {
            SaveState(new StateChange.Trim(State with { FirstRetained = firstRetained }));
        }
    }

    /// <summary>Age retention: reads the oldest retained events to find the first one young enough to keep.</summary>
    private void ScanForAge()
    {
        if (_scanningAge || _stateChange is not null || _deleting || !_exists || State.FirstRetained > _head)
        {
            return; // busy, or nothing retained: the next tick looks again
        }

        if (_services.Time.GetUtcNow().UtcTicks < _ageTrimDue)
        {
            // Nothing retained is old enough yet: with a million topics a read per topic per tick
            // would be a sweep of every topic each minute, for nothing.
            return;
        }

        _scanningAge = true;
        var from = State.FirstRetained - 1;
        _services.History.ReadAsync(_topic, from, _head, AgeScanPage).PipeTo(Self,
            success: events => new AgeScanned(from, events),
            failure: error => new AgeScanFailed(error));
    }

    private void AnswerSweepers()
    {
        foreach (var sweeper in _sweepers ?? [])
        {
            sweeper.Tell(new AgeRetentionApplied(_topic), Self);
        }

        _sweepers = null;
        PassivateIfOnlySwept();
    }

    /// <summary>
    /// A topic the sweep started, to trim it, stops as soon as that is done, unless something
    /// else has used it since it started: a sweep that trims a hundred thousand idle topics would
    /// otherwise keep each of them an actor for its idle timeout (all of them at once, measured).
    /// </summary>
    private void PassivateIfOnlySwept()
    {
        if (_swept && _lastActive == _startedAt && IsIdle && !_scanningAge)
        {
            AskToPassivate();
        }
    }

    private void OnAgeScanned(AgeScanned scanned)
    {
        _scanningAge = false;
        if (scanned.From != State.FirstRetained - 1 || _settings.Retention is not { MaxAge: { } maxAge })
        {
            return; // the retained range moved meanwhile; the next tick scans again
        }

        var cutoff = _services.Time.GetUtcNow() - maxAge;
        var young = scanned.Events.FirstOrDefault(e => e.Timestamp >= cutoff);
        // Trimming removes a prefix only: up to the first young event, or past the whole page
        // when every event in it is old (the next tick goes on from there).
        var keepFrom = young?.Sequence ?? (scanned.Events.Count > 0 ? scanned.Events[^1].Sequence + 1 : State.FirstRetained);
        _ageBacklog = young is null && scanned.Events.Count == AgeScanPage;
        // The oldest event kept is the young one; the events after it are younger still, and the
        // retained range only moves on to younger ones: none is too old before this.
        _ageTrimDue = young is null ? 0 : (young.Timestamp + maxAge).UtcTicks;
        Trim(keepFrom);
    }

    private void SaveState(StateChange change)
    {
        if (_stateChange is not null)
        {
            return; // one at a time; a checkpoint or trim skipped here is asked for again later
        }

        _stateChange = change;
        SaveSnapshot(change.State);
    }

    private void OnStateSaved(SaveSnapshotSuccess saved)
    {
        var change = _stateChange ?? throw new InvalidOperationException($"Topic '{_topic}' saved a snapshot it did not ask for.");
        _stateChange = null;
        _lastSnapshotSequence = saved.Metadata.SequenceNr;
        if (saved.Metadata.SequenceNr > 0)
        {
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)); // the latest is all recovery reads
        }

        switch (change)
        {
            case StateChange.Create:
                _exists = true;
                break;
            case StateChange.Delete(var next):
                _state = next;
                _ring.Clear();
                _deleting = false;
                _subscribers.Reset(next.Epoch, next.EpochStart, ResetReason.TopicDeleted);
                foreach (var replyTo in _pendingDeletes)
                {
                    replyTo.Tell(new TopicDeleted(_topic, next.Epoch), Self);
                }

                _pendingDeletes.Clear();
                DeleteEventsBeforeRetained();
                break;
            case StateChange.Trim(var trimmed):
                _state = trimmed;
                DeleteEventsBeforeRetained();
                if (_ageBacklog)
                {
                    _ageBacklog = false;
                    ScanForAge();
                }

                break;
        }

        KeepRetention(); // a trim skipped while this was being saved
        ContinueAfterBatch();
        PassivateIfOnlySwept();
    }

    private void OnStateNotSaved(SaveSnapshotFailure failed)
    {
        var change = _stateChange ?? throw new InvalidOperationException($"Topic '{_topic}' failed to save a snapshot it did not ask for.");
        _stateChange = null;
        Log.Warning(failed.Cause, "Topic {0} could not save its state ({1})", _topic.Value, change.GetType().Name);
        var reason = $"The state of topic '{_topic}' could not be saved: {failed.Cause.Message}";
        switch (change)
        {
            case StateChange.Create:
                // Nothing was written: the waiting publishes are refused, the topic stays absent.
                Reject(_waiting, reason, outcomeUnknown: false);
                _waiting.Clear();
                break;
            case StateChange.Delete:
                foreach (var replyTo in _pendingDeletes)
                {
                    replyTo.Tell(new TopicUnavailable(_topic, reason), Self);
                }

                _pendingDeletes.Clear();
                _deleting = false;
                break;
        }

        ContinueAfterBatch();
        PassivateIfAbsent();
    }

    /// <summary>Deletes from the journal the events before the oldest retained one, once no reader can be served them.</summary>
    private void DeleteEventsBeforeRetained()
    {
        var through = Math.Min(State.FirstRetained - 1, _head);
        if (!_deletingMessages && through > _deletedThrough)
        {
            _deletingMessages = true;
            DeleteMessages((long)through);
        }
    }

    /// <summary>A change of the topic's state, saved as its snapshot; applied once saved.</summary>
    private abstract record StateChange(TopicSnapshot State)
    {
        /// <summary>The first publish to a topic that did not exist.</summary>
        public sealed record Create(TopicSnapshot State) : StateChange(State);

        /// <summary>A new incarnation: <see cref="DeleteTopic"/>.</summary>
        public sealed record Delete(TopicSnapshot State) : StateChange(State);

        /// <summary>Retention moved the oldest retained event on.</summary>
        public sealed record Trim(TopicSnapshot State) : StateChange(State);

        /// <summary>Every so many events, so that recovery replays only the newest.</summary>
        public sealed record Checkpoint(TopicSnapshot State) : StateChange(State);

        /// <summary>A state given to events that had none (see <see cref="TopicActor.OnReplayed"/>).</summary>
        public sealed record Adopt(TopicSnapshot State) : StateChange(State);
    }

    private sealed record AgeScanned(ulong From, IReadOnlyList<StoredEvent> Events);

    private sealed record AgeScanFailed(Exception Cause);
}
