using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using EventActors.Actors.Connections;
using EventActors.Actors.Journal;
using EventActors.Actors.Tests.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Connections;

/// <summary>
/// One connection actor writing to a real pipe, read back here as SSE text. TestProbes play the
/// topic registry (it receives <see cref="Subscribe"/>) and the topic actors (they answer it, push
/// deliveries and send catch-ups, and receive credit back); history is read from a real SQLite
/// journal. Time is virtual: heartbeats come only when a test advances the scheduler.
/// </summary>
public sealed class ConnectionActorTests() : SqliteJournalTest("connection-actor", """akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """)
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);
    // A window of 1: credit goes back after every delivery, so each test sees each grant. How
    // credit goes back in chunks under a larger window has a test of its own.
    private static readonly ConnectionSettings Settings = new(Credit: 1, HeartbeatInterval, RetryMilliseconds: 1500, CatchUpPageSize: 3);
    private static readonly TopicName Orders = TopicName.Parse("tests.orders");
    private static readonly TopicName Prices = TopicName.Parse("tests.prices");
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("epoch000");
    private static readonly TopicEpoch NewEpoch = TopicEpoch.Parse("epoch001");

    private GatedJournal _journal = null!;

    protected override IEventJournal PluginJournal(SqliteJournal sqlite) => _journal = new GatedJournal(sqlite);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }

    private static CommittedEvent Event(TopicEpoch epoch, ulong sequence, string? type = null, string? data = null) =>
        new(epoch, sequence, type, Encoding.UTF8.GetBytes(data ?? $"event {sequence}"));

    private static Deliver DeliveryOf(TopicName topic, params CommittedEvent[] events) => new(topic, new ArraySegment<CommittedEvent>(events));

    private static Deliver DeliveryOf(TopicName topic, TopicEpoch epoch, ulong first, ulong last) =>
        DeliveryOf(topic, Enumerable.Range((int)first, (int)(last - first + 1)).Select(s => Event(epoch, (ulong)s)).ToArray());

    private OpenStream Open(StartPosition? start = null, Pipe? pipe = null, string? requestedId = null) =>
        Open(new StreamRequest(TopicSet.Create(Orders), [start ?? StartPosition.Live.Instance], MultiTopic: false, requestedId), pipe);

    private OpenStream Open(StreamRequest request, Pipe? pipe = null, ConnectionSettings? settings = null) =>
        new(this, request, pipe ?? new Pipe(new PipeOptions(useSynchronizationContext: false)), settings ?? Settings);

    /// <summary>An open stream: its actor, the pipe it writes to, the registry it subscribes through and its lifetime.</summary>
    private sealed class OpenStream
    {
        private readonly ConnectionActorTests _test;
        private readonly TestProbe _roundTrips;

        public OpenStream(ConnectionActorTests test, StreamRequest request, Pipe pipe, ConnectionSettings settings)
        {
            Settings = settings;
            _test = test;
            _roundTrips = test.CreateTestProbe();
            Pipe = pipe;
            Reader = new ResponseReader(pipe.Reader, test.DefaultTimeout);
            Registry = test.CreateTestProbe();
            Lifetime = new StreamLifetime(Abort.Token);
            Actor = test.Sys.ActorOf(ConnectionActor.Props(request, pipe.Writer, Registry.Ref, test.History, settings, Abort.Token, Lifetime));
        }

        public Pipe Pipe { get; }

        public ConnectionSettings Settings { get; }

        public ResponseReader Reader { get; }

        public TestProbe Registry { get; }

        public CancellationTokenSource Abort { get; } = new();

        public StreamLifetime Lifetime { get; }

        public IActorRef Actor { get; }

        public Subscribe ExpectSubscribe(TopicName topic)
        {
            var subscribe = Registry.ExpectMsg<Subscribe>();
            // No credit until every topic of the stream has answered: nothing can be pushed before.
            Assert.Equal((topic, Actor, 0), (subscribe.Topic, subscribe.Subscriber, subscribe.Credit));
            Assert.Same(Actor, Registry.LastSender);
            return subscribe;
        }

        /// <summary>A topic actor answers the subscription; it is the probe returned.</summary>
        public TestProbe Subscribed(TopicName topic, TopicEpoch epoch, ulong after, ResetReason? reset = null)
        {
            var topicActor = _test.CreateTestProbe();
            topicActor.Send(Actor, new Subscribed(topic, epoch, after, reset));
            return topicActor;
        }

        /// <summary>The credit a topic is granted once every topic of the stream has answered.</summary>
        public void ExpectInitialCredit(TestProbe topicActor) =>
            Assert.Equal(Settings.Credit, topicActor.ExpectMsg<GrantCredit>().Credit);

        /// <summary>A single-topic stream of <see cref="Orders"/>, subscribed, granted its credit and with its retry field read.</summary>
        public async Task<TestProbe> SubscribedAsync(TopicEpoch epoch, ulong after)
        {
            ExpectSubscribe(Orders);
            var topicActor = Subscribed(Orders, epoch, after);
            ExpectInitialCredit(topicActor);
            Assert.Equal("1500", (await Reader.ReadFrameAsync()).Retry);
            return topicActor;
        }

        /// <summary>
        /// A round trip through the actor's mailbox: everything told to it before has been handled
        /// (Identify is answered by the actor itself, in turn with its other messages).
        /// </summary>
        public void Settle()
        {
            Actor.Tell(new Identify(null), _roundTrips.Ref);
            Assert.Same(Actor, _roundTrips.ExpectMsg<ActorIdentity>().Subject);
        }

        public async Task<ResponseReader.Frame> ReadEventAsync(string id, string data, string? type = null)
        {
            var frame = await Reader.ReadFrameAsync();
            Assert.Equal((id, data, type, 1), (frame.Id, frame.Data, frame.Event, frame.IdLines));
            return frame;
        }

        public async Task ReadEventsAsync(TopicEpoch epoch, ulong first, ulong last)
        {
            for (var sequence = first; sequence <= last; sequence++)
            {
                await ReadEventAsync($"{new EventCursor(epoch, sequence)}", $"event {sequence}");
            }
        }

        /// <summary>Reads an <c>eventactors.reset</c> event and returns its data.</summary>
        public async Task<JsonElement> ReadResetAsync(string continuesAfter)
        {
            var frame = await Reader.ReadFrameAsync();
            Assert.Equal(("eventactors.reset", continuesAfter), (frame.Event, frame.Id));
            var data = JsonDocument.Parse(frame.Data!).RootElement;
            Assert.Equal(continuesAfter, data.GetProperty("continuesAfter").GetString());
            return data;
        }

        public async Task ExpectEndedAsync()
        {
            await Lifetime.Task.WaitAsync(_test.DefaultTimeout);
            _test.Watch(Actor);
            _test.ExpectTerminated(Actor);
        }
    }

    // ---- Writing what the topics deliver --------------------------------------------------------

    [Fact]
    public async Task The_retry_field_comes_first_then_the_delivered_events_in_order_with_single_topic_ids()
    {
        var stream = Open();
        var subscribe = stream.ExpectSubscribe(Orders);
        Assert.Equal(StartPosition.Live.Instance, subscribe.Start);
        var topic = stream.Subscribed(Orders, Epoch, after: 41);
        stream.ExpectInitialCredit(topic);

        Assert.Equal("retry: 1500\n\n", (await stream.Reader.ReadFrameAsync()).Raw);

        topic.Send(stream.Actor, DeliveryOf(Orders, Event(Epoch, 42, "order.created", "{\"id\":1}"), Event(Epoch, 43), Event(Epoch, 44, data: "two\nlines")));
        await stream.ReadEventAsync("epoch000-42", "{\"id\":1}", "order.created");
        await stream.ReadEventAsync("epoch000-43", "event 43");
        await stream.ReadEventAsync("epoch000-44", "two\nlines");
        Assert.Equal(3, topic.ExpectMsg<GrantCredit>().Credit);
        Assert.Same(stream.Actor, topic.LastSender); // the grant's sender says whose credit it is
    }

    [Fact]
    public async Task A_multi_topic_stream_gives_every_event_the_cursor_of_all_its_topics_as_its_id()
    {
        var topics = TopicSet.Create(Prices, Orders);
        var stream = Open(new StreamRequest(topics, [StartPosition.Live.Instance, StartPosition.Live.Instance], MultiTopic: true, null));
        stream.ExpectSubscribe(Orders); // canonical order
        stream.ExpectSubscribe(Prices);
        var orders = stream.Subscribed(Orders, Epoch, after: 0);
        var prices = stream.Subscribed(Prices, NewEpoch, after: 7);
        stream.ExpectInitialCredit(orders);
        stream.ExpectInitialCredit(prices);
        Assert.Equal("1500", (await stream.Reader.ReadFrameAsync()).Retry);

        orders.Send(stream.Actor, DeliveryOf(Orders, Event(Epoch, 1), Event(Epoch, 2)));
        prices.Send(stream.Actor, DeliveryOf(Prices, Event(NewEpoch, 8)));

        string CursorOf(ulong orders, ulong prices) =>
            new MultiTopicCursor(topics, [new EventCursor(Epoch, orders), new EventCursor(NewEpoch, prices)]).Format();
        await stream.ReadEventAsync(CursorOf(1, 7), "event 1");
        await stream.ReadEventAsync(CursorOf(2, 7), "event 2");
        await stream.ReadEventAsync(CursorOf(2, 8), "event 8");
        Assert.Equal(2, orders.ExpectMsg<GrantCredit>().Credit);
        Assert.Equal(1, prices.ExpectMsg<GrantCredit>().Credit);
    }

    [Fact]
    public async Task Events_of_a_delivery_that_overlaps_what_was_written_are_not_written_twice()
    {
        var stream = Open();
        var topic = await stream.SubscribedAsync(Epoch, after: 0);

        topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, 1, 3));
        topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, 2, 5));

        await stream.ReadEventsAsync(Epoch, 1, 5);
        Assert.Equal(3, topic.ExpectMsg<GrantCredit>().Credit);
        Assert.Equal(4, topic.ExpectMsg<GrantCredit>().Credit); // what was pushed is what comes back
        stream.Settle();
        stream.Reader.AssertNothingMoreWritten();
    }

    [Fact]
    public async Task Credit_goes_back_to_the_topic_only_once_the_client_has_read_what_was_delivered()
    {
        // Past 64 unread bytes a flush waits for the client: two events of 100 bytes of data do it.
        // Like Kestrel's own transport pipes, this one completes a flush on the thread pool
        // whatever scheduler awaits it; the actor must still take it up as itself.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32, useSynchronizationContext: false));
        var stream = Open(pipe: pipe);
        var topic = await stream.SubscribedAsync(Epoch, after: 0);
        var large = new string('x', 100);

        topic.Send(stream.Actor, DeliveryOf(Orders, Event(Epoch, 1, data: large), Event(Epoch, 2, data: large)));

        var held = await stream.Reader.HoldNextFlushAsync(); // the bytes are with the transport, unread
        Assert.Contains("id: epoch000-2\n", ResponseReader.TextOf(held));
        // The topic hears nothing yet: a grant told as the delivery was handled would be ahead of
        // this marker, which the test tells the topic only now.
        topic.Ref.Tell(Marker.Instance, ActorRefs.NoSender);
        topic.ExpectMsg<Marker>();

        stream.Reader.Release(held);

        Assert.Equal(2, topic.ExpectMsg<GrantCredit>().Credit);
        await stream.ReadEventAsync("epoch000-1", large);
        await stream.ReadEventAsync("epoch000-2", large);
    }

    [Fact]
    public async Task Credit_goes_back_in_chunks_of_half_the_window_and_a_new_subscription_starts_with_a_whole_one()
    {
        var stream = Open(new StreamRequest(TopicSet.Create(Orders), [StartPosition.Live.Instance], MultiTopic: false, null),
            settings: Settings with { Credit = 8 });
        var topic = await stream.SubscribedAsync(Epoch, after: 0);

        // Three events written, fewer than half the window: nothing goes back yet.
        topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, 1, 2));
        topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, 3, 3));
        await stream.ReadEventsAsync(Epoch, 1, 3);
        stream.Settle();
        topic.Ref.Tell(Marker.Instance, ActorRefs.NoSender);
        topic.ExpectMsg<Marker>();

        // The fourth makes half the window: all four go back in one grant.
        topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, 4, 4));
        await stream.ReadEventsAsync(Epoch, 4, 4);
        Assert.Equal(4, topic.ExpectMsg<GrantCredit>().Credit);

        // One more, then the topic actor is replaced: its successor is granted a whole window,
        // and the one event owed to the old actor is not carried over.
        topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, 5, 5));
        await stream.ReadEventsAsync(Epoch, 5, 5);
        topic.Send(stream.Actor, new SubscriptionEnded(Orders)); // what a topic actor tells its local streams as it stops
        topic.Ref.Tell(PoisonPill.Instance);
        stream.ExpectSubscribe(Orders);
        var successor = stream.Subscribed(Orders, Epoch, after: 5);
        Assert.Equal(8, successor.ExpectMsg<GrantCredit>().Credit);
        successor.Send(stream.Actor, DeliveryOf(Orders, Epoch, 6, 8));
        await stream.ReadEventsAsync(Epoch, 6, 8);
        stream.Settle();
        successor.Ref.Tell(Marker.Instance, ActorRefs.NoSender);
        successor.ExpectMsg<Marker>(); // 3 of 8 written: still nothing owed back
    }

    [Fact]
    public async Task A_connection_stopped_while_its_client_is_not_reading_grants_no_credit_for_what_the_client_did_not_read()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32, useSynchronizationContext: false));
        var stream = Open(pipe: pipe);
        var topic = await stream.SubscribedAsync(Epoch, after: 0);
        topic.Send(stream.Actor, DeliveryOf(Orders, Event(Epoch, 1, data: new string('x', 100))));
        await stream.Reader.HoldNextFlushAsync(); // the actor has handed the bytes over and waits on the client

        // A stop is a system message: the actor takes it while it waits, but only once it has
        // finished handling the delivery, so a grant told along with the flush would come first.
        Sys.Stop(stream.Actor);

        Assert.Equal(new Unsubscribe(stream.Actor), topic.ExpectMsg<Unsubscribe>());
        await stream.ExpectEndedAsync();
    }

    // ---- Catching up from the journal -----------------------------------------------------------

    /// <summary>Appends events "event 1" .. "event {count}" to <paramref name="topic"/>; returns its epoch.</summary>
    private async Task<TopicEpoch> AppendAsync(TopicName topic, int count)
    {
        var events = Enumerable.Range(1, count).Select(i => new NewEvent(Encoding.UTF8.GetBytes($"event {i}"))).ToArray();
        return (await Sqlite.AppendAsync(new AppendRequest(topic, ExpectedHead: 0, events))).Epoch;
    }

    [Fact]
    public async Task A_catch_up_reads_the_journal_page_by_page_and_reports_where_it_caught_up()
    {
        var epoch = await AppendAsync(Orders, 10);
        var stream = Open(StartPosition.Earliest.Instance);
        var topic = await stream.SubscribedAsync(epoch, after: 0);

        topic.Send(stream.Actor, new CatchUpRequired(Orders, epoch, 0, 10));

        await stream.ReadEventsAsync(epoch, 1, 10);
        Assert.Equal(new CaughtUp(stream.Actor, epoch, 10), topic.ExpectMsg<CaughtUp>());
        Assert.Equal([0UL, 3, 6, 9], _journal.ReadsAfter); // pages of CatchUpPageSize
        topic.Send(stream.Actor, DeliveryOf(Orders, epoch, 11, 11)); // live again, from the topic
        await stream.ReadEventsAsync(epoch, 11, 11);
    }

    [Fact]
    public async Task A_catch_up_that_ends_on_a_full_page_at_the_head_reads_no_empty_page_after_it()
    {
        var epoch = await AppendAsync(Orders, 6);
        var stream = Open(StartPosition.Earliest.Instance);
        var topic = await stream.SubscribedAsync(epoch, after: 0);

        topic.Send(stream.Actor, new CatchUpRequired(Orders, epoch, 0, 6));

        await stream.ReadEventsAsync(epoch, 1, 6);
        Assert.Equal(new CaughtUp(stream.Actor, epoch, 6), topic.ExpectMsg<CaughtUp>());
        Assert.Equal([0UL, 3], _journal.ReadsAfter);
    }

    [Fact]
    public async Task A_catch_up_asked_for_through_another_reference_to_the_same_topic_actor_is_read_and_reported()
    {
        // A topic actor on another node reaches the connection through references resolved per
        // message: equal (same path and uid) but not always the same instance.
        var epoch = await AppendAsync(Orders, 4);
        var stream = Open(StartPosition.Earliest.Instance);
        var topic = await stream.SubscribedAsync(epoch, after: 0);

        stream.Actor.Tell(new CatchUpRequired(Orders, epoch, 0, 4), new EqualActorRef(topic.Ref));

        await stream.ReadEventsAsync(epoch, 1, 4);
        Assert.Equal(new CaughtUp(stream.Actor, epoch, 4), topic.ExpectMsg<CaughtUp>());
    }

    [Fact]
    public async Task History_trimmed_between_two_pages_is_reported_as_a_reset_and_the_catch_up_continues_after_it()
    {
        var epoch = await AppendAsync(Orders, 10);
        _journal.BeforeRead = after => after == 3 ? Sqlite.TrimAsync(Orders, new Retention { MaxEvents = 3 }) : Task.CompletedTask;
        var stream = Open(StartPosition.Earliest.Instance, requestedId: null);
        var topic = await stream.SubscribedAsync(epoch, after: 0);

        topic.Send(stream.Actor, new CatchUpRequired(Orders, epoch, 0, 10));

        await stream.ReadEventsAsync(epoch, 1, 3);
        var reset = await stream.ReadResetAsync(continuesAfter: $"{new EventCursor(epoch, 7)}"); // 4..7 are gone
        Assert.Equal(("history-trimmed", "tests.orders"), (reset.GetProperty("reason").GetString(), reset.GetProperty("topic").GetString()));
        Assert.False(reset.TryGetProperty("requested", out _)); // no Last-Event-ID was sent
        await stream.ReadEventsAsync(epoch, 8, 10);
        Assert.Equal(new CaughtUp(stream.Actor, epoch, 10), topic.ExpectMsg<CaughtUp>());
    }

    // ---- Resets ---------------------------------------------------------------------------------

    [Fact]
    public async Task A_reset_learnt_while_subscribing_is_written_before_any_event()
    {
        var topics = TopicSet.Create(Orders, Prices);
        var stream = Open(new StreamRequest(topics, [StartPosition.Live.Instance, StartPosition.Live.Instance], MultiTopic: true, "m.not-a-cursor"));
        stream.ExpectSubscribe(Orders);
        stream.ExpectSubscribe(Prices);

        // Orders answers with a reset; it is given no credit (so it can push nothing) until
        // prices has answered too, and only then may it deliver.
        var orders = stream.Subscribed(Orders, Epoch, after: 0, ResetReason.StaleEpoch);
        stream.Settle();
        orders.Ref.Tell(Marker.Instance, ActorRefs.NoSender);
        orders.ExpectMsg<Marker>(); // no grant came before it
        var prices = stream.Subscribed(Prices, NewEpoch, after: 4);
        stream.ExpectInitialCredit(orders);
        stream.ExpectInitialCredit(prices);
        orders.Send(stream.Actor, DeliveryOf(Orders, Epoch, 1, 1));

        string CursorOf(ulong orders) => new MultiTopicCursor(topics, [new EventCursor(Epoch, orders), new EventCursor(NewEpoch, 4)]).Format();
        Assert.Equal("1500", (await stream.Reader.ReadFrameAsync()).Retry);
        var reset = await stream.ReadResetAsync(continuesAfter: CursorOf(0));
        Assert.Equal(("stale-epoch", "tests.orders", "m.not-a-cursor"),
            (reset.GetProperty("reason").GetString(), reset.GetProperty("topic").GetString(), reset.GetProperty("requested").GetString()));
        await stream.ReadEventAsync(CursorOf(1), "event 1");
    }

    [Fact]
    public async Task A_topic_reset_is_written_and_the_stream_continues_from_the_start_of_the_new_epoch()
    {
        var stream = Open();
        var topic = await stream.SubscribedAsync(Epoch, after: 0);
        topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, 1, 2));
        await stream.ReadEventsAsync(Epoch, 1, 2);

        // Sequence numbers go on across a delete: the new epoch's first event is 3.
        topic.Send(stream.Actor, new TopicReset(Orders, NewEpoch, 2, ResetReason.TopicDeleted));
        topic.Send(stream.Actor, DeliveryOf(Orders, NewEpoch, 3, 4));

        var reset = await stream.ReadResetAsync(continuesAfter: "epoch001-2");
        Assert.Equal("topic-deleted", reset.GetProperty("reason").GetString());
        await stream.ReadEventsAsync(NewEpoch, 3, 4);
    }

    // ---- When a topic actor goes ----------------------------------------------------------------

    [Fact]
    public async Task A_connection_whose_topic_actor_stops_subscribes_again_from_its_exact_position()
    {
        var stream = Open();
        var first = await stream.SubscribedAsync(Epoch, after: 0);
        first.Send(stream.Actor, DeliveryOf(Orders, Epoch, 1, 3));
        await stream.ReadEventsAsync(Epoch, 1, 3);

        first.Send(stream.Actor, new SubscriptionEnded(Orders)); // what a topic actor tells its local streams as it stops
        first.Ref.Tell(PoisonPill.Instance);

        var again = stream.ExpectSubscribe(Orders);
        Assert.Equal(new StartPosition.After(new EventCursor(Epoch, 3)), again.Start);
        var second = stream.Subscribed(Orders, Epoch, after: 3);
        stream.ExpectInitialCredit(second); // a fresh subscription, granted its credit afresh
        second.Send(stream.Actor, DeliveryOf(Orders, Epoch, 2, 5)); // a fresh actor's ring may overlap
        await stream.ReadEventsAsync(Epoch, 4, 5);
        Assert.Equal(4, second.ExpectMsg<GrantCredit>().Credit);
        stream.Settle();
        stream.Reader.AssertNothingMoreWritten(); // no reset: nothing was lost
    }

    [Fact]
    public async Task A_topic_actor_that_stops_in_the_middle_of_a_catch_up_and_starts_again_costs_the_stream_no_event()
    {
        var epoch = await AppendAsync(Orders, 10);
        var secondPage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _journal.BeforeRead = after => after == 3 ? secondPage.Task : Task.CompletedTask;
        var stream = Open(StartPosition.Earliest.Instance);
        var first = await stream.SubscribedAsync(epoch, after: 0);
        first.Send(stream.Actor, new CatchUpRequired(Orders, epoch, 0, 10));
        await stream.ReadEventsAsync(epoch, 1, 3); // the first page; the second is being read

        // The topic passivates (or its shard moves) now, and two more events are committed
        // before its next actor starts.
        first.Send(stream.Actor, new SubscriptionEnded(Orders)); // what a topic actor tells its local streams as it stops
        first.Ref.Tell(PoisonPill.Instance);
        await Sqlite.AppendAsync(new AppendRequest(Orders, ExpectedHead: 10, [new NewEvent(Encoding.UTF8.GetBytes("event 11")), new NewEvent(Encoding.UTF8.GetBytes("event 12"))]) { ExpectedEpoch = epoch });
        secondPage.SetResult();

        // The stream subscribes again from exactly where its client is, and the new actor (head 12,
        // nothing in its ring yet) sends it to the journal for the rest.
        var again = stream.ExpectSubscribe(Orders);
        var position = Assert.IsType<StartPosition.After>(again.Start).Cursor;
        Assert.Equal(epoch, position.Epoch);
        var second = stream.Subscribed(Orders, epoch, after: position.Sequence);
        stream.ExpectInitialCredit(second);
        second.Send(stream.Actor, new CatchUpRequired(Orders, epoch, position.Sequence, 12));

        await stream.ReadEventsAsync(epoch, 4, 12); // every event once, in order
        Assert.Equal(new CaughtUp(stream.Actor, epoch, 12), second.FishForMessage<CaughtUp>(_ => true));
        stream.Settle();
        stream.Reader.AssertNothingMoreWritten(); // no reset, no duplicate
    }

    // ---- How a stream ends ----------------------------------------------------------------------

    [Fact]
    public async Task A_subscription_the_topic_rejects_ends_the_stream()
    {
        var stream = Open();
        stream.ExpectSubscribe(Orders);

        CreateTestProbe().Send(stream.Actor, new SubscribeRejected(Orders, "the journal did not answer"));

        await stream.ExpectEndedAsync();
    }

    [Fact]
    public async Task A_rejection_of_one_topic_ends_a_multi_topic_stream_and_unsubscribes_from_the_others()
    {
        var topics = TopicSet.Create(Orders, Prices);
        var stream = Open(new StreamRequest(topics, [StartPosition.Live.Instance, StartPosition.Live.Instance], MultiTopic: true, null));
        stream.ExpectSubscribe(Orders);
        stream.ExpectSubscribe(Prices);
        var orders = stream.Subscribed(Orders, Epoch, after: 0);

        CreateTestProbe().Send(stream.Actor, new SubscribeRejected(Prices, "the journal did not answer"));

        await stream.ExpectEndedAsync();
        Assert.Equal(new Unsubscribe(stream.Actor), orders.ExpectMsg<Unsubscribe>());
    }

    [Fact]
    public async Task A_client_that_disconnects_ends_the_stream_and_the_topic_forgets_it()
    {
        var stream = Open();
        var topic = await stream.SubscribedAsync(Epoch, after: 0);

        stream.Abort.Cancel(); // the request is aborted: the lifetime tells the actor

        await stream.ExpectEndedAsync();
        Assert.Equal(new Unsubscribe(stream.Actor), topic.ExpectMsg<Unsubscribe>());
    }

    [Fact]
    public async Task Client_gone_ends_a_stream_that_is_still_subscribing()
    {
        var stream = Open();
        stream.ExpectSubscribe(Orders);

        stream.Actor.Tell(ConnectionActor.ClientGone.Instance);

        await stream.ExpectEndedAsync();
    }

    [Fact]
    public async Task A_response_whose_reader_completed_ends_the_stream_at_the_next_flush_without_granting_credit()
    {
        var stream = Open();
        var topic = await stream.SubscribedAsync(Epoch, after: 0);

        await stream.Pipe.Reader.CompleteAsync();
        topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, 1, 1));

        await stream.ExpectEndedAsync();
        Assert.Equal(new Unsubscribe(stream.Actor), topic.ExpectMsg<Unsubscribe>()); // and no grant before it
    }

    // ---- Lost subscriptions, on virtual time -----------------------------------------------------

    [Fact]
    public void A_topic_that_does_not_answer_is_asked_again_at_the_next_tick_from_where_the_client_asked()
    {
        // The first Subscribe reached a topic actor that was stopping, and was lost with it.
        var stream = Open(new StartPosition.After(new EventCursor(Epoch, 7)));
        var first = stream.ExpectSubscribe(Orders);
        stream.Settle();

        Scheduler.Advance(HeartbeatInterval);
        Assert.Equal(first, stream.ExpectSubscribe(Orders));

        // Both reached the topic after all: the first answer stands, the second is ignored.
        var topicActor = stream.Subscribed(Orders, Epoch, after: 7);
        stream.ExpectInitialCredit(topicActor);
        topicActor.Send(stream.Actor, new Subscribed(Orders, Epoch, 7, null));
        stream.Settle();
        topicActor.ExpectNoMsg(TimeSpan.Zero); // no second grant: its window was granted once
        Scheduler.Advance(HeartbeatInterval);
        stream.Settle();
        stream.Registry.ExpectNoMsg(TimeSpan.Zero); // answered: not asked again
    }

    [Fact]
    public async Task A_resubscription_lost_with_a_stopping_topic_is_asked_again_from_the_exact_position()
    {
        var stream = Open();
        var topicActor = await stream.SubscribedAsync(Epoch, after: 3);
        topicActor.Send(stream.Actor, DeliveryOf(Orders, Epoch, 4, 4));
        await stream.ReadEventAsync($"{Epoch}-4", "event 4");
        Watch(topicActor.Ref);
        topicActor.Send(stream.Actor, new SubscriptionEnded(Orders)); // what a topic actor tells its local streams as it stops
        Sys.Stop(topicActor.Ref);
        ExpectTerminated(topicActor.Ref);

        var resumeAt = new StartPosition.After(new EventCursor(Epoch, 4));
        Assert.Equal(resumeAt, stream.ExpectSubscribe(Orders).Start);
        stream.Settle();
        Scheduler.Advance(HeartbeatInterval);
        Assert.Equal(resumeAt, stream.ExpectSubscribe(Orders).Start);
    }

    // ---- Heartbeats, on virtual time ------------------------------------------------------------

    [Fact]
    public async Task A_heartbeat_comes_once_the_stream_has_been_quiet_for_a_whole_interval_and_not_before()
    {
        var stream = Open();
        await stream.SubscribedAsync(Epoch, after: 0);
        stream.Settle();

        Scheduler.Advance(HeartbeatInterval - TimeSpan.FromMilliseconds(1));
        stream.Settle();
        stream.Reader.AssertNothingMoreWritten();

        Scheduler.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await stream.Reader.ReadFrameAsync()).IsHeartbeat);
        stream.Settle();

        Scheduler.Advance(HeartbeatInterval); // and again after every quiet interval
        Assert.True((await stream.Reader.ReadFrameAsync()).IsHeartbeat);
    }

    [Fact]
    public async Task No_heartbeat_comes_while_events_keep_coming_and_one_comes_an_interval_after_the_last()
    {
        var stream = Open();
        var topic = await stream.SubscribedAsync(Epoch, after: 0);
        var step = TimeSpan.FromSeconds(10); // shorter than an interval: the stream is never quiet that long

        for (ulong sequence = 1; sequence <= 4; sequence++)
        {
            stream.Settle();
            Scheduler.Advance(step);
            topic.Send(stream.Actor, DeliveryOf(Orders, Epoch, sequence, sequence));
            await stream.ReadEventAsync($"epoch000-{sequence}", $"event {sequence}"); // not a heartbeat
        }

        stream.Settle();
        Scheduler.Advance(HeartbeatInterval - TimeSpan.FromSeconds(1));
        stream.Settle();
        stream.Reader.AssertNothingMoreWritten();
        Scheduler.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await stream.Reader.ReadFrameAsync()).IsHeartbeat);
    }

    [Fact]
    public async Task A_heartbeat_tick_that_comes_while_the_stream_is_subscribing_is_not_lost()
    {
        var stream = Open();
        stream.ExpectSubscribe(Orders);
        stream.Settle(); // started: its heartbeat timer is set

        Scheduler.Advance(HeartbeatInterval + TimeSpan.FromSeconds(1)); // the tick comes before Subscribed
        stream.Settle();
        stream.Subscribed(Orders, Epoch, after: 0);

        Assert.Equal("1500", (await stream.Reader.ReadFrameAsync()).Retry);
        Assert.True((await stream.Reader.ReadFrameAsync()).IsHeartbeat); // it was quiet for more than an interval
        stream.Settle();
        stream.Reader.AssertNothingMoreWritten();
        Scheduler.Advance(HeartbeatInterval);
        Assert.True((await stream.Reader.ReadFrameAsync()).IsHeartbeat); // the timer still runs
    }
}
