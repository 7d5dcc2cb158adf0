using Akka.Actor;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// Finds or starts the <see cref="TopicActor"/> of a topic, in the shape of a shard region: the
/// entity id is taken from each message (<see cref="ITopicMessage.Topic"/>), so a cluster can
/// later route a message to the node that owns the topic without the endpoints changing.
/// </summary>
/// <remarks>
/// Passivation follows the shard-region protocol: a topic asks to be stopped, messages for it
/// are buffered until it has stopped, and a buffered message starts it again. A topic actor that
/// fails is stopped, not restarted (its subscribers watch it and subscribe again, from their exact
/// position, which starts a fresh actor).
/// </remarks>
public sealed class TopicRegistry : ReceiveActor
{
    private readonly Func<TopicName, Props> _topicProps;
    private readonly Func<bool> _journalReachable;
    private readonly Dictionary<TopicName, IActorRef> _topics = [];
    private readonly Dictionary<TopicName, List<(object Message, IActorRef Sender)>> _passivating = [];
    private readonly Dictionary<TopicName, int> _subscriberCounts = [];
    private readonly Dictionary<TopicName, List<(object Message, IActorRef Sender)>> _recovering = [];
    private IActorRef? _stopRequestedBy;

    /// <param name="topicProps">The props of a topic's actor.</param>
    /// <param name="journalReachable">
    /// False while the journal is known to be unreachable: a topic that is not running is then not
    /// started (its recovery could only fail), and what was sent to it is refused at once.
    /// </param>
    public TopicRegistry(Func<TopicName, Props> topicProps, Func<bool>? journalReachable = null)
    {
        _topicProps = topicProps;
        _journalReachable = journalReachable ?? (static () => true);
        Receive<ITopicMessage>(message =>
        {
            if (_passivating.TryGetValue(message.Topic, out var buffer))
            {
                buffer.Add((message, Sender));
                return;
            }

            if (_topics.ContainsKey(message.Topic) && Context.Child(message.Topic.Value).IsNobody())
            {
                // Stopped (no longer our child), and its Terminated is still behind this message
                // in our mailbox (a subscriber that watched it may already be subscribing again):
                // hold the message until the Terminated arrives, which starts a fresh actor and
                // replays it.
                _passivating[message.Topic] = [(message, Sender)];
                return;
            }

            if (!_topics.ContainsKey(message.Topic) && !_journalReachable())
            {
                AnswerUnrecovered(message.Topic, [(message, Sender)], "the journal cannot reach its database; retry later");
                return;
            }

            TopicActorFor(message.Topic).Forward(message);
            if (_recovering.TryGetValue(message.Topic, out var unanswered))
            {
                unanswered.Add((message, Sender));
            }
        });
        Receive<HandOffDeclined>(declined =>
        {
            // A subscriber reached the topic after it asked to passivate: it stays, and what was
            // held for its successor goes to it (stopping would lose an epoch it never saved).
            if (_topics.TryGetValue(declined.Topic, out var actor) && ReferenceEquals(actor, Sender) && _stopRequestedBy is null &&
                _passivating.Remove(declined.Topic, out var buffered))
            {
                foreach (var (message, sender) in buffered)
                {
                    actor.Tell(message, sender);
                }
            }
        });
        Receive<TopicRecoveryFailed>(failed =>
        {
            if (_topics.TryGetValue(failed.Topic, out var actor) && ReferenceEquals(actor, Sender) && _recovering.Remove(failed.Topic, out var unanswered))
            {
                AnswerUnrecovered(failed.Topic, unanswered, failed.Reason);
            }
        });
        Receive<TopicRecovered>(recovered =>
        {
            if (_topics.TryGetValue(recovered.Topic, out var actor) && ReferenceEquals(actor, Sender))
            {
                _recovering.Remove(recovered.Topic);
            }
        });
        Receive<Passivate>(passivate =>
        {
            if (_topics.TryGetValue(passivate.Topic, out var actor) && ReferenceEquals(actor, Sender) &&
                !_passivating.ContainsKey(passivate.Topic))
            {
                _passivating[passivate.Topic] = [];
                // A user message, not Stop: it queues behind publishes already on their way to
                // the topic, which are answered before it stops.
                actor.Tell(HandOff.Passivation, Self);
            }
        });
        Receive<Terminated>(terminated =>
        {
            // A topic actor is named after its topic (topic names are valid actor names).
            var topic = TopicName.Parse(terminated.ActorRef.Path.Name);
            _subscriberCounts.Remove(topic);
            if (_recovering.Remove(topic, out var unanswered))
            {
                AnswerUnrecovered(topic, unanswered, "it stopped before it had recovered");
            }

            if (_topics.Remove(topic) && _passivating.Remove(topic, out var buffered) && _stopRequestedBy is null)
            {
                foreach (var (message, sender) in buffered)
                {
                    TopicActorFor(topic).Tell(message, sender);
                    _recovering[topic].Add((message, sender));
                }
            }

            StopIfDrained();
        });
        Receive<GetActiveTopicCount>(_ => Sender.Tell(new ActiveTopicCount(_topics.Count)));
        Receive<SubscriberCountChanged>(changed =>
        {
            if (changed.Subscribers == 0)
            {
                _subscriberCounts.Remove(changed.Topic);
            }
            else
            {
                _subscriberCounts[changed.Topic] = changed.Subscribers;
            }
        });
        Receive<GetSubscriberCounts>(_ => Sender.Tell(new SubscriberCounts(new Dictionary<TopicName, int>(_subscriberCounts))));
        Receive<StopAllTopics>(_ =>
        {
            // Shutdown: every topic answers what reached it, then stops; the registry follows.
            _stopRequestedBy = Sender;
            foreach (var (topic, actor) in _topics)
            {
                _passivating.TryAdd(topic, []);
                actor.Tell(HandOff.Shutdown, Self);
            }

            StopIfDrained();
        });
    }

    public static Props Props(TopicServices services, TopicSettings settings) =>
        Akka.Actor.Props.Create(() => new TopicRegistry(topic => TopicActor.Props(topic, services, settings), services.JournalReachable));

    /// <summary>A failed topic is stopped, never restarted: its subscribers resubscribe from their exact positions.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void StopIfDrained()
    {
        if (_stopRequestedBy is not null && _topics.Count == 0)
        {
            _stopRequestedBy.Tell(StopAllTopics.Instance, Self);
            Context.Stop(Self);
        }
    }

    private IActorRef TopicActorFor(TopicName topic)
    {
        if (!_topics.TryGetValue(topic, out var actor))
        {
            // Topic names are valid actor names: dotted segments of letters, digits, '_' and '-'.
            actor = Context.Watch(Context.ActorOf(_topicProps(topic), topic.Value));
            _topics[topic] = actor;
            _recovering[topic] = [];
        }

        return actor;
    }

    /// <summary>
    /// A topic actor stopped before it recovered (its journal did not answer): Akka.Persistence
    /// dropped what it had stashed, so everyone who sent it something is answered here, or a
    /// publisher would wait out its timeout and a stream would wait for ever.
    /// </summary>
    private static void AnswerUnrecovered(TopicName topic, List<(object Message, IActorRef Sender)> unanswered, string cause)
    {
        var reason = $"Topic '{topic}' could not recover its state from the journal: {cause}";
        foreach (var (message, sender) in unanswered)
        {
            switch (message)
            {
                case Publish:
                    sender.Tell(new PublishRejected(topic, reason, OutcomeUnknown: false));
                    break;
                case Subscribe subscribe:
                    subscribe.Subscriber.Tell(new SubscribeRejected(topic, reason));
                    break;
                case GetTopicStatus or DeleteTopic:
                    sender.Tell(new TopicUnavailable(topic, reason));
                    break;
            }
        }
    }
}

/// <summary>From the registry to a topic: stop once nothing is in flight.</summary>
internal sealed class HandOff
{
    private HandOff(bool shutdown) => IsShutdown = shutdown;

    /// <summary>The topic asked to passivate: it may decline (<see cref="HandOffDeclined"/>) if it is no longer idle.</summary>
    public static readonly HandOff Passivation = new(shutdown: false);

    /// <summary>The node is stopping: the topic stops whatever it serves.</summary>
    public static readonly HandOff Shutdown = new(shutdown: true);

    public bool IsShutdown { get; }
}

/// <summary>From a topic to its registry: a subscriber arrived after it asked to passivate, so it stays.</summary>
internal sealed record HandOffDeclined(TopicName Topic);

/// <summary>
/// Shutdown: every topic finishes what reached it and stops, then the registry stops. Answered
/// with the same message once done. Messages for topics after it are not served.
/// </summary>
public sealed class StopAllTopics
{
    public static readonly StopAllTopics Instance = new();
}

/// <summary>Asks the registry how many topic actors are running (answered with <see cref="ActiveTopicCount"/>).</summary>
public sealed record GetActiveTopicCount
{
    public static readonly GetActiveTopicCount Instance = new();
}

public sealed record ActiveTopicCount(int Count);
