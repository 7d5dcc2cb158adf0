using Akka.Actor;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Feeds;

/// <summary>
/// Where this node's streams subscribe to topics. While the node has the cluster to itself, a
/// subscribe goes straight to the topics' shard region (every topic is local). Once there are
/// other nodes, it goes to this node's <see cref="TopicFeed"/> of the topic, started on first use:
/// one subscription to the topic per node, however many streams read it here.
/// </summary>
/// <remarks>
/// A stream that subscribed straight to a topic before other nodes joined keeps that subscription
/// (it is correct, only not shared) until it reconnects. A feed that has served no one for
/// <see cref="TopicFeedSettings.Linger"/> asks to be let go; it is forgotten first and then told,
/// so a subscribe that comes meanwhile starts a new feed and none is lost.
/// </remarks>
public sealed class TopicFeeds : ReceiveActor
{
    private readonly IActorRef _topics;
    private readonly TopicFeedSettings _settings;
    private readonly Func<bool> _clustered;
    private readonly Dictionary<TopicName, IActorRef> _feeds = [];

    /// <param name="topics">The topics' shard region.</param>
    /// <param name="clustered">Whether other nodes are members now: feeds are used only then.</param>
    public TopicFeeds(IActorRef topics, TopicFeedSettings settings, Func<bool> clustered)
    {
        _topics = topics;
        _settings = settings;
        _clustered = clustered;
        Receive<Subscribe>(subscribe =>
        {
            if (_clustered())
            {
                FeedOf(subscribe.Topic).Forward(subscribe);
            }
            else
            {
                _topics.Forward(subscribe);
            }
        });
        Receive<Idle>(idle =>
        {
            if (_feeds.TryGetValue(idle.Topic, out var feed) && feed.Equals(Sender))
            {
                _feeds.Remove(idle.Topic);
                Context.Unwatch(feed);
                feed.Tell(Release.Instance);
            }
        });
        Receive<Terminated>(terminated =>
        {
            foreach (var (topic, feed) in _feeds)
            {
                if (feed.Equals(terminated.ActorRef))
                {
                    _feeds.Remove(topic);
                    break;
                }
            }
        });
        Receive<GetFeedCount>(_ => Sender.Tell(_feeds.Count));
    }

    public static Props Props(IActorRef topics, TopicFeedSettings settings, Func<bool> clustered) =>
        Akka.Actor.Props.Create(() => new TopicFeeds(topics, settings, clustered));

    /// <summary>A feed that fails stops (its streams see it end and subscribe again from their exact positions); restarted, it would have forgotten them.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private IActorRef FeedOf(TopicName topic)
    {
        if (!_feeds.TryGetValue(topic, out var feed))
        {
            feed = Context.Watch(Context.ActorOf(TopicFeed.Props(topic, _topics, _settings)));
            _feeds[topic] = feed;
        }

        return feed;
    }

    /// <summary>From a feed: it has served no one for a while.</summary>
    internal sealed record Idle(TopicName Topic);

    /// <summary>To a feed: it is forgotten, and stops once it serves no one.</summary>
    internal sealed class Release
    {
        public static readonly Release Instance = new();
    }

    /// <summary>Answered with the number of running feeds (an int): for tests and diagnostics.</summary>
    public sealed class GetFeedCount
    {
        public static readonly GetFeedCount Instance = new();
    }
}

/// <summary>Settings of every <see cref="TopicFeed"/>.</summary>
/// <param name="RingSize">Events a feed keeps for streams slightly behind (as a topic's ring).</param>
/// <param name="RingMaxBytes">Bytes the ring may hold.</param>
/// <param name="Credit">Events the topic may have in flight to the feed: bounds what a topic buffers for a node.</param>
/// <param name="Tick">How often a feed asks again what went unanswered, and checks whether it is idle.</param>
/// <param name="Linger">How long a feed serving no one stays, for streams that come back (a reconnect).</param>
public sealed record TopicFeedSettings(int RingSize, long RingMaxBytes, int Credit, TimeSpan Tick, TimeSpan Linger);
