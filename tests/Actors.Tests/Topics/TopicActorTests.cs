using EventActors.Actors.Journal;
using Akka.Actor;
using EventActors.Actors.Tests.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>The topic actor against a real SQLite journal.</summary>
public sealed class TopicActorTests() : SqliteJournalTest("topic-actor")
{
    private static readonly TopicName Topic = TopicName.Parse("tests.topic");
    private GatedJournal _journal = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _journal = new GatedJournal(Sqlite);
    }

    private IActorRef StartTopic(int ringSize = 16, TimeSpan? idle = null) =>
        Sys.ActorOf(TopicActor.Props(Topic, _journal, new TopicSettings(ringSize, long.MaxValue, idle ?? TimeSpan.FromMinutes(5))));

    private static Publish PublishOf(params string[] data) =>
        new(Topic, data.Select(d => new NewEvent(System.Text.Encoding.UTF8.GetBytes(d))).ToArray());

    [Fact]
    public async Task Publishes_that_arrive_while_an_append_is_in_flight_go_into_the_next_append_together()
    {
        var topic = StartTopic();
        _journal.HoldAppends();
        topic.Tell(PublishOf("first"), TestActor);
        _journal.WaitForHeldAppend();

        for (var i = 0; i < 50; i++)
        {
            topic.Tell(PublishOf($"waiting {i}"), TestActor);
        }

        // The actor is idle but for the held append; an Ask it answers shows it has taken all 50.
        Assert.Equal(0, (await topic.Ask<TopicStatus>(new GetTopicStatus(Topic), DefaultTimeout)).Subscribers);
        _journal.ReleaseAppends();

        var sequences = ReceiveN(51).Cast<PublishAccepted>().Select(a => a.Events.Single().Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 51).Select(i => (ulong)i), sequences);
        Assert.Equal([1, 50], _journal.AppendSizes); // one append for the first, one for the 50 that waited
    }

    [Fact]
    public void A_subscriber_without_credit_is_not_pushed_to_and_catches_up_when_credit_returns()
    {
        var topic = StartTopic(ringSize: 1000);
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 5));
        subscriber.ExpectMsg<Subscribed>();

        for (var i = 0; i < 20; i++)
        {
            topic.Tell(PublishOf($"e{i}"), TestActor);
            ExpectMsg<PublishAccepted>();
        }

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
        var topic = StartTopic(ringSize: 4);
        for (var i = 0; i < 10; i++)
        {
            topic.Tell(PublishOf($"e{i}"), TestActor);
            ExpectMsg<PublishAccepted>();
        }

        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 100));
        var subscribed = subscriber.ExpectMsg<Subscribed>();
        Assert.Equal(0UL, subscribed.After);
        var catchUp = subscriber.ExpectMsg<CatchUpRequired>();
        Assert.Equal(0UL, catchUp.After);

        topic.Tell(new CaughtUp(subscriber.Ref, catchUp.Epoch, 8)); // read 1..8 from the journal
        var rest = subscriber.ExpectMsg<Deliver>();
        Assert.Equal([9UL, 10UL], rest.Events.Select(e => e.Sequence));
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
        var a = first.ExpectMsg<Deliver>().Events.Single();
        var b = second.ExpectMsg<Deliver>().Events.Single();
        Assert.Same(a, b); // encoded once
    }

    [Fact]
    public void A_topic_handed_off_during_an_append_answers_its_publisher_before_it_stops()
    {
        var topic = StartTopic();
        Watch(topic);
        _journal.HoldAppends();
        topic.Tell(PublishOf("in flight"), TestActor);
        _journal.WaitForHeldAppend();
        topic.Tell(HandOff.Instance);
        topic.Tell(PublishOf("queued behind the hand-off"), TestActor);
        _journal.ReleaseAppends();

        // Everything that reached the topic is answered, and only then does it stop.
        Assert.Equal(1UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
        Assert.Equal(2UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
        ExpectTerminated(topic);
    }

    [Fact]
    public void A_catch_up_of_an_epoch_the_topic_has_left_is_ignored_and_the_new_epoch_is_delivered_from_its_start()
    {
        var topic = StartTopic(ringSize: 2);
        for (var i = 0; i < 5; i++)
        {
            topic.Tell(PublishOf($"old {i}"), TestActor);
            ExpectMsg<PublishAccepted>();
        }

        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 100));
        subscriber.ExpectMsg<Subscribed>();
        var catchUp = subscriber.ExpectMsg<CatchUpRequired>();

        topic.Tell(new DeleteTopic(Topic), TestActor);
        ExpectMsg<TopicDeleted>();
        var reset = subscriber.ExpectMsg<TopicReset>();
        topic.Tell(new CaughtUp(subscriber.Ref, catchUp.Epoch, 5)); // late: from the old epoch

        topic.Tell(PublishOf("new 1"), TestActor);
        Assert.Equal(reset.Epoch, ExpectMsg<PublishAccepted>().Epoch);
        Assert.Equal(1UL, subscriber.ExpectMsg<Deliver>().Events.Single().Sequence);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_failed_append_is_answered_with_a_rejection_that_says_whether_it_may_have_been_committed(bool brokeMidCommit)
    {
        var topic = StartTopic();
        _journal.FailAppendsWith = new JournalUnreachableException("the database went away", outcomeUnknown: brokeMidCommit);
        topic.Tell(PublishOf("lost?"), TestActor);

        var rejected = ExpectMsg<PublishRejected>();
        Assert.Equal(brokeMidCommit, rejected.OutcomeUnknown);
        Assert.Contains("the database went away", rejected.Reason);

        _journal.FailAppendsWith = null; // the topic goes on: the next publish is committed
        topic.Tell(PublishOf("next"), TestActor);
        Assert.Equal(1UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
    }

    [Fact]
    public void A_subscribe_waiting_on_a_recovery_that_fails_is_answered_with_the_failure()
    {
        _journal.FailTopicCreation = true;
        var topic = StartTopic();
        var subscriber = CreateTestProbe();
        topic.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Live.Instance, Credit: 10));
        _journal.ReleaseTopicCreation(); // the failure comes after the subscribe, which waits for it
        Assert.Contains("the database is unreachable", subscriber.ExpectMsg<SubscribeRejected>().Reason);
    }

    [Fact]
    public void A_topic_handed_off_while_a_delete_waits_on_an_append_still_stops_once_both_are_done()
    {
        var topic = StartTopic();
        Watch(topic);
        _journal.HoldAppends();
        topic.Tell(PublishOf("in flight"), TestActor);
        _journal.WaitForHeldAppend();
        topic.Tell(new DeleteTopic(Topic), TestActor); // waits for the append
        topic.Tell(HandOff.Instance);
        _journal.ReleaseAppends();

        ExpectMsg<PublishAccepted>();
        ExpectMsg<TopicDeleted>();
        ExpectTerminated(topic);
    }

    [Fact]
    public async Task A_subscribe_that_reaches_the_registry_before_it_learns_of_a_stopped_topic_is_served_by_a_new_one()
    {
        var registry = Sys.ActorOf(TopicRegistry.Props(_journal, new TopicSettings(16, long.MaxValue, TimeSpan.FromMinutes(5))));
        registry.Tell(PublishOf("first"), TestActor);
        ExpectMsg<PublishAccepted>();
        var first = LastSender;

        Assert.True(await first.GracefulStop(DefaultTimeout)); // stopped: the registry may not have seen it yet
        var subscriber = CreateTestProbe();
        registry.Tell(new Subscribe(Topic, subscriber.Ref, StartPosition.Earliest.Instance, Credit: 10));
        var subscribed = subscriber.ExpectMsg<Subscribed>();
        Assert.NotSame(first, subscriber.LastSender);
        Assert.Equal(0UL, subscribed.After);
        // A fresh actor's ring is empty: the subscriber is sent to the journal for event 1 on.
        Assert.Equal(0UL, subscriber.ExpectMsg<CatchUpRequired>().After);
    }

    [Fact]
    public async Task Stopping_all_topics_answers_what_reached_them_then_stops_the_registry()
    {
        var registry = Sys.ActorOf(TopicRegistry.Props(_journal, new TopicSettings(16, long.MaxValue, TimeSpan.FromMinutes(5))));
        Watch(registry);
        registry.Tell(PublishOf("one"), TestActor);
        ExpectMsg<PublishAccepted>();
        _journal.HoldAppends();
        registry.Tell(PublishOf("two"), TestActor);
        _journal.WaitForHeldAppend();

        var stopped = registry.Ask<StopAllTopics>(StopAllTopics.Instance, DefaultTimeout);
        _journal.ReleaseAppends();
        Assert.Equal(2UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence);
        await stopped;
        ExpectTerminated(registry);
    }

    [Fact]
    public async Task The_registry_passivates_an_idle_topic_and_starts_it_again_on_demand()
    {
        var registry = Sys.ActorOf(TopicRegistry.Props(_journal, new TopicSettings(16, long.MaxValue, TimeSpan.FromMilliseconds(100))));
        registry.Tell(PublishOf("before"), TestActor);
        ExpectMsg<PublishAccepted>();

        var deadline = DateTime.UtcNow + DefaultTimeout;
        while ((await registry.Ask<ActiveTopicCount>(GetActiveTopicCount.Instance)).Count != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the idle topic was not passivated");
        }

        registry.Tell(PublishOf("after"), TestActor);
        Assert.Equal(2UL, ExpectMsg<PublishAccepted>().Events.Single().Sequence); // recovered its head
        Assert.Equal(1, (await registry.Ask<ActiveTopicCount>(GetActiveTopicCount.Instance)).Count);
    }

    /// <summary>
    /// The real journal behind a gate: appends can be held while a test queues more work, so
    /// what the topic actor does meanwhile is observable without timing.
    /// </summary>
    private sealed class GatedJournal(IEventJournal inner) : IEventJournal
    {
        private readonly List<int> _appendSizes = [];
        private TaskCompletionSource? _gate;
        private readonly SemaphoreSlim _held = new(0);

        public IReadOnlyList<int> AppendSizes
        {
            get
            {
                lock (_appendSizes)
                {
                    return [.. _appendSizes];
                }
            }
        }

        public void HoldAppends() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void WaitForHeldAppend() => Assert.True(_held.Wait(TimeSpan.FromMinutes(1)));

        public void ReleaseAppends() => Interlocked.Exchange(ref _gate, null)?.SetResult();

        private readonly TaskCompletionSource _creationReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Makes topic creation fail, as an unreachable database would, once <see cref="ReleaseTopicCreation"/> is called.</summary>
        public bool FailTopicCreation { get; set; }

        public void ReleaseTopicCreation() => _creationReleased.TrySetResult();

        /// <summary>Makes every append fail with this, as the journal would report it.</summary>
        public Exception? FailAppendsWith { get; set; }

        public async Task<AppendResult> AppendAsync(AppendRequest request, CancellationToken cancellationToken = default)
        {
            lock (_appendSizes)
            {
                _appendSizes.Add(request.Events.Count);
            }

            if (_gate is { } gate)
            {
                _held.Release();
                await gate.Task;
            }

            if (FailAppendsWith is { } failure)
            {
                throw failure;
            }

            return await inner.AppendAsync(request, cancellationToken);
        }

        public async Task<TopicInfo> CreateTopicAsync(TopicName topic, CancellationToken cancellationToken = default)
        {
            if (FailTopicCreation)
            {
                await _creationReleased.Task;
                throw new InvalidOperationException("the database is unreachable");
            }

            return await inner.CreateTopicAsync(topic, cancellationToken);
        }

        public Task<TopicInfo?> GetTopicAsync(TopicName topic, CancellationToken cancellationToken = default) => inner.GetTopicAsync(topic, cancellationToken);

        public Task<EventPage> ReadAsync(TopicName topic, ulong after, int maxEvents, ulong through = IEventJournal.MaxSequence, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(topic, after, maxEvents, through, cancellationToken);

        public Task<IReadOnlyList<TopicInfo>> ListTopicsAsync(TopicName? after, int maxTopics, CancellationToken cancellationToken = default) =>
            inner.ListTopicsAsync(after, maxTopics, cancellationToken);

        public Task<TrimResult> TrimAsync(TopicName topic, Retention retention, CancellationToken cancellationToken = default) => inner.TrimAsync(topic, retention, cancellationToken);

        public Task<bool> DeleteTopicAsync(TopicName topic, CancellationToken cancellationToken = default) => inner.DeleteTopicAsync(topic, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
