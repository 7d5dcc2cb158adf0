using System.Text;
using Akka.Actor;
using Akka.TestKit;
using EventActors.Actors.Feeds;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Feeds;

/// <summary>
/// A node's feeds of topics, in front of a real shard region (a cluster of one on loopback, a real
/// SQLite journal), told that other nodes are members: streams of one topic share one
/// subscription; starts are resolved exactly; a topic that stops or starts over is followed
/// without a gap or a duplicate. (The three-node tests of the host run them across processes.)
/// </summary>
public sealed class TopicFeedTests() : SqliteJournalTest("topic-feeds", TopicSharding.ClusterOfOneConfig)
{
    private static readonly TopicName Topic = TopicName.Parse("tests.fed");
    private IActorRef _region = null!;
    private IActorRef _feeds = null!;

    private async Task StartAsync(bool clustered = true, TimeSpan? linger = null)
    {
        Assert.True(await TopicSharding.JoinSelfAsync(Sys, DefaultTimeout), "the node did not see itself up");
        _region = await TopicSharding.StartAsync(Sys, Services(), new TopicSettings(16, long.MaxValue, TimeSpan.FromMinutes(5)), shards: 10);
        var settings = new TopicFeedSettings(16, long.MaxValue, Credit: 4, Tick: TimeSpan.FromMilliseconds(200), linger ?? TimeSpan.FromMinutes(5));
        _feeds = Sys.ActorOf(TopicFeeds.Props(_region, settings, () => clustered));
    }

    /// <summary>Publishes events and returns the topic actor that committed them.</summary>
    private IActorRef Publish(params string[] data)
    {
        _region.Tell(new Publish(Topic, data.Select(d => new NewEvent(Encoding.UTF8.GetBytes(d))).ToList()), TestActor);
        ExpectMsg<PublishAccepted>();
        return LastSender;
    }

    private TopicEpoch EpochOfTopic() => _region.Ask<TopicStatus>(new GetTopicStatus(Topic), DefaultTimeout).Result.Info.Epoch;

    private (TestProbe Probe, Subscribed Answer, IActorRef Feed) Subscribe(StartPosition start, int credit = 100)
    {
        var probe = CreateTestProbe();
        _feeds.Tell(new Subscribe(Topic, probe.Ref, start, credit));
        var answer = probe.ExpectMsg<Subscribed>();
        return (probe, answer, probe.LastSender);
    }

    /// <summary>Takes delivered events until <paramref name="through"/>, granting their credit back, and asserts they are exactly the ones after <paramref name="after"/>.</summary>
    private static void ExpectEvents(TestProbe probe, ulong after, ulong through)
    {
        var next = after + 1;
        while (next <= through)
        {
            var deliver = probe.ExpectMsg<Deliver>();
            foreach (var committed in deliver.Events)
            {
                Assert.Equal(next++, committed.Sequence);
            }

            probe.Reply(GrantCredit.For(deliver.Events.Count));
        }
    }

    [Fact]
    public async Task Streams_of_one_topic_on_a_node_share_one_subscription_and_the_same_events()
    {
        await StartAsync();
        Publish("before");
        var (first, _, feed) = Subscribe(StartPosition.Live.Instance);
        var (second, _, sameFeed) = Subscribe(StartPosition.Live.Instance);
        Assert.Equal(feed, sameFeed);

        Publish("a", "b");
        var toFirst = first.ExpectMsg<Deliver>();
        var toSecond = second.ExpectMsg<Deliver>();
        Assert.Equal([2UL, 3UL], toFirst.Events.Select(e => e.Sequence));
        Assert.All(toFirst.Events.Zip(toSecond.Events), pair => Assert.Same(pair.Item1, pair.Item2)); // encoded once for the node

        var status = await _region.Ask<TopicStatus>(new GetTopicStatus(Topic), DefaultTimeout);
        Assert.Equal(1, status.Subscribers); // the feed, not each stream
    }

    [Fact]
    public async Task A_node_alone_subscribes_its_streams_to_the_topic_itself()
    {
        await StartAsync(clustered: false);
        var topicActor = Publish("one");
        var (_, _, servedBy) = Subscribe(StartPosition.Live.Instance);
        Assert.Equal(topicActor, servedBy);
    }

    [Fact]
    public async Task A_stream_resuming_behind_the_feed_reads_the_journal_then_goes_live_exactly()
    {
        await StartAsync();
        Publish("1", "2", "3");
        var epoch = EpochOfTopic();
        var (probe, answer, feed) = Subscribe(new StartPosition.After(new EventCursor(epoch, 1)));
        Assert.Equal(1UL, answer.After);
        Assert.Null(answer.Reset);

        var catchUp = probe.ExpectMsg<CatchUpRequired>(); // the feed joined at 3 and holds nothing before
        Assert.Equal((1UL, 3UL), (catchUp.After, catchUp.Through));
        feed.Tell(new CaughtUp(probe.Ref, epoch, 3), probe.Ref);
        Publish("4");
        ExpectEvents(probe, after: 3, through: 4);
    }

    [Fact]
    public async Task The_earliest_event_and_an_id_of_another_epoch_are_resolved_by_the_topic()
    {
        await StartAsync();
        Publish("1", "2");
        Subscribe(StartPosition.Live.Instance); // the feed runs, at 2

        var (_, earliest, _) = Subscribe(StartPosition.Earliest.Instance);
        Assert.Equal((0UL, (ResetReason?)null), (earliest.After, earliest.Reset));

        var (_, stale, _) = Subscribe(new StartPosition.After(new EventCursor(TopicEpoch.NewRandom(), 1)));
        Assert.Equal((0UL, (ResetReason?)ResetReason.StaleEpoch), (stale.After, stale.Reset));

        var (_, ahead, _) = Subscribe(new StartPosition.After(new EventCursor(EpochOfTopic(), 9)));
        Assert.Equal((2UL, (ResetReason?)ResetReason.AheadOfHead), (ahead.After, ahead.Reset));

        var (_, malformed, _) = Subscribe(new StartPosition.Unusable(CursorError.Malformed, "x"));
        Assert.Equal((2UL, (ResetReason?)ResetReason.MalformedId), (malformed.After, malformed.Reset));
    }

    [Fact]
    public async Task When_its_topic_stops_the_feed_follows_the_next_one_and_its_streams_see_no_gap_and_no_duplicate()
    {
        await StartAsync();
        var topicActor = Publish("1");
        var (probe, answer, _) = Subscribe(StartPosition.Live.Instance);
        Assert.Equal(1UL, answer.After);
        Publish("2", "3");
        ExpectEvents(probe, after: 1, through: 3);

        // Stopped under its shard's feet, as a node that dies loses it; publishes reach its successor.
        Assert.True(await topicActor.GracefulStop(DefaultTimeout));
        var successor = Publish("4", "5");
        Assert.NotEqual(topicActor, successor);
        Publish("6");

        ExpectEvents(probe, after: 3, through: 6); // nothing else first: no new Subscribed, no reset
    }

    [Fact]
    public async Task A_deleted_topic_resets_the_streams_of_its_feed()
    {
        await StartAsync();
        Publish("1", "2");
        var (probe, _, _) = Subscribe(StartPosition.Live.Instance);
        _region.Tell(new DeleteTopic(Topic), TestActor);
        var deleted = ExpectMsg<TopicDeleted>();

        var reset = probe.ExpectMsg<TopicReset>();
        Assert.Equal((deleted.NewEpoch, 2UL, ResetReason.TopicDeleted), (reset.Epoch, reset.After, reset.Reason));
        Publish("3");
        var deliver = probe.ExpectMsg<Deliver>();
        Assert.Equal((deleted.NewEpoch, 3UL), (deliver.Events.Single().Epoch, deliver.Events.Single().Sequence));
    }

    [Fact]
    public async Task A_stream_without_credit_holds_back_no_other_and_is_fed_from_the_ring_when_it_has_some()
    {
        await StartAsync();
        Publish("0");
        var (slow, _, feed) = Subscribe(StartPosition.Live.Instance, credit: 1);
        var (fast, _, _) = Subscribe(StartPosition.Live.Instance);

        for (var i = 0; i < 6; i++)
        {
            Publish($"e{i}"); // more than the feed's own credit with its topic (4): it hands credit back as it goes
        }

        ExpectEvents(fast, after: 1, through: 7);
        Assert.Equal(2UL, slow.ExpectMsg<Deliver>().Events.Single().Sequence);
        feed.Tell(GrantCredit.For(100), slow.Ref);
        var rest = slow.ExpectMsg<Deliver>();
        Assert.Equal([3UL, 4UL, 5UL, 6UL, 7UL], rest.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_feed_that_stops_tells_its_streams_so_that_they_subscribe_again()
    {
        await StartAsync();
        var (probe, _, feed) = Subscribe(StartPosition.Live.Instance);
        Watch(feed);
        feed.Tell(PoisonPill.Instance);
        ExpectTerminated(feed);
        probe.ExpectMsg(new SubscriptionEnded(Topic)); // streams do not watch their feed
    }

    [Fact]
    public async Task A_feed_nobody_reads_any_more_stops_and_leaves_its_topic()
    {
        await StartAsync(linger: TimeSpan.FromMilliseconds(100));
        Publish("1");
        var (probe, _, feed) = Subscribe(StartPosition.Live.Instance);
        Watch(feed);
        feed.Tell(new Unsubscribe(probe.Ref), probe.Ref);
        ExpectTerminated(feed);
        AwaitAssert(() => Assert.Equal(0, _region.Ask<TopicStatus>(new GetTopicStatus(Topic), DefaultTimeout).Result.Subscribers));

        var (_, again, newFeed) = Subscribe(StartPosition.Live.Instance); // a stream that comes later gets a new feed
        Assert.NotEqual(feed, newFeed);
        Assert.Equal(1UL, again.After);
    }
}
