using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using EventActors.Actors.Journal;
using EventActors.Actors.Persistence;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// The single writer of one topic, an Akka.Persistence actor whose persistence id is the topic's
/// name. Recovers its state from its latest snapshot and the events after it, batches publishes
/// that arrive while a write is in flight into the next atomic write, acknowledges only once the
/// journal has committed, keeps the newest events in a ring and pushes them to subscribers with
/// credit. Passivates when idle.
/// </summary>
/// <remarks>
/// <para>Concerns live in partial files: publishing (<c>TopicActor.Publishing.cs</c>) and the
/// topic's state beside its events, saved as snapshots: creation, delete, retention
/// (<c>TopicActor.State.cs</c>).</para>
/// <para>A topic is stored from its first publish: subscribing to a topic that does not exist yet
/// waits for its first event under the epoch it will be created with, and writes nothing (so a
/// client cannot fill the journal with names). While it has subscribers it is described (head 0).</para>
/// </remarks>
public sealed partial class TopicActor : ReceivePersistentActor, IWithTimers
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
    private bool _handingOff;
    private long _lastActive = Environment.TickCount64; // ms: the last publish, subscribe, delete or subscriber leaving

    public TopicActor(TopicName topic, TopicServices services, TopicSettings settings)
    {
        _topic = topic;
        _services = services;
        _settings = settings;
        _ring = new EventRing(settings.RingSize, settings.RingMaxBytes);
        _subscribers = new TopicSubscribers(topic, Self);
        Recover<SnapshotOffer>(OnSnapshotOffer);
        Recover<NewEvent>(OnReplayed);
        Recover<RecoveryCompleted>(_ => OnRecovered());
        Live();
    }

    public override string PersistenceId => _topic.Value;

    public ITimerScheduler Timers { get; set; } = null!;

    private TopicSnapshot State => _state ?? throw new InvalidOperationException("The topic has not recovered yet.");

    public static Props Props(TopicName topic, TopicServices services, TopicSettings settings) =>
        Akka.Actor.Props.Create(() => new TopicActor(topic, services, settings));

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
        Context.Parent.Tell(new TopicRecovered(_topic));
        // Idleness is checked on a tick rather than with a receive timeout: Akka.Persistence
        // tells the actor of every written event, and each message would re-arm the timeout.
        Timers.StartPeriodicTimer(IdleCheck.Instance, IdleCheck.Instance, IdleCheckInterval);
        if (_settings.Retention is { MaxAge: not null })
        {
            Timers.StartPeriodicTimer(ApplyRetention.Instance, ApplyRetention.Instance, _settings.RetentionInterval ?? TimeSpan.FromMinutes(1));
        }

        if (_adopted)
        {
            Log.Warning("Topic {0} has events but no saved state; it continues under a new epoch, {1}", _topic.Value, State.Epoch);
            SaveState(new StateChange.Adopt(State));
        }
    }

    private void Live()
    {
        Command<Publish>(publish =>
        {
            _lastActive = Environment.TickCount64;
            _waiting.Add((publish, Sender));
            StartBatch();
        });
        Command<Subscribe>(OnSubscribe);
        Command<GrantCredit>(grant => _subscribers.Grant(Sender, grant.Credit, _ring, State.Epoch, _head));
        Command<CaughtUp>(caughtUp => _subscribers.CaughtUp(caughtUp.Subscriber, caughtUp.Epoch, caughtUp.Position, _ring, State.Epoch, _head));
        Command<Unsubscribe>(unsubscribe => Unwatch(unsubscribe.Subscriber));
        Command<Terminated>(terminated => Unwatch(terminated.ActorRef));
        Command<GetTopicStatus>(_ =>
        {
            // A topic that has subscribers but no event yet is described too (head 0, the epoch its
            // first event will have): it is there for whoever watches it, though nothing is stored.
            Sender.Tell(_exists || _subscribers.Count > 0 ? new TopicStatus(State.Describe(_topic, _head), _subscribers.Count) : new TopicNotFound(_topic));
            PassivateIfAbsent();
        });
        Command<DeleteTopic>(_ =>
        {
            _lastActive = Environment.TickCount64;
            OnDeleteTopic(Sender);
        });
        CommandPublishing();
        CommandState();
        Command<HandOff>(handOff =>
        {
            if (!handOff.IsShutdown && _subscribers.Count > 0)
            {
                Context.Parent.Tell(new HandOffDeclined(_topic)); // subscribed after it asked to passivate
                return;
            }

            _handingOff = true;
            StopIfHandedOff();
        });
        Command<IdleCheck>(_ =>
        {
            if (IsIdle && Environment.TickCount64 - _lastActive >= (long)_settings.IdleTimeout.TotalMilliseconds)
            {
                Context.Parent.Tell(new Passivate(_topic));
            }
        });
    }

    /// <summary>No subscriber and nothing in flight: the topic may passivate.</summary>
    private bool IsIdle => _subscribers.Count == 0 && _waiting.Count == 0 && _batch is null && _stateChange is null && _pendingDeletes.Count == 0;

    /// <summary>A topic that does not exist and serves no one passivates at once: asking about random names must not keep actors alive.</summary>
    private void PassivateIfAbsent()
    {
        if (!_exists && IsIdle)
        {
            Context.Parent.Tell(new Passivate(_topic));
        }
    }

    /// <summary>Half the idle timeout: a topic passivates between one and one and a half idle timeouts after its last activity.</summary>
    private TimeSpan IdleCheckInterval => TimeSpan.FromTicks(Math.Max(_settings.IdleTimeout.Ticks / 2, TimeSpan.FromMilliseconds(10).Ticks));

    private void OnSubscribe(Subscribe subscribe)
    {
        _lastActive = Environment.TickCount64;
        var plan = ResumePlan.Resolve(subscribe.Start, new TopicPosition(State.Epoch, _head, Math.Min(State.FirstRetained, _head + 1)));
        Context.Watch(subscribe.Subscriber);
        _subscribers.Add(subscribe.Subscriber, plan.After, 0);
        ReportSubscriberCount();
        subscribe.Subscriber.Tell(new Subscribed(_topic, State.Epoch, plan.After, plan.Reset), Self);
        _subscribers.Grant(subscribe.Subscriber, subscribe.Credit, _ring, State.Epoch, _head);
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

    private void ReportSubscriberCount() => Context.Parent.Tell(new SubscriberCountChanged(_topic, _subscribers.Count), Self);

    /// <summary>Passivation completes only with nothing in flight: every publisher gets its answer, every started change is saved.</summary>
    private void StopIfHandedOff()
    {
        if (_handingOff && _waiting.Count == 0 && _batch is null && _stateChange is null && _pendingDeletes.Count == 0)
        {
            Context.Stop(Self);
        }
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        // Akka.Persistence stops the actor after this and drops what it stashed meanwhile: the
        // registry answers those senders, with the cause (an unreachable database, say).
        Log.Warning("Topic {0} could not recover its state from the journal: {1}", _topic.Value, reason.Message);
        Context.Parent.Tell(new TopicRecoveryFailed(_topic, reason.Message));
    }

    protected override void PostStop()
    {
        // Whatever is still unanswered (the actor failed, or stopped after a rejected write) is
        // answered now: nobody waits for a reply that cannot come.
        AnswerUnfinished(new InvalidOperationException($"Topic '{_topic}' stopped before it could write this; nothing of it was acknowledged."));
        base.PostStop();
    }

    private sealed class ApplyRetention
    {
        public static readonly ApplyRetention Instance = new();
    }

    private sealed class IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }
}
