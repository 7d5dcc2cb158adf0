using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using EventActors.Actors.Journal;
using EventActors.Actors.Persistence;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// The single writer of one topic, an Akka.Persistence actor whose persistence id is the topic's
/// name. Recovers its state from its latest snapshot and the events after it (or takes up the
/// state its last actor left in <see cref="DormantTopics"/>, when it passivated idle), batches publishes
/// that arrive while a write is in flight into the next atomic write, acknowledges only once the
/// journal has committed, keeps the newest events in a ring and pushes them to subscribers with
/// credit. An entity of the topics' shard region (<see cref="TopicSharding"/>): passivates when
/// idle, and stops when its shard moves, each time after answering what reached it.
/// </summary>
/// <remarks>
/// <para>Concerns live in partial files: publishing (<c>TopicActor.Publishing.cs</c>) and the
/// topic's state beside its events, saved as snapshots: creation, delete, retention
/// (<c>TopicActor.State.cs</c>).</para>
/// <para>A topic is stored from its first publish: subscribing to a topic that does not exist yet
/// waits for its first event under the epoch it will be created with, and writes nothing (so a
/// client cannot fill the journal with names). While it has subscribers it is described (head 0).</para>
/// </remarks>
public sealed partial class TopicActor : UntypedPersistentActor
{
    private readonly TopicName _topic;
    private readonly TopicServices _services;
    private readonly TopicSettings _settings;
    private readonly EventRing _ring;
    private readonly TopicSubscribers _subscribers;
    private TopicSnapshot? _state;  // null until recovered; a provisional one while the topic does not exist
    private bool _exists;
    private ulong _head;            // the last sequence number committed and pushed: what subscribers and readers are told
    private Queue<(long Sequence, NewEvent Event)>? _replayed; // the newest events replayed, for the ring; recovery only
    private HandOff? _handOff;       // the shard told it to stop: as soon as nothing is in flight
    private bool _passivationAsked;
    private bool _recovered;
    private List<(object Message, IActorRef Sender)>? _unrecovered; // what reached it while it recovered, to answer should that fail
    private readonly long _startedAt = Environment.TickCount64;
    private long _lastActive; // ms: the last publish, subscribe, delete or subscriber leaving (or the start)
    private bool _publishedSinceIdleCheck;
    private DormantTopic? _woken;   // the state the last actor of the topic left (DormantTopics); recovery only

    public TopicActor(TopicName topic, TopicServices services, TopicSettings settings)
    {
        _lastActive = _startedAt;
        _topic = topic;
        _services = services;
        _settings = settings;
        _ring = new EventRing(settings.RingSize, settings.RingMaxBytes);
        _subscribers = new TopicSubscribers(topic, Self);
        // Only the shard actor that hosted the last one vouches that nobody wrote the topic since.
        _woken = services.Dormant.TryTake(topic) is { } dormant && dormant.Shard.Equals(Context.Parent) ? dormant : null;
    }

    public override string PersistenceId => _topic.Value;

    /// <summary>
    /// Woken from <see cref="DormantTopics"/>: no snapshot and no event is read back, only the
    /// journal's head, which must be where the last actor left it (<see cref="Wake"/>).
    /// </summary>
    public override Recovery Recovery => _woken is null ? base.Recovery : Recovery.None;

    /// <summary>This node's address: the owner of the topic's shard, while this actor runs.</summary>
    private Address OwnerAddress => ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;

    private TopicSnapshot State => _state ?? throw new InvalidOperationException("The topic has not recovered yet.");

    public static Props Props(TopicName topic, TopicServices services, TopicSettings settings) =>
        Akka.Actor.Props.Create(() => new TopicActor(topic, services, settings))
            .WithMailbox(CompactMailbox.Id); // one per live topic: an empty mailbox must cost next to nothing

    private void OnSnapshotOffer(SnapshotOffer offer)
    {
        _state = (TopicSnapshot)offer.Snapshot;
        _exists = true;
        _lastSnapshotSequence = offer.Metadata.SequenceNr;
    }

    private void OnReplayed(NewEvent replayed)
    {
        // Only the newest events can go in the ring; they are encoded once recovery is done.
        _replayed ??= new Queue<(long, NewEvent)>();
        _replayed.Enqueue((LastSequenceNr, replayed));
        if (_replayed.Count > _settings.RingSize)
        {
            _replayed.Dequeue();
        }

        if (_state is null)
        {
            // Events without a snapshot: written before topics kept their state in snapshots, or
            // the snapshot was lost. Their epoch is unknown, so the topic takes a new one; a
            // client holding an old id is told stale-epoch and gets what is retained. Saved below.
            _state = TopicSnapshot.New(_services.Time.GetUtcNow()) with { FirstRetained = (ulong)LastSequenceNr };
            _adopted = true;
        }
    }

    private void OnRecovered()
    {
        _head = (ulong)LastSequenceNr;
        if (_woken is { } woken)
        {
            Wake(woken);
        }

        if (_state is null && _head > 0)
        {
            _state = TopicSnapshot.New(_services.Time.GetUtcNow()) with { FirstRetained = _head + 1 }; // every event trimmed, no snapshot
            _adopted = true;
        }

        _exists |= _state is not null;
        _state ??= TopicSnapshot.New(_services.Time.GetUtcNow()); // provisional: saved by the first publish
        foreach (var (sequence, replayed) in _replayed ?? [])
        {
            if ((ulong)sequence > State.EpochStart && (ulong)sequence >= State.FirstRetained)
            {
                _ring.Add(State.Epoch, (ulong)sequence, replayed.Type?.Value, replayed.Data);
            }
        }

        _replayed = null;
        _recovered = true;
        _unrecovered = null;
        // Idleness is checked on a tick rather than with a receive timeout: Akka.Persistence
        // tells the actor of every written event, and each message would re-arm the timeout.
        ScheduleTick(IdleCheck.Instance, IdleCheckInterval);
        if (_settings.Retention is { MaxAge: not null })
        {
            ScheduleTick(ApplyRetention.Instance, RetentionInterval);
        }

        if (_adopted)
        {
            Log.Warning("Topic {0} has events but no saved state; it continues under a new epoch, {1}", _topic.Value, State.Epoch);
            SaveState(new StateChange.Adopt(State));
        }
    }

    /// <summary>Takes up the state the last actor of the topic left, instead of the journal's.</summary>
    /// <exception cref="InvalidOperationException">
    /// The journal's head moved since: another writer (a partition the journal fenced, say). The
    /// actor fails, and Sharding's restart recovers it from the journal, with what reached it kept.
    /// </exception>
    private void Wake(DormantTopic woken)
    {
        _woken = null;
        if (woken.Head != _head)
        {
            throw new InvalidOperationException($"Topic '{_topic}' was left dormant at {woken.Head}, but its journal's head is {_head}; it recovers from the journal.");
        }

        _state = woken.State;
        _exists = true;
        _lastSnapshotSequence = woken.LastSnapshotSequence;
        _deletedThrough = woken.DeletedThrough;
        _ageTrimDue = woken.AgeTrimDue;
        if (woken.Newest is { } newest && newest.Epoch == State.Epoch && newest.Sequence == _head && newest.Sequence > State.EpochStart && newest.Sequence >= State.FirstRetained)
        {
            _ring.Add(newest);
        }
    }

    /// <summary>An idle topic that passivates leaves its state for the next actor of it (<see cref="DormantTopics"/>).</summary>
    private void LeaveDormant()
    {
        if (_handOff is { IsShutdown: false } && _exists && _recovered && !_deleting) // a shard that moves leaves nothing behind
        {
            _services.Dormant.TryPut(_topic, new DormantTopic(Context.Parent, State, _head, _lastSnapshotSequence, _deletedThrough, _ageTrimDue, _ring.Newest()));
        }
    }

    // An UntypedPersistentActor, its handlers switches: a ReceivePersistentActor builds its handler
    // tables per instance (a delegate and matcher entries per message type, ~2.5 KB a topic by
    // dotnet-gcdump), and a node may hold a million topics.
    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer offer:
                OnSnapshotOffer(offer);
                break;
            case NewEvent replayed:
                OnReplayed(replayed);
                break;
            case RecoveryCompleted:
                OnRecovered();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        if (!OnTopicCommand(message) && !OnPublishingCommand(message) && !OnStateCommand(message))
        {
            Unhandled(message);
        }
    }

    /// <summary>The topic's own messages: publish, subscribe, status, delete, hand-off, idleness.</summary>
    private bool OnTopicCommand(object message)
    {
        switch (message)
        {
            case Publish publish:
                _lastActive = Environment.TickCount64;
                _publishedSinceIdleCheck = true;
                _waiting.Add((publish, Sender));
                StartBatch();
                return true;
            case Subscribe subscribe:
                OnSubscribe(subscribe);
                return true;
            case ResolveStart resolve:
                // For a feed of another node, which subscribes its own subscriber itself: an answer
                // only, like a status (it neither subscribes nor keeps the topic alive).
                var plan = ResumePlan.Resolve(resolve.Start, Position);
                Sender.Tell(new StartResolved(_topic, resolve.Subscriber, State.Epoch, plan.After, plan.Reset), Self);
                PassivateIfAbsent();
                return true;
            case GrantCredit grant:
                _subscribers.Grant(Sender, grant.Credit, _ring, State.Epoch, _head);
                return true;
            case CaughtUp caughtUp:
                _subscribers.CaughtUp(caughtUp.Subscriber, caughtUp.Epoch, caughtUp.Position, _ring, State.Epoch, _head);
                return true;
            case Unsubscribe unsubscribe:
                Unwatch(unsubscribe.Subscriber);
                return true;
            case Terminated terminated:
                Unwatch(terminated.ActorRef);
                return true;
            case GetTopicStatus:
                // A topic that has subscribers but no event yet is described too (head 0, the epoch its
                // first event will have): it is there for whoever watches it, though nothing is stored.
                Sender.Tell(_exists || _subscribers.Count > 0 ? new TopicStatus(State.Describe(_topic, _head), _subscribers.Count, OwnerAddress) : new TopicNotFound(_topic));
                PassivateIfAbsent();
                return true;
            case DeleteTopic:
                _lastActive = Environment.TickCount64;
                OnDeleteTopic(Sender);
                return true;
            case HandOff handOff:
                // Sharding holds the topic's later messages until it has stopped, and then starts it
                // again with them: it cannot stay. A subscriber that arrived after it asked to
                // passivate sees it stop and subscribes again from its exact position.
                _handOff = handOff;
                StopIfHandedOff();
                return true;
            case IdleCheck:
                if (IsIdle && Environment.TickCount64 - _lastActive >= (long)_settings.IdleTimeout.TotalMilliseconds)
                {
                    AskToPassivate();
                }

                if (_waiting.Count == 0)
                {
                    _waiting.TrimExcess(); // a quiet topic keeps no array for publishes that are not coming
                }

                if (!_publishedSinceIdleCheck && _batch is null)
                {
                    // Nothing published for a whole interval: the ring goes back to the newest
                    // event, so a topic costs what it holds now, not what its busiest minute needed.
                    _ring.ShrinkToNewest();
                }

                _publishedSinceIdleCheck = false;

                ScheduleTick(IdleCheck.Instance, IdleCheckInterval);
                return true;
            default:
                return false;
        }
    }

    /// <summary>What a start position is resolved against: epoch, head, oldest retained event.</summary>
    private TopicPosition Position => new(State.Epoch, _head, Math.Min(State.FirstRetained, _head + 1));

    /// <summary>No subscriber and nothing in flight: the topic may passivate.</summary>
    private bool IsIdle => _subscribers.Count == 0 && _waiting.Count == 0 && _batch is null && _stateChange is null && _pendingDeletes.Count == 0 && !_deletingMessages;

    /// <summary>A topic that does not exist and serves no one passivates at once: asking about random names must not keep actors alive.</summary>
    private void PassivateIfAbsent()
    {
        if (!_exists && IsIdle)
        {
            AskToPassivate();
        }
    }

    /// <summary>
    /// The actor is about to stop after a failure (Akka.Persistence stops it): its shard is told
    /// first, as for a passivation, so that what comes for the topic from now on waits for a
    /// fresh actor instead of reaching this one's mailbox and being lost with it.
    /// </summary>
    private void StopThroughShard()
    {
        _passivationAsked = true;
        Context.Parent.Tell(new Passivate(HandOff.Shutdown));
    }

    /// <summary>Its shard buffers what comes for it from now on and sends it <see cref="HandOff.Passivation"/>.</summary>
    private void AskToPassivate()
    {
        if (!_passivationAsked)
        {
            _passivationAsked = true;
            Context.Parent.Tell(new Passivate(HandOff.Passivation));
        }
    }

    /// <summary>
    /// A tick told once, and again each time it comes: not an <c>IWithTimers</c> timer table, which
    /// costs every topic several hundred bytes (a node may hold a million). One that comes after
    /// the topic stopped is a dead letter, and suppressed. (AK1004 warns of ticks that outlive
    /// their actor: this one outlives it by one interval at most, and is not told again.)
    /// </summary>
#pragma warning disable AK1004
    private void ScheduleTick(object tick, TimeSpan interval) => Context.System.Scheduler.ScheduleTellOnce(interval, Self, tick, Self);
#pragma warning restore AK1004

    private TimeSpan RetentionInterval => _settings.RetentionInterval ?? TimeSpan.FromMinutes(1);

    /// <summary>Half the idle timeout: a topic passivates between one and one and a half idle timeouts after its last activity.</summary>
    private TimeSpan IdleCheckInterval => TimeSpan.FromTicks(Math.Max(_settings.IdleTimeout.Ticks / 2, TimeSpan.FromMilliseconds(10).Ticks));

    private void OnSubscribe(Subscribe subscribe)
    {
        if (_subscribers.Contains(subscribe.Subscriber))
        {
            // A subscriber asks again when no answer came for a while (the first Subscribe may
            // have been lost with an actor that stopped); this one was answered already, and
            // the answer is on its way. Subscribing it afresh would move its position back.
            return;
        }

        _lastActive = Environment.TickCount64;
        AdoptEpochOfUnpublished(subscribe.Start);
        var plan = ResumePlan.Resolve(subscribe.Start, Position);
        Context.Watch(subscribe.Subscriber);
        _subscribers.Add(subscribe.Subscriber, plan.After, 0);
        ReportSubscriberCount();
        subscribe.Subscriber.Tell(new Subscribed(_topic, State.Epoch, plan.After, plan.Reset), Self);
        _subscribers.Grant(subscribe.Subscriber, subscribe.Credit, _ring, State.Epoch, _head);
    }

    /// <summary>
    /// A topic never published to keeps the epoch its first event will have in memory only, so an
    /// actor that stops while subscribed (passivation racing a subscribe, its shard moving) would
    /// greet its returning subscribers with another epoch and a needless stale-epoch reset. The
    /// first subscriber back brings the epoch it was given, at sequence 0: nothing was published
    /// under it, so taking it loses nothing and tells nobody anything untrue.
    /// </summary>
    private void AdoptEpochOfUnpublished(StartPosition start)
    {
        if (!_exists && _head == 0 && _subscribers.Count == 0 && start is StartPosition.After { Cursor: { Sequence: 0 } cursor })
        {
            _state = State with { Epoch = cursor.Epoch };
        }
    }

    private void Unwatch(IActorRef subscriber)
    {
        if (_subscribers.Remove(subscriber))
        {
            _lastActive = Environment.TickCount64; // the idle time starts when the last subscriber leaves
            Context.Unwatch(subscriber);
            ReportSubscriberCount();
        }
    }

    private void ReportSubscriberCount() => _services.Gauges.SubscribersChanged(_topic, _subscribers.Count);

    /// <summary>Passivation completes only with nothing in flight: every publisher gets its answer, every started change is saved.</summary>
    private void StopIfHandedOff()
    {
        if (_handOff is not null && _waiting.Count == 0 && _batch is null && _stateChange is null && _pendingDeletes.Count == 0)
        {
            LeaveDormant();
            Context.Stop(Self);
        }
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        // While it recovers, Akka.Persistence stashes what arrives and drops it if the recovery
        // fails: keep who asked what, to answer them then. (Unstashed after a recovery, the same
        // messages come through here again, and are not kept.)
        if (!_recovered && message is ITopicMessage)
        {
            (_unrecovered ??= []).Add((message, Sender));
        }

        return base.AroundReceive(receive, message);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        // Akka.Persistence stops the actor after this: everyone who sent it something is answered
        // here, with the cause (an unreachable database, say), or a publisher would wait out its
        // timeout and a stream would wait for ever.
        if (reason is JournalUnreachableException)
        {
            Log.Debug("Topic {0} could not recover its state from the journal: {1}", _topic.Value, reason.Message); // the journal logs the outage once
        }
        else
        {
            Log.Warning("Topic {0} could not recover its state from the journal: {1}", _topic.Value, reason.Message);
        }

        var cause = $"Topic '{_topic}' could not recover its state from the journal: {reason.Message}";
        foreach (var (unanswered, sender) in _unrecovered ?? [])
        {
            switch (unanswered)
            {
                case Publish:
                    sender.Tell(new PublishRejected(_topic, cause, OutcomeUnknown: false));
                    break;
                case Subscribe subscribe:
                    subscribe.Subscriber.Tell(new SubscribeRejected(_topic, cause));
                    break;
                case GetTopicStatus or DeleteTopic:
                    sender.Tell(new TopicUnavailable(_topic, cause));
                    break;
                case ApplyAgeRetention:
                    sender.Tell(new AgeRetentionApplied(_topic)); // the sweep goes on; the next one comes back to it
                    break;
            }
        }

        _unrecovered = null;
        StopThroughShard();
    }

    protected override void PreStart()
    {
        _services.Gauges.Started();
        base.PreStart();
    }

    protected override void PostStop()
    {
        _services.Gauges.Stopped(_topic);
        // Whatever is still unanswered (the actor failed, or stopped after a rejected write) is
        // answered now: nobody waits for a reply that cannot come.
        AnswerUnfinished(new InvalidOperationException($"Topic '{_topic}' stopped before it could write this; nothing of it was acknowledged."));

        _subscribers.TellEnded(); // streams on this node subscribe again
        base.PostStop();
    }

    private sealed class ApplyRetention : IDeadLetterSuppression
    {
        public static readonly ApplyRetention Instance = new();
    }

    private sealed class IdleCheck : IDeadLetterSuppression
    {
        public static readonly IdleCheck Instance = new();
    }
}
