using Akka.Actor;
using Akka.Cluster.Sharding;
using EventActors.Actors.Journal;
using EventActors.Actors.Tests.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>
/// Topics as the entities of a real shard region, in a cluster of one on loopback, on a real
/// SQLite journal: routing, passivation, a failed topic replaced, the hand-off of a shard.
/// </summary>
public sealed class TopicShardingTests() : SqliteJournalTest("topic-sharding", TopicSharding.ClusterOfOneConfig)
{
    private static readonly TopicName Topic = TopicName.Parse("tests.sharded");
    private readonly TopicGauges _gauges = new();
    private GatedJournal _journal = null!;

    protected override IEventJournal PluginJournal(SqliteJournal sqlite) => _journal = new GatedJournal(sqlite);

    private static TopicSettings Settings(TimeSpan? idle = null) => new(16, long.MaxValue, idle ?? TimeSpan.FromMinutes(5));

    private async Task<IActorRef> StartRegionAsync(TopicSettings? settings = null, DormantTopics? dormant = null)
    {
        Assert.True(await TopicSharding.JoinSelfAsync(Sys, DefaultTimeout), "the node did not see itself up");
        var services = Services() with { Gauges = _gauges };
        return await TopicSharding.StartAsync(Sys, dormant is null ? services : services with { Dormant = dormant }, settings ?? Settings(), shards: 10);
    }

    private static Publish PublishOf(string data) => new(Topic, [new NewEvent(System.Text.Encoding.UTF8.GetBytes(data))]);

    [Fact]
    public async Task A_topic_reached_through_the_region_says_which_node_owns_it()
    {
        var region = await StartRegionAsync();
        region.Tell(PublishOf("first"), TestActor);
        ExpectMsg<PublishAccepted>();

        var status = await region.Ask<TopicStatus>(new GetTopicStatus(Topic), DefaultTimeout);
        Assert.Equal(Akka.Cluster.Cluster.Get(Sys).SelfAddress, status.Owner);
        Assert.Equal(1UL, status.Info.Head);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failed_write_is_answered_with_a_rejection_that_says_whether_it_may_have_been_committed_and_a_fresh_actor_carries_on(bool brokeMidCommit)
    {
        var region = await StartRegionAsync();
        region.Tell(PublishOf("first"), TestActor);
        ExpectMsg<PublishAccepted>();
        var failing = LastSender;
        Watch(failing);

        _journal.FailAppendsWith = new JournalUnreachableException("the database went away", outcomeUnknown: brokeMidCommit);
        region.Tell(PublishOf("lost?"), TestActor);
        var rejected = ExpectMsg<PublishRejected>();
        Assert.Equal(brokeMidCommit, rejected.OutcomeUnknown);
        Assert.Contains("the database went away", rejected.Reason);
        ExpectTerminated(failing); // its view of the head cannot be trusted any more

        _journal.FailAppendsWith = null; // a fresh actor recovers the head and goes on
        region.Tell(PublishOf("next"), TestActor);
        Assert.Equal(2UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
    }

    [Fact]
    public async Task A_subscribe_sent_right_after_its_topic_stopped_is_served_by_a_new_one()
    {
        var region = await StartRegionAsync();
        region.Tell(PublishOf("first"), TestActor);
        ExpectMsg<PublishAccepted>();
        var first = LastSender;

        Assert.True(await first.GracefulStop(DefaultTimeout)); // stopped: its shard may not have seen it yet
        var subscriber = CreateTestProbe();
        region.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 10));
        Assert.Equal(0UL, subscriber.ExpectMsg<Subscribed>().After);
        Assert.NotEqual(first, subscriber.LastSender);
        Assert.Equal(1UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence); // replayed into the new actor's ring
    }

    [Fact]
    public async Task A_region_that_shuts_down_hands_its_topics_off_after_they_answer_what_reached_them()
    {
        var region = await StartRegionAsync();
        Watch(region);
        region.Tell(PublishOf("one"), TestActor);
        ExpectMsg<PublishAccepted>();
        _journal.HoldAppends();
        region.Tell(PublishOf("two"), TestActor);
        _journal.WaitForHeldAppend();

        region.Tell(GracefulShutdown.Instance); // what a node that leaves does, shard by shard
        _journal.ReleaseAppends();
        Assert.Equal(2UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
        ExpectTerminated(region);
        AwaitCondition(() => _gauges.RunningTopics == 0);
    }

    [Fact]
    public async Task An_idle_topic_passivates_cold_when_no_dormant_state_is_kept_and_starts_again_on_demand_with_its_head()
    {
        var dormant = new DormantTopics(maxBytes: 0);
        var region = await StartRegionAsync(Settings(idle: TimeSpan.FromMilliseconds(100)), dormant);
        region.Tell(PublishOf("before"), TestActor);
        ExpectMsg<PublishAccepted>();
        Watch(LastSender);
        ExpectTerminated(LastSender);
        AwaitCondition(() => _gauges.RunningTopics == 0);
        Assert.Equal(0, dormant.Count);

        region.Tell(PublishOf("after"), TestActor);
        Assert.Equal(2UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence); // recovered its head
        Assert.Equal(1, _gauges.RunningTopics);
    }

    [Fact]
    public async Task An_idle_topic_passivates_dormant_and_its_shard_starts_it_again_from_that_state()
    {
        var dormant = new DormantTopics(DormantTopics.DefaultMaxBytes);
        var region = await StartRegionAsync(Settings(idle: TimeSpan.FromMilliseconds(100)), dormant);
        region.Tell(PublishOf("before"), TestActor);
        var epoch = ExpectMsg<PublishAccepted>().Epoch;
        Watch(LastSender);
        ExpectTerminated(LastSender);
        AwaitCondition(() => _gauges.RunningTopics == 0);
        Assert.Equal(1, dormant.Count);

        // The shard that hosted it vouches for its state: nothing is read back from the journal.
        _journal.FailSnapshotLoadsWith = new InvalidOperationException("the dormant state was not used");
        region.Tell(PublishOf("after"), TestActor);
        var accepted = ExpectMsg<PublishAccepted>();
        Assert.Equal((epoch, 2UL), (accepted.Epoch, accepted.Events.Single().Sequence));
        Assert.Equal(0, dormant.Count);
    }

    [Fact]
    public async Task A_topic_with_a_subscriber_stays_however_long_nothing_is_published()
    {
        var region = await StartRegionAsync(Settings(idle: TimeSpan.FromMilliseconds(100)));
        var subscriber = CreateTestProbe();
        region.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 10));
        subscriber.ExpectMsg<Subscribed>();
        var topic = subscriber.LastSender;
        Assert.Equal(1, _gauges.SubscribersOf(Topic));

        // A topic with no subscriber, started after it with the same idle timeout, passivates:
        // by then the subscribed one has been through as many idle checks past its timeout.
        region.Tell(new Publish(TopicName.Parse("tests.unwatched"), [new NewEvent("x"u8.ToArray())]), TestActor);
        ExpectMsg<PublishAccepted>();
        Watch(LastSender);
        ExpectTerminated(LastSender);

        // It still answers, as the same actor, and delivers.
        region.Tell(new GetTopicStatus(Topic), TestActor);
        Assert.Equal(1, ExpectMsg<TopicStatus>().Subscribers);
        Assert.Equal(topic, LastSender);

        region.Tell(PublishOf("still there"), TestActor);
        ExpectMsg<PublishAccepted>();
        Assert.Equal(topic, LastSender);
        Assert.Equal(1UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence);
    }
}
