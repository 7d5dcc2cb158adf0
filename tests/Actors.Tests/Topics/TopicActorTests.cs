using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Persistence;
using EventActors.Actors.Tests.Journal;
using EventActors.Actors.Tests.Persistence;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>The topic actor as an Akka.Persistence actor on a real SQLite journal, through its plugins.</summary>
public sealed class TopicActorTests() : SqliteJournalTest("topic-actor")
{
    private static readonly TopicName Topic = TopicName.Parse("tests.topic");
    private GatedJournal _journal = null!;

    protected override IEventJournal PluginJournal(SqliteJournal sqlite) => _journal = new GatedJournal(sqlite);

    private static TopicSettings Settings(int ringSize = 16, TimeSpan? idle = null, Retention? retention = null, int snapshotEvery = 1000) =>
        new(ringSize, long.MaxValue, idle ?? TimeSpan.FromMinutes(5), Retention: retention, RetentionInterval: TimeSpan.FromMilliseconds(50), SnapshotEvery: snapshotEvery);

    /// <summary>An hour's age limit, and the topic's own retention tick an hour away: only the sweep's question trims it.</summary>
    private static TopicSettings SweptSettings =>
        Settings(retention: new Retention { MaxAge = TimeSpan.FromHours(1) }) with { RetentionInterval = TimeSpan.FromHours(1) };

    private IActorRef StartTopic(TopicSettings? settings = null, TopicName? topic = null, TimeProvider? time = null) =>
        Sys.ActorOf(TopicActor.Props(topic ?? Topic, Services(time), settings ?? Settings()));

    private async Task<IActorRef> RestartAsync(IActorRef topic, TopicSettings? settings = null)
    {
        Assert.True(await topic.GracefulStop(DefaultTimeout));
        return StartTopic(settings);
    }

    private static Publish PublishOf(params string[] data) =>
        new(Topic, data.Select(d => new NewEvent(System.Text.Encoding.UTF8.GetBytes(d))).ToArray());

    private static Publish PublishKeyed(params (string Data, string Key)[] events) =>
        new(Topic, events.Select(e => new NewEvent(System.Text.Encoding.UTF8.GetBytes(e.Data), idempotencyKey: e.Key)).ToArray());

    private void PublishAndExpect(IActorRef topic, int count)
    {
        for (var i = 0; i < count; i++)
        {
            topic.Tell(PublishOf($"e{i}"), TestActor);
            ExpectMsg<PublishAccepted>();
        }
    }

    private async Task<TopicInfo> StatusAsync(IActorRef topic) => (await topic.Ask<TopicStatus>(new GetTopicStatus(Topic), DefaultTimeout)).Info;

    [Fact]
    public async Task Publishes_that_arrive_while_a_write_is_in_flight_go_into_the_next_write_together()
    {
        var topic = StartTopic();
        _journal.HoldAppends();
        topic.Tell(PublishOf("first"), TestActor);
        _journal.WaitForHeldAppend();

        for (var i = 0; i < 50; i++)
        {
            topic.Tell(PublishOf($"waiting {i}"), TestActor);
        }

        // The actor is idle but for the held write; an Ask it answers shows it has taken all 50.
        Assert.Equal(0, (await topic.Ask<TopicStatus>(new GetTopicStatus(Topic), DefaultTimeout)).Subscribers);
        _journal.ReleaseAppends();

        var sequences = ReceiveN(51).Cast<PublishAccepted>().Select(a => a.Events.Single().Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 51).Select(i => (ulong)i), sequences);
        Assert.Equal([1, 50], _journal.AppendSizes); // one write for the first, one for the 50 that waited
    }

    [Fact]
    public void A_subscriber_without_credit_is_not_pushed_to_and_catches_up_when_credit_returns()
    {
        var topic = StartTopic(Settings(ringSize: 1000));
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 5));
        subscriber.ExpectMsg<Subscribed>();
        PublishAndExpect(topic, 20);

        var delivered = new List<ulong>();
        while (delivered.Count < 5)
        {
            delivered.AddRange(subscriber.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));
        }

        // Out of credit: nothing more is pushed, however many events follow. Prove it by a round
        // trip through the topic after all 20 commits: any push would have come before the answer.
        topic.Tell(new GetTopicStatus(Topic), subscriber.Ref);
        Assert.IsType<TopicStatus>(subscriber.ExpectMsg<object>());

        topic.Tell(GrantCredit.For(100), subscriber.Ref);
        while (delivered.Count < 20)
        {
            delivered.AddRange(subscriber.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), delivered);
    }

    [Fact]
    public void A_subscriber_behind_the_ring_is_sent_to_the_journal_and_continues_from_where_it_caught_up()
    {
        var topic = StartTopic(Settings(ringSize: 4));
        PublishAndExpect(topic, 10);

        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 100));
        Assert.Equal(0UL, subscriber.ExpectMsg<Subscribed>().After);
        var catchUp = subscriber.ExpectMsg<CatchUpRequired>();
        Assert.Equal((0UL, 10UL), (catchUp.After, catchUp.Through));

        topic.Tell(new CaughtUp(subscriber.Ref, catchUp.Epoch, 8)); // read 1..8 from the journal
        Assert.Equal([9UL, 10UL], subscriber.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));
    }

    [Fact]
    public void A_topic_that_grew_its_ring_and_shrank_it_back_while_quiet_still_resumes_readers_exactly()
    {
        // Idle checks every 100 ms; a live subscriber keeps the topic from passivating.
        var topic = StartTopic(Settings(ringSize: 64, idle: TimeSpan.FromMilliseconds(200)));
        var live = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, live.Ref, StartPosition.Live.Instance, Credit: 1000));
        var epoch = live.ExpectMsg<Subscribed>().Epoch;
        PublishAndExpect(topic, 50);

        Subscribed SubscribeAfter(Akka.TestKit.TestProbe reader, ulong after)
        {
            topic.Tell(new Subscribe(Topic, reader.Ref, new StartPosition.After(new EventCursor(epoch, after)), Credit: 100));
            return reader.ExpectMsg<Subscribed>();
        }

        // Grown: a reader ten events behind is served from memory.
        var early = CreateTestProbe();
        SubscribeAfter(early, 40);
        Assert.Equal(Enumerable.Range(41, 10).Select(i => (ulong)i), early.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));

        // Quiet: the ring goes back to its newest event, and the same reader is sent to the journal
        // for exactly what it misses (asked again until the shrink has come).
        var reader = CreateTestProbe();
        AwaitAssert(() =>
        {
            reader = CreateTestProbe();
            SubscribeAfter(reader, 40);
            var catchUp = reader.ExpectMsg<CatchUpRequired>();
            Assert.Equal((40UL, 50UL), (catchUp.After, catchUp.Through));
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

        // One event behind is still served from memory.
        var oneBehind = CreateTestProbe();
        SubscribeAfter(oneBehind, 49);
        Assert.Equal([50UL], oneBehind.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));

        // Caught up from the journal, the reader goes on with the next event, and the ring grows again.
        topic.Tell(new CaughtUp(reader.Ref, epoch, 50));
        PublishAndExpect(topic, 10);
        var delivered = new List<ulong>();
        while (delivered.Count < 10)
        {
            delivered.AddRange(reader.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));
        }

        Assert.Equal(Enumerable.Range(51, 10).Select(i => (ulong)i), delivered);
        var late = CreateTestProbe();
        SubscribeAfter(late, 52);
        Assert.Equal(Enumerable.Range(53, 8).Select(i => (ulong)i), late.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_topic_that_passivated_while_idle_comes_back_from_its_dormant_state_without_reading_the_journal()
    {
        var services = Services();
        var topic = Sys.ActorOf(TopicActor.Props(Topic, services, Settings(ringSize: 4)));
        PublishAndExpect(topic, 10);
        var before = await StatusAsync(topic);
        Watch(topic);
        topic.Tell(HandOff.Passivation);
        ExpectTerminated(topic);
        Assert.Equal(1, services.Dormant.Count);

        // A topic that read its state back would fail now, and one that replayed would read events.
        _journal.FailSnapshotLoadsWith = new InvalidOperationException("the dormant state was not used");
        var readsBefore = _journal.ReadsAfter.Count;
        topic = Sys.ActorOf(TopicActor.Props(Topic, services, Settings(ringSize: 4)));
        Assert.Equal(before, await StatusAsync(topic));
        Assert.Equal(0, services.Dormant.Count);

        // Its newest event is still in memory for a reader one behind; one further behind reads the journal.
        var oneBehind = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, oneBehind.Ref, new StartPosition.After(new EventCursor(before.Epoch, 9)), Credit: 10));
        oneBehind.ExpectMsg<Subscribed>();
        Assert.Equal([10UL], oneBehind.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));
        var behind = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, behind.Ref, new StartPosition.After(new EventCursor(before.Epoch, 5)), Credit: 10));
        behind.ExpectMsg<Subscribed>();
        var catchUp = behind.ExpectMsg<CatchUpRequired>();
        Assert.Equal((5UL, 10UL), (catchUp.After, catchUp.Through));
        Assert.Equal(readsBefore, _journal.ReadsAfter.Count);

        // It numbers on from its head, and the readers get the next event live.
        topic.Tell(PublishOf("next"), TestActor);
        Assert.Equal(11UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
        Assert.Equal([11UL], oneBehind.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));
    }

    /// <summary>A topic with three events, stopped as a failure or a shard would stop it: nothing left dormant.</summary>
    private async Task<(TopicServices Services, TopicInfo Status)> PublishThreeAndStopAsync()
    {
        var services = Services();
        var topic = Sys.ActorOf(TopicActor.Props(Topic, services, Settings()));
        PublishAndExpect(topic, 3);
        var status = await StatusAsync(topic);
        Assert.True(await topic.GracefulStop(DefaultTimeout));
        Assert.Equal(0, services.Dormant.Count);
        return (services, status);
    }

    [Fact]
    public async Task A_dormant_state_left_under_another_shard_is_not_used()
    {
        var (services, actual) = await PublishThreeAndStopAsync();

        // Left by a shard actor that is not this topic's parent: its shard moved away and back
        // meanwhile, so another node may have written the topic. Its head and epoch are not the journal's.
        var otherShard = CreateTestProbe().Ref;
        var stale = new DormantTopic(otherShard, TopicSnapshot.New(DateTimeOffset.UtcNow), 99, 0, 0, 0, null);
        Assert.True(services.Dormant.TryPut(Topic, stale));

        var topic = Sys.ActorOf(TopicActor.Props(Topic, services, Settings()));
        Assert.Equal(actual, await StatusAsync(topic)); // recovered from the journal
        Assert.Equal(0, services.Dormant.Count);
        topic.Tell(PublishOf("next"), TestActor);
        Assert.Equal(4UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
    }

    [Fact]
    public async Task A_dormant_state_the_journal_contradicts_is_dropped_and_what_reached_the_topic_is_answered_from_the_journal()
    {
        var (services, actual) = await PublishThreeAndStopAsync();

        // Under the same parent, but the journal's head has moved past it (a writer the journal
        // fenced): the topic fails its wake-up and starts again from the journal.
        var parent = ((ExtendedActorSystem)Sys).Guardian;
        var contradicted = new DormantTopic(parent, TopicSnapshot.New(DateTimeOffset.UtcNow), 2, 0, 0, 0, null);
        Assert.True(services.Dormant.TryPut(Topic, contradicted));

        var topic = Sys.ActorOf(TopicActor.Props(Topic, services, Settings()));
        topic.Tell(PublishOf("next"), TestActor);
        var accepted = ExpectMsg<PublishAccepted>();
        Assert.Equal((actual.Epoch, 4UL), (accepted.Epoch, accepted.Events.Single().Sequence));
        Assert.Equal(actual with { Head = 4 }, await StatusAsync(topic));
    }

    [Fact]
    public void Every_subscriber_up_to_date_receives_the_same_encoded_events()
    {
        var topic = StartTopic();
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        foreach (var probe in new[] { first, second })
        {
            topic.Tell(new Subscribe(Topic, probe.Ref, StartPosition.Live.Instance, Credit: 10));
            probe.ExpectMsg<Subscribed>();
        }

        topic.Tell(PublishOf("shared"), TestActor);
        Assert.Same(first.ExpectMsg<Deliver>().Events.Single(), second.ExpectMsg<Deliver>().Events.Single()); // encoded once
    }

    [Fact]
    public void A_topic_handed_off_during_a_write_answers_its_publishers_before_it_stops()
    {
        var topic = StartTopic();
        Watch(topic);
        _journal.HoldAppends();
        topic.Tell(PublishOf("in flight"), TestActor);
        _journal.WaitForHeldAppend();
        topic.Tell(HandOff.Passivation);
        topic.Tell(PublishOf("queued behind the hand-off"), TestActor);
        _journal.ReleaseAppends();

        // Everything that reached the topic is answered, and only then does it stop.
        Assert.Equal(1UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
        Assert.Equal(2UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
        ExpectTerminated(topic);
    }

    [Fact]
    public async Task A_topic_that_was_never_published_to_does_not_exist_and_subscribing_to_it_writes_nothing()
    {
        var topic = StartTopic();
        Assert.IsType<TopicNotFound>(await topic.Ask<object>(new GetTopicStatus(Topic), DefaultTimeout));

        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 10));
        var subscribed = subscriber.ExpectMsg<Subscribed>();
        var watched = (await StatusAsync(topic)) with { CreatedAt = default };
        Assert.Equal(new TopicInfo(Topic, subscribed.Epoch, 0, 1, default), watched); // described while watched, but not stored
        Assert.Null(await Sqlite.LoadSnapshotAsync(Topic.Value, new SnapshotRange(0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue)));
        Assert.Empty(await Sqlite.ListTopicsAsync(null, 10));

        // The first publish creates it, under the epoch its subscriber was told.
        topic.Tell(PublishOf("first"), TestActor);
        Assert.Equal(subscribed.Epoch, ExpectMsg<PublishAccepted>().Epoch);
        Assert.Equal(1UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence);
        Assert.Equal(subscribed.Epoch, (await StatusAsync(topic)).Epoch);
    }

    [Fact]
    public void A_topic_never_published_to_that_stops_while_subscribed_greets_its_returning_subscriber_with_the_same_epoch()
    {
        // Its shard's hand-off races a subscribe (or the shard moves): the topic stops, and the
        // epoch its subscriber was told was never saved. The subscriber comes back with it.
        var topic = StartTopic();
        Watch(topic);
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 10));
        var subscribed = subscriber.ExpectMsg<Subscribed>();
        topic.Tell(HandOff.Passivation);
        ExpectTerminated(topic);
        subscriber.ExpectMsg(new SubscriptionEnded(Topic)); // told as it stopped: a local subscriber does not watch it

        topic = StartTopic();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, new StartPosition.After(new EventCursor(subscribed.Epoch, 0)), Credit: 10));
        var again = subscriber.ExpectMsg<Subscribed>();
        Assert.Equal((subscribed.Epoch, 0UL, (ResetReason?)null), (again.Epoch, again.After, again.Reset));
        topic.Tell(PublishOf("first"), TestActor);
        Assert.Equal(subscribed.Epoch, ExpectMsg<PublishAccepted>().Epoch);
        Assert.Equal(1UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence);
    }

    [Fact]
    public void A_subscriber_that_asks_again_keeps_its_subscription_and_gets_no_second_answer()
    {
        var topic = StartTopic();
        PublishAndExpect(topic, 2);
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 1));
        Assert.Equal(0UL, subscriber.ExpectMsg<Subscribed>().After);
        Assert.Equal(1UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence);

        // Asked again (its first answer was slow): its position and credit stay as they were.
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 1));
        topic.Tell(GrantCredit.For(1), subscriber.Ref);
        Assert.Equal(2UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence);
    }

    [Fact]
    public async Task A_topic_that_was_published_to_keeps_its_saved_epoch_whatever_epoch_a_client_brings()
    {
        var topic = StartTopic();
        PublishAndExpect(topic, 1);
        var saved = (await StatusAsync(topic)).Epoch;
        topic = await RestartAsync(topic);

        var subscriber = CreateTestProbe();
        var other = TopicEpoch.NewRandom();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, new StartPosition.After(new EventCursor(other, 0)), Credit: 10));
        var subscribed = subscriber.ExpectMsg<Subscribed>();
        Assert.Equal((saved, ResetReason.StaleEpoch), (subscribed.Epoch, subscribed.Reset));
    }

    [Fact]
    public async Task A_restarted_topic_recovers_its_epoch_its_head_and_its_newest_events()
    {
        var topic = StartTopic();
        PublishAndExpect(topic, 5);
        var before = await StatusAsync(topic);

        topic = await RestartAsync(topic);
        Assert.Equal(before, await StatusAsync(topic));
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 100));
        subscriber.ExpectMsg<Subscribed>();
        // Replayed into the ring: served from memory, not sent to the journal.
        Assert.Equal([1UL, 2, 3, 4, 5], subscriber.ExpectMsg<Deliver>().Events.Select(e => e.Sequence));
        topic.Tell(PublishOf("next"), TestActor);
        Assert.Equal(6UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
    }

    [Fact]
    public async Task A_topic_saves_its_state_every_so_many_events_and_a_restart_replays_only_what_follows()
    {
        var topic = StartTopic(Settings(snapshotEvery: 5));
        PublishAndExpect(topic, 12);
        var deadline = DateTime.UtcNow + DefaultTimeout;
        while ((await Sqlite.LoadSnapshotAsync(Topic.Value, new SnapshotRange(0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue)))?.Sequence != 10)
        {
            Assert.True(DateTime.UtcNow < deadline, "no snapshot was saved at event 10");
        }

        topic = await RestartAsync(topic, Settings(snapshotEvery: 5));
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, new StartPosition.After(new EventCursor((await StatusAsync(topic)).Epoch, 8)), Credit: 100));
        subscriber.ExpectMsg<Subscribed>();
        // Only 11 and 12 were replayed: 9 and 10 come from the journal.
        Assert.Equal((8UL, 12UL), subscriber.ExpectMsg<CatchUpRequired>() is var catchUp ? (catchUp.After, catchUp.Through) : default);
    }

    [Fact]
    public async Task A_retried_publish_with_a_recorded_key_is_answered_with_its_original_sequence_and_writes_nothing()
    {
        var topic = StartTopic();
        topic.Tell(PublishKeyed(("order 1", "k1")), TestActor);
        Assert.Equal(new AppendedEvent(1, false), ExpectMsg<PublishAccepted>().Events.Single());

        topic.Tell(PublishKeyed(("order 1 again", "k1"), ("order 2", "k2"), ("order 2 again", "k2")), TestActor);
        Assert.Equal([new AppendedEvent(1, true), new AppendedEvent(2, false), new AppendedEvent(2, true)], ExpectMsg<PublishAccepted>().Events);
        topic.Tell(PublishKeyed(("order 2, much later", "k2")), TestActor);
        Assert.Equal(new AppendedEvent(2, true), ExpectMsg<PublishAccepted>().Events.Single());

        Assert.Equal([1, 1], _journal.AppendSizes); // the duplicates never reached the journal
        Assert.Equal(2UL, (await StatusAsync(await RestartAsync(topic))).Head);
    }

    [Fact]
    public async Task After_a_delete_the_topic_numbers_on_under_a_new_epoch_and_forgets_its_keys()
    {
        var topic = StartTopic();
        topic.Tell(PublishKeyed(("a", "k"), ("b", "x"), ("c", "y")), TestActor);
        var first = ExpectMsg<PublishAccepted>();
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 10));
        subscriber.ExpectMsg<Subscribed>();

        topic.Tell(new DeleteTopic(Topic), TestActor);
        var deleted = ExpectMsg<TopicDeleted>();
        Assert.NotEqual(first.Epoch, deleted.NewEpoch);
        Assert.Equal(new TopicReset(Topic, deleted.NewEpoch, 3, ResetReason.TopicDeleted), subscriber.ExpectMsg<TopicReset>());
        var info = await StatusAsync(topic);
        Assert.Equal((deleted.NewEpoch, 3UL, 4UL, 0UL), (info.Epoch, info.Head, info.FirstSequence, info.RetainedCount));

        topic.Tell(PublishKeyed(("a again", "k")), TestActor);
        var again = ExpectMsg<PublishAccepted>();
        Assert.Equal((deleted.NewEpoch, new AppendedEvent(4, false)), (again.Epoch, again.Events.Single()));
        Assert.Equal(4UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence);

        // The old incarnation's events are gone from the journal, and a restart keeps the new one.
        var deadline = DateTime.UtcNow + DefaultTimeout;
        while ((await Sqlite.ReadAsync(Topic, 0, 10)).Events.Select(e => e.Sequence).First() != 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the deleted events are still in the journal");
        }

        Assert.Equal(info with { Head = 4 }, await StatusAsync(await RestartAsync(topic)));
    }

    [Fact]
    public async Task Retention_keeps_the_newest_events_and_a_restarted_topic_remembers_what_was_trimmed()
    {
        var settings = Settings(retention: new Retention { MaxEvents = 3 });
        var topic = StartTopic(settings);
        PublishAndExpect(topic, 10);

        var deadline = DateTime.UtcNow + DefaultTimeout;
        while ((await Sqlite.ReadAsync(Topic, 0, 100)).Events is var events && events.Select(e => e.Sequence).FirstOrDefault() != 8)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the journal still holds {string.Join(",", events.Select(e => e.Sequence))}");
        }

        topic = await RestartAsync(topic, settings);
        var info = await StatusAsync(topic);
        Assert.Equal((10UL, 8UL), (info.Head, info.FirstSequence));
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, new StartPosition.After(new EventCursor(info.Epoch, 2)), Credit: 100));
        var subscribed = subscriber.ExpectMsg<Subscribed>();
        Assert.Equal((ResetReason.HistoryTrimmed, 7UL), (subscribed.Reset, subscribed.After));
    }

    [Fact]
    public async Task Age_retention_trims_the_events_older_than_the_limit()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var topic = StartTopic(Settings(retention: new Retention { MaxAge = TimeSpan.FromHours(1) }), time: clock);
        PublishAndExpect(topic, 3);
        Assert.Equal(1UL, (await StatusAsync(topic)).FirstSequence);

        clock.Advance(TimeSpan.FromHours(2)); // the events are now two hours old to the topic
        var deadline = DateTime.UtcNow + DefaultTimeout;
        while ((await StatusAsync(topic)).FirstSequence != 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the old events were not trimmed");
        }
    }

    [Fact]
    public async Task Age_retention_that_found_nothing_old_yet_still_trims_once_the_oldest_event_is_too_old()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var topic = StartTopic(Settings(retention: new Retention { MaxAge = TimeSpan.FromHours(1) }), time: clock);
        var readsBefore = _journal.ReadsAfter.Count; // its recovery's
        PublishAndExpect(topic, 2);

        // A scan finds both young: the topic skips its scans until the oldest may be too old.
        await AwaitConditionAsync(() => Task.FromResult(_journal.ReadsAfter.Count > readsBefore), DefaultTimeout, "no age scan read the journal");

        clock.Advance(TimeSpan.FromHours(2));
        await AwaitConditionAsync(async () => (await StatusAsync(topic)).FirstSequence == 3, DefaultTimeout, "the old events were not trimmed");
    }

    [Fact]
    public async Task A_topic_asked_by_the_sweep_applies_its_age_limit_then_answers()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var topic = StartTopic(SweptSettings, time: clock);
        PublishAndExpect(topic, 3);

        topic.Tell(new ApplyAgeRetention(Topic), TestActor);
        ExpectMsg<AgeRetentionApplied>(); // nothing old yet
        Assert.Equal(1UL, (await StatusAsync(topic)).FirstSequence);

        clock.Advance(TimeSpan.FromHours(2));
        topic.Tell(new ApplyAgeRetention(Topic), TestActor);
        Assert.Equal(Topic, ExpectMsg<AgeRetentionApplied>().Topic);
        await AwaitConditionAsync(async () => (await StatusAsync(topic)).FirstSequence == 4, DefaultTimeout, "the old events were not trimmed");
    }

    [Fact]
    public async Task A_topic_the_sweep_started_stops_as_soon_as_its_trim_is_done_but_not_one_in_use()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var settings = SweptSettings;
        var writer = StartTopic(settings, time: clock);
        PublishAndExpect(writer, 3);
        Assert.True(await writer.GracefulStop(DefaultTimeout));
        clock.Advance(TimeSpan.FromHours(2));

        // Started by the sweep alone (its idle timeout is minutes away): it asks its parent to
        // passivate it once the old events are deleted.
        var sweep = CreateTestProbe();
        var swept = ChildActorOf(TopicActor.Props(Topic, Services(clock), settings));
        swept.Tell(new ApplyAgeRetention(Topic), sweep.Ref);
        sweep.ExpectMsg<AgeRetentionApplied>();
        Assert.Equal(HandOff.Passivation, ExpectMsg<Akka.Cluster.Sharding.Passivate>().StopMessage);
        Assert.Equal(4UL, (await StatusAsync(swept)).FirstSequence);
        Assert.Empty((await Sqlite.ReadAsync(Topic, 0, 10)).Events);
        Assert.True(await swept.GracefulStop(DefaultTimeout));

        // In use (a subscriber): trimmed the same way, and it stays.
        PublishAndExpect(writer = StartTopic(settings, time: clock), 1);
        Assert.True(await writer.GracefulStop(DefaultTimeout));
        clock.Advance(TimeSpan.FromHours(2));
        var used = ChildActorOf(TopicActor.Props(Topic, Services(clock), settings));
        var subscriber = CreateTestProbe();
        used.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 10));
        subscriber.ExpectMsg<Subscribed>();
        used.Tell(new ApplyAgeRetention(Topic), sweep.Ref);
        sweep.ExpectMsg<AgeRetentionApplied>();
        await AwaitConditionAsync(async () => (await StatusAsync(used)).FirstSequence == 5, DefaultTimeout, "the old event was not trimmed");
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_second_topic_actor_for_the_same_topic_is_fenced_and_never_acknowledges_a_write()
    {
        var first = StartTopic();
        PublishAndExpect(first, 1);
        var second = StartTopic(); // recovers head 1, as a second node that believes it owns the topic would
        Assert.Equal(1UL, (await StatusAsync(second)).Head);
        PublishAndExpect(first, 1); // the first writes on: head 2

        Watch(second);
        second.Tell(PublishOf("from the second"), TestActor);
        Assert.IsType<PublishRejected>(ExpectMsg<object>());
        ExpectTerminated(second);
        Assert.Equal(["e0", "e0"], (await Sqlite.ReadAsync(Topic, 0, 10)).Events.Select(e => System.Text.Encoding.UTF8.GetString(e.Data.Span)));
    }

    [Fact]
    public async Task Events_written_without_a_saved_state_are_adopted_under_a_new_epoch_that_then_stays()
    {
        var legacy = TopicName.Parse("tests.legacy");
        var writer = Sys.ActorOf(PluginWriter.Props(legacy.Value, TestActor));
        ExpectMsg<PluginWriter.Recovered>();
        writer.Tell(PluginWriter.Write.Of("one", "two", "three"));
        ExpectMsg<PluginWriter.Written>();
        Assert.True(await writer.GracefulStop(DefaultTimeout));

        var topic = StartTopic(topic: legacy);
        var adopted = (await topic.Ask<TopicStatus>(new GetTopicStatus(legacy), DefaultTimeout)).Info;
        Assert.Equal((3UL, 1UL), (adopted.Head, adopted.FirstSequence));
        var deadline = DateTime.UtcNow + DefaultTimeout;
        while (await Sqlite.LoadSnapshotAsync(legacy.Value, new SnapshotRange(0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue)) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the adopted state was not saved");
        }

        Assert.True(await topic.GracefulStop(DefaultTimeout));
        var again = StartTopic(topic: legacy);
        Assert.Equal(adopted, (await again.Ask<TopicStatus>(new GetTopicStatus(legacy), DefaultTimeout)).Info);
    }

    [Fact]
    public void A_catch_up_of_an_epoch_the_topic_has_left_is_ignored_and_the_new_epoch_is_delivered_from_its_start()
    {
        var topic = StartTopic(Settings(ringSize: 2));
        PublishAndExpect(topic, 5);

        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 100));
        subscriber.ExpectMsg<Subscribed>();
        var catchUp = subscriber.ExpectMsg<CatchUpRequired>();

        topic.Tell(new DeleteTopic(Topic), TestActor);
        ExpectMsg<TopicDeleted>();
        var reset = subscriber.ExpectMsg<TopicReset>();
        Assert.Equal(5UL, reset.After);
        topic.Tell(new CaughtUp(subscriber.Ref, catchUp.Epoch, 5)); // late: from the old epoch

        topic.Tell(PublishOf("new 1"), TestActor);
        Assert.Equal(reset.Epoch, ExpectMsg<PublishAccepted>().Epoch);
        Assert.Equal(6UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence);
    }

    [Fact]
    public void Whoever_waits_on_a_recovery_that_fails_is_answered_with_the_failure()
    {
        _journal.FailSnapshotLoadsWith = new InvalidOperationException("the database is unreachable");
        var topic = StartTopic();
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 10));
        topic.Tell(PublishOf("waiting"), TestActor);
        topic.Tell(new GetTopicStatus(Topic), TestActor);

        Assert.Contains("could not recover its state from the journal: the database is unreachable", subscriber.ExpectMsg<SubscribeRejected>().Reason);
        Assert.False(ExpectMsg<PublishRejected>().OutcomeUnknown);
        ExpectMsg<TopicUnavailable>();
    }

    [Fact]
    public void A_topic_handed_off_while_a_delete_waits_on_a_write_still_stops_once_both_are_done()
    {
        var topic = StartTopic();
        Watch(topic);
        _journal.HoldAppends();
        topic.Tell(PublishOf("in flight"), TestActor);
        _journal.WaitForHeldAppend();
        topic.Tell(new DeleteTopic(Topic), TestActor); // waits for the write
        topic.Tell(HandOff.Passivation);
        _journal.ReleaseAppends();

        ExpectMsg<PublishAccepted>();
        ExpectMsg<TopicDeleted>();
        ExpectTerminated(topic);
    }
}
