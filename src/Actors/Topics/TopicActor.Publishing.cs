using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

// Publishing: one batch at a time goes through key lookup, then persist; whatever arrives
// meanwhile waits and goes into the next batch, one atomic write.
public sealed partial class TopicActor
{
    private readonly List<(Publish Publish, IActorRef ReplyTo)> _waiting = [];
    private PublishBatch? _batch; // the batch being looked up or persisted

    /// <summary>The messages of publishing; false when <paramref name="message"/> is not one of them.</summary>
    private bool OnPublishingCommand(object message)
    {
        switch (message)
        {
            case KeysFound found when ReferenceEquals(found.Batch, _batch):
                Plan(found.Batch, found.Keys);
                return true;
            case KeysRecorded recorded when ReferenceEquals(recorded.Batch, _batch):
                Persist(recorded.Batch);
                return true;
            case KeysFound or KeysRecorded or KeysConfirmed:
                return true; // of a batch that has ended meanwhile; confirmations need nothing
            case KeysNotConfirmed failed:
                // The records stay unconfirmed: still found while their events can be read back.
                Log.Warning(failed.Cause, "Topic {0} could not confirm its idempotency keys", _topic.Value);
                return true;
            case KeysUnavailable failed:
                if (ReferenceEquals(failed.Batch, _batch))
                {
                    // Nothing was persisted: the publishers retry (with their keys, so safely).
                    Log.Warning(failed.Cause, "Topic {0} could not look up idempotency keys; its publishes are refused", _topic.Value);
                    Reject(failed.Batch.Publishers, $"The idempotency keys of topic '{_topic}' could not be read: {failed.Cause.Message}", outcomeUnknown: false);
                    _batch = null;
                    ContinueAfterBatch();
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>Takes the waiting publishes into a batch and starts it, unless something must happen first.</summary>
    private void StartBatch()
    {
        if (_batch is not null || _deleting || _waiting.Count == 0)
        {
            return;
        }

        if (!_exists)
        {
            Create(); // the first publish saves the topic's state first; publishes wait meanwhile
            return;
        }

        if (!_services.JournalReachable())
        {
            // Refused at the door: a persist that failed would stop this actor and every stream with it.
            Reject(_waiting, $"The journal of topic '{_topic}' cannot reach its database; nothing was written.", outcomeUnknown: false);
            _waiting.Clear();
            return;
        }

        var batch = PublishBatch.Take(_waiting, _settings.MaxEventsPerAppend);
        _batch = batch;
        if (batch.Keys.Count == 0)
        {
            Plan(batch, EmptyKeys);
            return;
        }

        // Only events published under the current epoch count: a delete forgets every key.
        _services.Keys.FindAsync(_topic, batch.Keys, State.EpochStart).PipeTo(Self,
            success: found => new KeysFound(batch, found),
            failure: error => new KeysUnavailable(batch, error));
    }

    private void Plan(PublishBatch batch, IReadOnlyDictionary<string, ulong> recorded)
    {
        batch.Plan(recorded, _head + 1);
        if (batch.NewEvents.Count == 0)
        {
            Complete(batch); // every event was a duplicate: nothing to write
            return;
        }

        if (batch.KeysToRecord.Count > 0)
        {
            var recording = _services.Keys.RecordAsync(_topic, batch.KeysToRecord);
            if (!recording.IsCompletedSuccessfully)
            {
                recording.PipeTo(Self, success: () => new KeysRecorded(batch), failure: error => new KeysUnavailable(batch, error));
                return;
            }
        }

        Persist(batch);
    }

    private void Persist(PublishBatch batch)
    {
        // One atomic write; commands go on being served meanwhile (subscribers, grants, status),
        // and publishes wait for the next batch. The deferred handler runs once all are written.
        PersistAllAsync(batch.NewEvents, static _ => { });
        DeferAsync(batch, Complete);
    }

    private void Complete(PublishBatch batch)
    {
        if (batch.Failed || !ReferenceEquals(batch, _batch))
        {
            return; // rejected or failed: its publishers were answered then
        }

        _batch = null;
        if (batch.NewEvents.Count > 0)
        {
            var last = batch.FirstSequence + (ulong)batch.NewEvents.Count - 1;
            if (last != (ulong)LastSequenceNr)
            {
                throw new InvalidOperationException($"Topic '{_topic}' planned sequence numbers up to {last}, but Akka.Persistence wrote up to {LastSequenceNr}.");
            }

            // Shared events only for subscribers to be pushed to: a topic nobody reads keeps the
            // payloads in its ring and makes no object per event.
            var committed = _subscribers.Count > 0 ? new CommittedEvent[batch.NewEvents.Count] : null;
            for (var i = 0; i < batch.NewEvents.Count; i++)
            {
                var newEvent = batch.NewEvents[i];
                var sequence = batch.FirstSequence + (ulong)i;
                if (committed is null)
                {
                    _ring.Add(State.Epoch, sequence, newEvent.Type?.Value, newEvent.Data);
                }
                else
                {
                    committed[i] = new CommittedEvent(State.Epoch, sequence, newEvent.Type?.Value, newEvent.Data);
                    _ring.Add(committed[i]);
                }
            }

            _head = last;
            batch.Acknowledge(_topic, State.Epoch, Self);
            ConfirmKeys(batch);
            if (committed is not null)
            {
                _subscribers.Committed(committed, _ring, State.Epoch, _head);
            }

            KeepRetention();
        }
        else
        {
            batch.Acknowledge(_topic, State.Epoch, Self);
        }

        ContinueAfterBatch();
    }

    /// <summary>Tells a store that records keys ahead (Akka.Persistence.Sql) that their events are committed; ours need not be told.</summary>
    private void ConfirmKeys(PublishBatch batch)
    {
        if (batch.KeysToRecord.Count > 0 && _services.Keys.ConfirmAsync(_topic, batch.KeysToRecord) is { IsCompletedSuccessfully: false } confirming)
        {
            confirming.PipeTo(Self, success: () => KeysConfirmed.Instance, failure: error => new KeysNotConfirmed(error));
        }
    }

    private void ContinueAfterBatch()
    {
        if (_pendingDeletes.Count > 0)
        {
            StartDelete();
        }
        else
        {
            StartBatch();
        }

        StopIfHandedOff();
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // Akka.Persistence stops the actor after this: whether the write was committed is not
        // known to it, so its view of the head cannot be trusted. Subscribers watch it and
        // subscribe again, from their exact positions, which starts a fresh actor.
        FailBatch(cause, OutcomeUnknown(cause));
        StopThroughShard();
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // Nothing was written, but Akka.Persistence has numbered the rejected events: the next
        // write would leave a gap. A fresh actor recovers the head; this one stops.
        if (FailBatch(cause, outcomeUnknown: false))
        {
            Log.Error(cause, "Topic {0}: the journal rejected a write; the topic restarts", _topic.Value);
            StopThroughShard();
            Context.Stop(Self);
        }
    }

    /// <summary>Answers the batch in flight and everything waiting; false when already done.</summary>
    private bool FailBatch(Exception cause, bool outcomeUnknown)
    {
        if (_batch is not { Failed: false } batch)
        {
            return false;
        }

        batch.Failed = true;
        Reject(batch.Publishers, $"The journal did not commit: {cause.Message}", outcomeUnknown);
        Reject(_waiting, $"Topic '{_topic}' is restarting after a failed write; nothing of this was written.", outcomeUnknown: false);
        _waiting.Clear();
        return true;
    }

    /// <summary>Answers whatever is left when the actor stops.</summary>
    private void AnswerUnfinished(Exception cause)
    {
        if (_batch is { Failed: false } batch)
        {
            batch.Failed = true;
            Reject(batch.Publishers, cause.Message, outcomeUnknown: true);
        }

        Reject(_waiting, cause.Message, outcomeUnknown: false);
        _waiting.Clear();
        foreach (var replyTo in _pendingDeletes)
        {
            replyTo.Tell(new TopicUnavailable(_topic, cause.Message), Self);
        }

        _pendingDeletes.Clear();
    }

    private void Reject(IEnumerable<(Publish Publish, IActorRef ReplyTo)> publishers, string reason, bool outcomeUnknown)
    {
        var rejected = new PublishRejected(_topic, reason, outcomeUnknown);
        foreach (var (_, replyTo) in publishers)
        {
            replyTo.Tell(rejected, Self);
        }
    }

    /// <summary>
    /// Whether a failed write may still have been committed: only a journal that says so (a
    /// connection that broke mid-commit) or a failure it did not classify. A refusal (overload,
    /// conflict, unreachable before sending, the circuit breaker open) wrote nothing.
    /// </summary>
    private static bool OutcomeUnknown(Exception cause) => cause switch
    {
        JournalUnreachableException unreachable => unreachable.OutcomeUnknown,
        JournalException or ArgumentException or Akka.Pattern.OpenCircuitException => false,
        _ => true,
    };

    private static readonly IReadOnlyDictionary<string, ulong> EmptyKeys = new Dictionary<string, ulong>();

    private sealed record KeysFound(PublishBatch Batch, IReadOnlyDictionary<string, ulong> Keys);

    private sealed record KeysRecorded(PublishBatch Batch);

    private sealed record KeysUnavailable(PublishBatch Batch, Exception Cause);

    private sealed class KeysConfirmed
    {
        public static readonly KeysConfirmed Instance = new();
    }

    private sealed record KeysNotConfirmed(Exception Cause);
}
