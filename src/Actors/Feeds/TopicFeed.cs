using Akka.Actor;
using Akka.Event;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Feeds;

/// <summary>
/// One node's subscription to one topic owned elsewhere in the cluster: it subscribes to the topic
/// once, with credit like any subscriber, and serves this node's streams of the topic as the
/// topic itself would (the same messages, the same ring, the same <see cref="TopicSubscribers"/>).
/// Each event crosses the network once per node, and is encoded once per node: every local stream
/// is handed the same <see cref="CommittedEvent"/>.
/// </summary>
/// <remarks>
/// <para>Positions: the feed knows the topic's epoch and the last event it has received (its
/// head). It resolves a stream's start itself when that needs no more (live, a malformed id, an id
/// of its epoch up to its head: events since trimmed show up as a gap in the stream's journal
/// read, which tells the client); otherwise (the earliest event, another epoch, an id past its
/// head) it asks the topic, which knows what it retains (<see cref="ResolveStart"/>).</para>
/// <para>When its topic stops (its shard moved, its node died), the feed subscribes again after
/// its head, and the new owner continues from there: streams see no gap and no duplicate, and are
/// not disconnected. A topic that has moved on meanwhile (deleted, trimmed past the head) makes
/// the feed reset its streams, as the topic would.</para>
/// <para>The credit the feed grants its topic goes back as soon as events are handed on: a stream
/// that lags is fed from the ring or sent to the journal, as by the topic. So what the topic may
/// have in flight to a node is bounded by one window of credit, whatever the node's streams do.</para>
/// </remarks>
public sealed class TopicFeed : ReceiveActor, IWithTimers
{
    private readonly TopicName _topic;
    private readonly IActorRef _topics;
    private readonly TopicFeedSettings _settings;
    private readonly EventRing _ring;
    private readonly TopicSubscribers _subscribers;
    private readonly List<Subscribe> _awaitingTopic = [];                                        // before the topic first answered
    private readonly Dictionary<IActorRef, Subscribe> _resolving = new(ActorRefComparer.Instance); // asked the topic where they start
    private IActorRef? _upstream;  // the topic actor feeding us, once it answered
    private bool _known;           // the topic has answered once: _epoch and _head mean something
    private TopicEpoch _epoch;
    private ulong _head;           // the last event received
    private long _idleSince = Environment.TickCount64;
    private bool _idleReported;
    private bool _released;        // the parent has let go of it: it stops once it serves no one
    private int _ungranted;        // events received from the topic and not yet granted back

    public TopicFeed(TopicName topic, IActorRef topics, TopicFeedSettings settings)
    {
        _topic = topic;
        _topics = topics;
        _settings = settings;
        _ring = new EventRing(settings.RingSize, settings.RingMaxBytes);
        _subscribers = new TopicSubscribers(topic, Self);

        // From the topic.
        Receive<Subscribed>(OnSubscribed);
        Receive<Deliver>(OnDeliver);
        Receive<CatchUpRequired>(OnFellBehind);
        Receive<TopicReset>(OnReset);
        Receive<StartResolved>(OnStartResolved);
        Receive<SubscribeRejected>(OnRejected);
        Receive<SubscriptionEnded>(_ => { }); // a topic on this node saying it stops: our watch of it says so too

        // From this node's streams.
        Receive<Subscribe>(OnSubscribe);
        Receive<GrantCredit>(grant => _subscribers.Grant(Sender, grant.Credit, _ring, _epoch, _head));
        Receive<CaughtUp>(caughtUp => _subscribers.CaughtUp(caughtUp.Subscriber, caughtUp.Epoch, caughtUp.Position, _ring, _epoch, _head));
        Receive<Unsubscribe>(unsubscribe => Remove(unsubscribe.Subscriber));
        Receive<Terminated>(OnTerminated);

        Receive<Tick>(_ => OnTick());
        Receive<TopicFeeds.Release>(_ =>
        {
            _released = true;
            StopIfUnused();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TopicName topic, IActorRef topics, TopicFeedSettings settings) =>
        Akka.Actor.Props.Create(() => new TopicFeed(topic, topics, settings));

    protected override void PreStart()
    {
        SubscribeToTopic();
        Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _settings.Tick);
    }

    protected override void PostStop()
    {
        _upstream?.Tell(new Unsubscribe(Self), Self);
        _subscribers.TellEnded(); // our streams subscribe again; those not yet answered ask again at their next heartbeat
    }

    private bool Unused => _subscribers.Count == 0 && _awaitingTopic.Count == 0 && _resolving.Count == 0;

    /// <summary>Subscribes after the last event received (live the first time), through the shard region: to whichever node owns the topic now.</summary>
    private void SubscribeToTopic()
    {
        StartPosition start = _known ? new StartPosition.After(new EventCursor(_epoch, _head)) : StartPosition.Live.Instance;
        _topics.Tell(new Subscribe(_topic, Self, start, _settings.Credit), Self);
    }

    private bool IsUpstream(IActorRef actor) => _upstream is not null && ActorRefComparer.Instance.Equals(actor, _upstream);

    private void OnSubscribed(Subscribed subscribed)
    {
        if (IsUpstream(Sender))
        {
            return; // asked twice, answered twice: the first answer stands
        }

        if (_upstream is not null)
        {
            // Another actor of the topic answered a repeated subscribe: we follow the newest,
            // and the other, should it still run, stops feeding us.
            _upstream.Tell(new Unsubscribe(Self), Self);
            Context.Unwatch(_upstream);
        }

        _upstream = Context.Watch(Sender);
        _ungranted = 0; // a new subscription starts with its whole window
        if (!_known)
        {
            _known = true;
            _epoch = subscribed.Epoch;
            _head = subscribed.After;
            var waiting = _awaitingTopic.ToArray();
            _awaitingTopic.Clear();
            foreach (var subscribe in waiting)
            {
                Resolve(subscribe);
            }

            return;
        }

        if (subscribed.Reset is { } reason || subscribed.Epoch != _epoch)
        {
            // The topic moved on while we were away (deleted, trimmed past our head): our streams
            // are told, as the topic would have told them.
            StartOver(subscribed.Epoch, subscribed.After, subscribed.Reset ?? ResetReason.StaleEpoch);
        }
        else if (subscribed.After > _head)
        {
            // It resumes us past our head (an answer to an earlier, live subscribe): the events in
            // between are in the journal, where our streams read them.
            MoveHeadTo(subscribed.After);
        }

        // Behind our head (an earlier answer), events we have come again and are skipped.
    }

    private void OnDeliver(Deliver deliver)
    {
        if (!IsUpstream(Sender))
        {
            return; // from a topic actor we no longer follow: its credit died with it
        }

        var events = deliver.Events;
        var skip = 0;
        while (skip < events.Count && (events[skip].Epoch != _epoch || events[skip].Sequence <= _head))
        {
            skip++; // had them already (resubscribed with an overlap)
        }

        if (skip < events.Count)
        {
            if (events[skip].Sequence != _head + 1)
            {
                Context.GetLogger().Warning("The feed of {0} received event {1} after {2}; it subscribes again from {2}", _topic.Value, events[skip].Sequence, _head);
                Resubscribe();
                return;
            }

            var batch = skip == 0 && events.Offset == 0 && events.Count == events.Array!.Length ? events.Array : events.Slice(skip).ToArray();
            foreach (var committed in batch)
            {
                _ring.Add(committed);
            }

            _head = batch[^1].Sequence;
            _subscribers.Committed(batch, _ring, _epoch, _head);
        }

        // Handed on (or kept for streams that lag): the topic may send as many again, granted
        // in chunks of half the window as a stream grants, not one message per delivery.
        _ungranted += events.Count;
        if (_ungranted >= GrantCredit.ReturnChunk(_settings.Credit))
        {
            Sender.Tell(GrantCredit.For(_ungranted), Self);
            _ungranted = 0;
        }
    }

    private void OnFellBehind(CatchUpRequired behind)
    {
        if (!IsUpstream(Sender) || behind.Epoch != _epoch)
        {
            return;
        }

        // We are behind the topic's memory (a new owner's ring does not reach back to our head):
        // rather than read the journal for streams that may not need it, the feed jumps to the
        // topic's head, and each stream behind it reads what it misses from the journal itself.
        MoveHeadTo(behind.Through);
        Sender.Tell(new CaughtUp(Self, _epoch, _head), Self);
    }

    private void OnReset(TopicReset reset)
    {
        if (IsUpstream(Sender))
        {
            StartOver(reset.Epoch, reset.After, reset.Reason);
        }
    }

    private void MoveHeadTo(ulong head)
    {
        if (head > _head)
        {
            _ring.Clear();
            _head = head;
            _subscribers.HeadMoved(_ring, _epoch, _head);
        }
    }

    private void StartOver(TopicEpoch epoch, ulong after, ResetReason reason)
    {
        _ring.Clear();
        _epoch = epoch;
        _head = after;
        _subscribers.Reset(epoch, after, reason);
    }

    private void Resubscribe()
    {
        if (_upstream is not null)
        {
            _upstream.Tell(new Unsubscribe(Self), Self);
            Context.Unwatch(_upstream);
            _upstream = null;
        }

        SubscribeToTopic();
    }

    private void OnRejected(SubscribeRejected rejected)
    {
        if (_upstream is not null)
        {
            return; // an answer to a repeated subscribe, from a topic actor we do not follow
        }

        // The topic could not start (its journal did not answer): our streams end, as they would
        // have subscribed directly, and their clients resume later.
        foreach (var subscriber in _subscribers.All.Concat(_awaitingTopic.Select(s => s.Subscriber)).Concat(_resolving.Keys))
        {
            subscriber.Tell(rejected, Self);
        }

        Context.Stop(Self);
    }

    private void OnSubscribe(Subscribe subscribe)
    {
        var subscriber = subscribe.Subscriber;
        if (_subscribers.Contains(subscriber) || _resolving.ContainsKey(subscriber) ||
            _awaitingTopic.Exists(waiting => ActorRefComparer.Instance.Equals(waiting.Subscriber, subscriber)))
        {
            return; // asked again before its answer came: the answer is on its way
        }

        _idleReported = false;
        if (_known)
        {
            Resolve(subscribe);
        }
        else
        {
            _awaitingTopic.Add(subscribe);
        }
    }

    /// <summary>Where a stream starts: decided here when the feed's own position tells, asked of the topic otherwise.</summary>
    private void Resolve(Subscribe subscribe)
    {
        var start = subscribe.Start switch
        {
            // Nothing was ever published (sequence numbers go on across deletes): whatever epoch
            // the id names, the client has missed nothing.
            StartPosition.After { Cursor.Sequence: 0 } when _head == 0 => new StartPosition.After(new EventCursor(_epoch, 0)),
            _ => subscribe.Start,
        };
        var resolvedHere = start switch
        {
            StartPosition.Live or StartPosition.Unusable => true,
            StartPosition.After { Cursor: var cursor } => cursor.Epoch == _epoch && cursor.Sequence <= _head,
            _ => false, // the earliest event: only the topic knows what it retains
        };
        if (resolvedHere)
        {
            // The topic's own rules, against the feed's position. Resolved here, nothing counts as
            // trimmed: what was trimmed shows as a gap in the stream's journal read, which tells the client.
            var plan = ResumePlan.Resolve(start, new TopicPosition(_epoch, _head, EarliestRetained: 1));
            Add(subscribe, plan.After, plan.Reset);
        }
        else
        {
            _resolving[subscribe.Subscriber] = subscribe;
            _topics.Tell(new ResolveStart(_topic, subscribe.Subscriber, subscribe.Start), Self);
        }
    }

    private void OnStartResolved(StartResolved resolved)
    {
        // Of another epoch than ours: a reset is on its way to us, or we are between two
        // owners; asked again at the next tick, against where we are then.
        if (resolved.Epoch == _epoch && _resolving.Remove(resolved.Subscriber, out var subscribe))
        {
            Add(subscribe, resolved.After, resolved.Reset);
        }
    }

    private void Add(Subscribe subscribe, ulong after, ResetReason? reset)
    {
        var subscriber = subscribe.Subscriber;
        Context.Watch(subscriber);
        _subscribers.Add(subscriber, after, 0);
        subscriber.Tell(new Subscribed(_topic, _epoch, after, reset), Self);
        _subscribers.Grant(subscriber, subscribe.Credit, _ring, _epoch, _head);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (IsUpstream(terminated.ActorRef))
        {
            // The topic stopped (passivated, its shard moved, its node left or died): subscribe
            // again after our head, to wherever it runs next. The region holds the subscribe
            // until the topic has a home.
            _upstream = null;
            SubscribeToTopic();
            return;
        }

        Remove(terminated.ActorRef);
    }

    private void Remove(IActorRef subscriber)
    {
        if (_subscribers.Remove(subscriber))
        {
            Context.Unwatch(subscriber);
            _idleSince = Environment.TickCount64;
            StopIfUnused();
        }
        else
        {
            _resolving.Remove(subscriber);
        }
    }

    private void StopIfUnused()
    {
        if (_released && Unused)
        {
            Context.Stop(Self);
        }
    }

    private void OnTick()
    {
        if (_upstream is null)
        {
            SubscribeToTopic(); // unanswered: the subscribe may have been lost with a stopping topic actor
        }

        foreach (var (subscriber, subscribe) in _resolving)
        {
            _topics.Tell(new ResolveStart(_topic, subscriber, subscribe.Start), Self);
        }

        if (Unused && !_idleReported && Environment.TickCount64 - _idleSince >= (long)_settings.Linger.TotalMilliseconds)
        {
            // Idle for a while: ask the parent to let go (it alone knows whether a subscribe
            // is on its way here).
            _idleReported = true;
            Context.Parent.Tell(new TopicFeeds.Idle(_topic), Self);
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
