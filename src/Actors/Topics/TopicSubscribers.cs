using Akka.Actor;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// The subscribers of one topic and how far each has got. Pushes committed events to those
/// with credit; a subscriber without credit is skipped (its memory stays bounded whatever the
/// publish rate) and is fed again from the ring, or sent to the journal, when credit returns.
/// Owned by the topic actor; not thread-safe.
/// </summary>
internal sealed class TopicSubscribers(TopicName topic, IActorRef topicActor)
{
    private readonly Dictionary<IActorRef, Subscriber> _byRef = new(ActorRefComparer.Instance);

    public int Count => _byRef.Count;

    public bool Contains(IActorRef subscriber) => _byRef.ContainsKey(subscriber);

    public IEnumerable<IActorRef> All => _byRef.Keys;

    /// <summary>
    /// Tells each subscriber on this node, as its topic actor or feed stops, that the subscription
    /// is over (<see cref="SubscriptionEnded"/>: local streams do not watch what feeds them). One
    /// on another node, a feed, watches its topic instead: its node may outlive this one.
    /// </summary>
    public void TellEnded()
    {
        var ended = new SubscriptionEnded(topic);
        foreach (var subscriber in _byRef.Keys)
        {
            if (subscriber.Path.Address.HasLocalScope)
            {
                subscriber.Tell(ended, topicActor);
            }
        }
    }

    public void Add(IActorRef subscriber, ulong after, int credit) =>
        _byRef[subscriber] = new Subscriber(subscriber) { Position = after, Credit = credit };

    public bool Remove(IActorRef subscriber) => _byRef.Remove(subscriber);

    public void Grant(IActorRef subscriber, int credit, EventRing ring, TopicEpoch epoch, ulong head)
    {
        if (_byRef.TryGetValue(subscriber, out var state))
        {
            state.Credit += credit;
            Feed(state, ring, epoch, head);
        }
    }

    public void CaughtUp(IActorRef subscriber, TopicEpoch caughtUpEpoch, ulong position, EventRing ring, TopicEpoch epoch, ulong head)
    {
        // A catch-up of an epoch the topic has left behind says nothing about this one: taking
        // its position would skip the new epoch's first events.
        if (caughtUpEpoch == epoch && _byRef.TryGetValue(subscriber, out var state) && state.CatchingUp)
        {
            state.CatchingUp = false;
            state.Position = Math.Max(state.Position, position);
            Feed(state, ring, epoch, head);
        }
    }

    /// <summary>New events were committed, <paramref name="batch"/> being all of them, consecutive.</summary>
    public void Committed(CommittedEvent[] batch, EventRing ring, TopicEpoch epoch, ulong head)
    {
        var first = batch[0].Sequence;
        Deliver? shared = null;
        foreach (var state in _byRef.Values)
        {
            if (!state.CatchingUp && state.Position == first - 1 && state.Credit >= batch.Length)
            {
                // The common case: up to date with room for the whole batch. Every such subscriber
                // gets the same message (it is immutable): nothing is allocated per subscriber.
                Deliver(state, shared ??= new Deliver(topic, new ArraySegment<CommittedEvent>(batch)));
            }
            else
            {
                Feed(state, ring, epoch, head);
            }
        }
    }

    /// <summary>
    /// The head moved to <paramref name="head"/> without the events being handed over (a feed
    /// fell behind its topic's memory): whoever has credit is fed from the ring or sent to the journal.
    /// </summary>
    public void HeadMoved(EventRing ring, TopicEpoch epoch, ulong head)
    {
        foreach (var state in _byRef.Values)
        {
            Feed(state, ring, epoch, head);
        }
    }

    /// <summary>The topic starts over under a new epoch, numbered after <paramref name="after"/>: everyone continues from its beginning.</summary>
    public void Reset(TopicEpoch epoch, ulong after, ResetReason reason)
    {
        foreach (var state in _byRef.Values)
        {
            state.Position = after;
            state.CatchingUp = false;
            state.Ref.Tell(new TopicReset(topic, epoch, after, reason), topicActor);
        }
    }

    private void Feed(Subscriber state, EventRing ring, TopicEpoch epoch, ulong head)
    {
        if (state.CatchingUp || state.Credit <= 0 || state.Position >= head)
        {
            return;
        }

        if (ring.CanServeAfter(state.Position))
        {
            Deliver(state, new ArraySegment<CommittedEvent>(ring.After(state.Position, state.Credit)));
        }
        else
        {
            state.CatchingUp = true;
            state.Ref.Tell(new CatchUpRequired(topic, epoch, state.Position, head), topicActor);
        }
    }

    private void Deliver(Subscriber state, ArraySegment<CommittedEvent> events) => Deliver(state, new Deliver(topic, events));

    private void Deliver(Subscriber state, Deliver message)
    {
        state.Position = message.Events[^1].Sequence;
        state.Credit -= message.Events.Count;
        state.Ref.Tell(message, topicActor);
    }

    private sealed class Subscriber(IActorRef actor)
    {
        public IActorRef Ref { get; } = actor;
        public ulong Position;   // last sequence delivered (or known to the subscriber)
        public int Credit;       // events it may still be sent
        public bool CatchingUp;  // reading the journal; not pushed to until CaughtUp
    }
}
