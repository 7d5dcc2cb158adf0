namespace EventActors.Actors.Kernel;

/// <summary>
/// The system's publish/subscribe channel for system events (<see cref="DeadLetter"/>,
/// <see cref="UnhandledMessage"/>) and anything else published on it. A subscriber receives every
/// event assignable to a channel type it subscribed to.
/// </summary>
public sealed class EventStream
{
    private readonly object _gate = new();
    private Subscription[] _subscriptions = []; // copy-on-write: Publish reads without a lock

    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            if (Array.Exists(_subscriptions, s => ReferenceEquals(s.Subscriber, subscriber) && s.Channel == channel))
            {
                return false;
            }

            _subscriptions = [.. _subscriptions, new Subscription(subscriber, channel)];
            return true;
        }
    }

    public bool Subscribe<TChannel>(IActorRef subscriber) => Subscribe(subscriber, typeof(TChannel));

    public bool Unsubscribe(IActorRef subscriber, Type channel) =>
        Remove(s => ReferenceEquals(s.Subscriber, subscriber) && s.Channel == channel);

    public bool Unsubscribe(IActorRef subscriber) => Remove(s => ReferenceEquals(s.Subscriber, subscriber));

    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var eventType = @event.GetType();
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (!subscription.Channel.IsAssignableFrom(eventType))
            {
                continue;
            }

            // A stopped subscriber would turn each event into a dead letter, which is itself
            // published: drop it instead of feeding that loop.
            if (subscription.Subscriber is IInternalActorRef { IsTerminated: true })
            {
                Unsubscribe(subscription.Subscriber);
                continue;
            }

            subscription.Subscriber.Tell(@event, null);
        }
    }

    private bool Remove(Predicate<Subscription> match)
    {
        lock (_gate)
        {
            var kept = Array.FindAll(_subscriptions, s => !match(s));
            var removed = kept.Length != _subscriptions.Length;
            _subscriptions = kept;
            return removed;
        }
    }

    private sealed record Subscription(IActorRef Subscriber, Type Channel);
}
