using Akka.Actor;
using Akka.TestKit;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>
/// How a topic feeds its subscribers: pushes to those up to date with credit, feeds the others from
/// its ring when credit returns, sends those behind the ring to the journal. TestProbes are the
/// subscribers and the topic actor; the ring is real.
/// </summary>
/// <remarks>
/// Everything a <see cref="TopicSubscribers"/> sends is told before its method returns, so a marker
/// told to a probe afterwards arrives behind it: receiving the marker first proves nothing was sent.
/// </remarks>
public sealed class TopicSubscribersTests : ActorTest
{
    private static readonly TopicName Topic = TopicName.Parse("tests.subscribers");
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("epoch000");
    private static readonly TopicEpoch NewEpoch = TopicEpoch.Parse("epoch001");

    private readonly TestProbe _topicActor;
    private readonly TopicSubscribers _subscribers;
    private EventRing _ring = new(capacity: 8);
    private TopicEpoch _epoch = Epoch;
    private ulong _head;

    public TopicSubscribersTests()
    {
        _topicActor = CreateTestProbe("topic");
        _subscribers = new TopicSubscribers(Topic, _topicActor.Ref);
    }

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }

    /// <summary>Commits the next <paramref name="count"/> events, as the topic actor does after an append.</summary>
    private CommittedEvent[] Commit(int count)
    {
        var batch = new CommittedEvent[count];
        for (var i = 0; i < count; i++)
        {
            batch[i] = new CommittedEvent(_epoch, ++_head, type: null, "e"u8.ToArray());
            _ring.Add(batch[i]);
        }

        _subscribers.Committed(batch, _ring, _epoch, _head);
        return batch;
    }

    private void Grant(TestProbe subscriber, int credit) => _subscribers.Grant(subscriber.Ref, credit, _ring, _epoch, _head);

    private void CaughtUp(TestProbe subscriber, TopicEpoch epoch, ulong position) =>
        _subscribers.CaughtUp(subscriber.Ref, epoch, position, _ring, _epoch, _head);

    /// <summary>Everything sent to <paramref name="probe"/> so far, in order.</summary>
    private List<object> Drain(TestProbe probe)
    {
        probe.Ref.Tell(Marker.Instance, ActorRefs.NoSender);
        var received = new List<object>();
        while (probe.ReceiveOne(DefaultTimeout) is var message && message is not Marker)
        {
            Assert.NotNull(message); // null: the marker did not come back within the deadline
            received.Add(message);
        }

        return received;
    }

    private void ExpectNothingSent(TestProbe probe) => Assert.Empty(Drain(probe));

    private Deliver ExpectDeliver(TestProbe probe, params ulong[] sequences)
    {
        var deliver = probe.ExpectMsg<Deliver>();
        Assert.Same(_topicActor.Ref, probe.LastSender); // credit and catch-ups go back to the topic actor
        Assert.Equal(Topic, deliver.Topic);
        Assert.Equal(sequences, deliver.Events.Select(e => e.Sequence));
        return deliver;
    }

    [Fact]
    public void A_batch_for_subscribers_that_are_up_to_date_with_credit_is_one_shared_Deliver()
    {
        var subscribers = new[] { CreateTestProbe(), CreateTestProbe(), CreateTestProbe() };
        foreach (var subscriber in subscribers)
        {
            _subscribers.Add(subscriber.Ref, after: 0, credit: 10);
        }

        var batch = Commit(3);

        var delivered = subscribers.Select(s => ExpectDeliver(s, 1, 2, 3)).ToArray();
        Assert.All(delivered, d => Assert.Same(delivered[0], d));        // one message for everyone
        Assert.Same(batch, delivered[0].Events.Array);                    // the batch itself, not a copy
    }

    [Fact]
    public void A_subscriber_scantof_credit_for_a_batch_gets_what_its_credit_allows_and_the_rest_from_the_ring_after_a_grant()
    {
        var ample = CreateTestProbe();
        var scant = CreateTestProbe();
        _subscribers.Add(ample.Ref, after: 0, credit: 10);
        _subscribers.Add(scant.Ref, after: 0, credit: 2);

        Commit(3);

        var shared = ExpectDeliver(ample, 1, 2, 3);
        var partial = ExpectDeliver(scant, 1, 2);
        Assert.NotSame(shared, partial);
        ExpectNothingSent(scant); // out of credit: event 3 waits in the ring

        Grant(scant, 5);

        ExpectDeliver(scant, 3);
        ExpectNothingSent(scant); // up to date now: nothing more until the next commit
    }

    [Fact]
    public void A_subscriber_without_credit_is_skipped_and_fed_from_the_ring_once_credit_comes()
    {
        var subscriber = CreateTestProbe();
        _subscribers.Add(subscriber.Ref, after: 0, credit: 0);

        Commit(2);
        Commit(2);
        ExpectNothingSent(subscriber);

        Grant(subscriber, 3);
        ExpectDeliver(subscriber, 1, 2, 3);
        Grant(subscriber, 3);
        ExpectDeliver(subscriber, 4);

        Commit(1); // up to date again, with credit to spare: the shared push resumes
        ExpectDeliver(subscriber, 5);
    }

    [Fact]
    public void A_subscriber_behind_the_ring_is_sent_to_the_journal_and_not_pushed_to_until_it_has_caught_up()
    {
        _ring = new EventRing(capacity: 4);
        Commit(10); // the ring holds 7..10
        var subscriber = CreateTestProbe();
        _subscribers.Add(subscriber.Ref, after: 2, credit: 0);

        Grant(subscriber, 8);

        Assert.Equal(new CatchUpRequired(Topic, Epoch, 2, 10), subscriber.ExpectMsg<CatchUpRequired>());
        Assert.Same(_topicActor.Ref, subscriber.LastSender);
        Commit(1);
        Grant(subscriber, 5);
        ExpectNothingSent(subscriber); // reading the journal: neither a commit nor credit pushes to it

        CaughtUp(subscriber, Epoch, 8); // it read 3..8

        ExpectDeliver(subscriber, 9, 10, 11);
        ExpectNothingSent(subscriber);
    }

    [Fact]
    public void A_subscriber_that_catches_up_to_a_point_the_ring_no_longer_holds_is_sent_to_the_journal_again()
    {
        _ring = new EventRing(capacity: 2);
        Commit(5);
        var subscriber = CreateTestProbe();
        _subscribers.Add(subscriber.Ref, after: 0, credit: 10);
        Grant(subscriber, 0);
        Assert.Equal(0UL, subscriber.ExpectMsg<CatchUpRequired>().After);
        Commit(3); // the ring moves on to 7..8 while the subscriber reads

        CaughtUp(subscriber, Epoch, 5);

        Assert.Equal(new CatchUpRequired(Topic, Epoch, 5, 8), subscriber.ExpectMsg<CatchUpRequired>());
        CaughtUp(subscriber, Epoch, 8);
        ExpectNothingSent(subscriber); // at the head: nothing to send
        Commit(1);
        ExpectDeliver(subscriber, 9);
    }

    [Fact]
    public void A_catch_up_of_another_epoch_is_ignored()
    {
        _ring = new EventRing(capacity: 2);
        Commit(5);
        var subscriber = CreateTestProbe();
        _subscribers.Add(subscriber.Ref, after: 0, credit: 10);
        Grant(subscriber, 0);
        subscriber.ExpectMsg<CatchUpRequired>();

        CaughtUp(subscriber, NewEpoch, 5);

        ExpectNothingSent(subscriber);
        Commit(1);
        ExpectNothingSent(subscriber); // still catching up: the stale answer did not end it
        CaughtUp(subscriber, Epoch, 5);
        ExpectDeliver(subscriber, 6);
    }

    [Fact]
    public void A_catch_up_from_a_subscriber_that_is_not_catching_up_changes_nothing()
    {
        var subscriber = CreateTestProbe();
        _subscribers.Add(subscriber.Ref, after: 0, credit: 10);
        Commit(2);
        ExpectDeliver(subscriber, 1, 2);

        CaughtUp(subscriber, Epoch, 1);  // behind what it was sent: taking it would repeat event 2
        CaughtUp(subscriber, Epoch, 50); // ahead of the head: taking it would skip events
        ExpectNothingSent(subscriber);

        Commit(1);
        ExpectDeliver(subscriber, 3);
    }

    [Fact]
    public void A_reset_tells_every_subscriber_and_they_continue_from_the_start_of_the_new_epoch()
    {
        _ring = new EventRing(capacity: 2);
        Commit(5);
        var upToDate = CreateTestProbe();
        var catchingUp = CreateTestProbe();
        _subscribers.Add(upToDate.Ref, after: 5, credit: 10);
        _subscribers.Add(catchingUp.Ref, after: 0, credit: 10);
        Grant(catchingUp, 0);
        catchingUp.ExpectMsg<CatchUpRequired>();

        _epoch = NewEpoch; // numbered on from the old head: the new epoch's events are 6, 7, ...
        _ring.Clear();
        _subscribers.Reset(NewEpoch, _head, ResetReason.TopicDeleted);

        foreach (var subscriber in new[] { upToDate, catchingUp })
        {
            Assert.Equal(new TopicReset(Topic, NewEpoch, 5, ResetReason.TopicDeleted), subscriber.ExpectMsg<TopicReset>());
            Assert.Same(_topicActor.Ref, subscriber.LastSender);
        }

        Commit(2);
        foreach (var subscriber in new[] { upToDate, catchingUp })
        {
            var deliver = ExpectDeliver(subscriber, 6, 7);
            Assert.All(deliver.Events, e => Assert.Equal(NewEpoch, e.Epoch));
        }
    }

    [Fact]
    public void A_subscriber_is_found_by_an_equal_reference_that_is_another_instance()
    {
        var subscriber = CreateTestProbe();
        var sameActor = new EqualActorRef(subscriber.Ref);
        Assert.NotSame(subscriber.Ref, sameActor);
        Assert.True(subscriber.Ref.Equals(sameActor));
        _subscribers.Add(subscriber.Ref, after: 0, credit: 0);
        Commit(2);

        _subscribers.Grant(sameActor, 5, _ring, _epoch, _head);

        ExpectDeliver(subscriber, 1, 2);
        Assert.True(_subscribers.Remove(sameActor));
        Assert.Equal(0, _subscribers.Count);
    }

    [Fact]
    public void A_removed_subscriber_is_no_longer_pushed_to_and_grants_for_it_are_ignored()
    {
        var subscriber = CreateTestProbe();
        _subscribers.Add(subscriber.Ref, after: 0, credit: 10);

        Assert.True(_subscribers.Remove(subscriber.Ref));
        Assert.False(_subscribers.Remove(subscriber.Ref));
        Commit(2);
        Grant(subscriber, 5);

        ExpectNothingSent(subscriber);
    }

    // The property below drives three subscribers that behave as connections do (they grant what
    // they are given, read the journal when told to and report how far they got) through random
    // commits, grants, catch-ups, stale catch-ups, resets and re-subscriptions.

    private abstract record Step;

    private sealed record CommitStep(int Count) : Step;

    private sealed record GrantStep(int Subscriber, int Credit) : Step;

    /// <summary>A subscriber told to catch up reports a position that far (percent) from where it was to the head.</summary>
    private sealed record CatchUpStep(int Subscriber, int Percent) : Step;

    private sealed record StaleCatchUpStep(int Subscriber) : Step;

    private sealed record ResetStep : Step;

    private sealed record ResubscribeStep(int Subscriber, int Percent, int Credit) : Step;

    private const int Subscribers = 3;

    private static readonly Gen<int> AnySubscriber = Gen.Choose(0, Subscribers - 1);

    private static readonly Gen<Step> Steps = Gen.Frequency(
    [
        (6, Gen.Choose(1, 4).Select(Step (n) => new CommitStep(n))),
        (6, from i in AnySubscriber from credit in Gen.Choose(0, 4) select (Step)new GrantStep(i, credit)),
        (4, from i in AnySubscriber from percent in Gen.Choose(0, 100) select (Step)new CatchUpStep(i, percent)),
        (1, AnySubscriber.Select(Step (i) => new StaleCatchUpStep(i))),
        (1, Gen.Constant<Step>(new ResetStep())),
        (1, from i in AnySubscriber from percent in Gen.Choose(0, 100) from credit in Gen.Choose(0, 4)
            select (Step)new ResubscribeStep(i, percent, credit)),
    ]);

    /// <summary>What a subscriber knows: its epoch and position, whether it is reading the journal, and its credit.</summary>
    private sealed class SubscriberModel
    {
        public TopicEpoch Epoch;
        public ulong Position;
        public bool CatchingUp;
        public int Credit;
    }

    [Fact]
    public void Whatever_happens_a_subscriber_is_sent_each_event_once_in_order_within_its_credit_and_reaches_the_head()
    {
        var probes = Enumerable.Range(0, Subscribers).Select(_ => CreateTestProbe()).ToArray();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(
            Gen.Zip(Gen.Choose(1, 6), Gen.ListOf(Steps)).ToArbitrary(), test =>
            {
                var (ringSize, steps) = test;
                var topic = new TopicSubscribers(Topic, _topicActor.Ref);
                var ring = new EventRing(ringSize);
                var epochs = new[] { Epoch, NewEpoch, TopicEpoch.Parse("epoch002") };
                var epochIndex = 0;
                var epoch = Epoch;
                ulong head = 0;
                var models = new SubscriberModel[Subscribers];
                for (var i = 0; i < Subscribers; i++)
                {
                    models[i] = new SubscriberModel { Epoch = epoch, Credit = i }; // credit 0, 1 and 2
                    topic.Add(probes[i].Ref, after: 0, credit: i);
                }

                void Observe()
                {
                    for (var i = 0; i < Subscribers; i++)
                    {
                        var model = models[i];
                        foreach (var message in Drain(probes[i]))
                        {
                            switch (message)
                            {
                                case Deliver deliver:
                                    Assert.False(model.CatchingUp, "pushed to while reading the journal");
                                    Assert.True(deliver.Events.Count > 0, "an empty delivery");
                                    foreach (var committed in deliver.Events)
                                    {
                                        Assert.Equal(model.Epoch, committed.Epoch);
                                        Assert.Equal(model.Position + 1, committed.Sequence); // no gap, no repeat, never backwards
                                        model.Position = committed.Sequence;
                                    }

                                    model.Credit -= deliver.Events.Count;
                                    Assert.True(model.Credit >= 0, "sent more than its credit");
                                    Assert.True(model.Position <= head, "sent past the head");
                                    break;
                                case CatchUpRequired catchUp:
                                    Assert.False(model.CatchingUp, "told twice to read the journal");
                                    Assert.Equal((model.Epoch, model.Position, head), (catchUp.Epoch, catchUp.After, catchUp.Through));
                                    Assert.True(catchUp.After < head, "sent to the journal with nothing to read");
                                    model.CatchingUp = true;
                                    break;
                                case TopicReset reset:
                                    (model.Epoch, model.Position, model.CatchingUp) = (reset.Epoch, reset.After, false);
                                    break;
                                default:
                                    Assert.Fail($"unexpected {message}");
                                    break;
                            }
                        }
                    }
                }

                void Grant(int i, int credit)
                {
                    models[i].Credit += credit;
                    topic.Grant(probes[i].Ref, credit, ring, epoch, head);
                }

                void CatchUp(int i, int percent)
                {
                    if (models[i].CatchingUp)
                    {
                        // It read the journal from its position up to somewhere no further than the head.
                        var position = models[i].Position + ((head - models[i].Position) * (ulong)percent / 100);
                        (models[i].Position, models[i].CatchingUp) = (position, false);
                        topic.CaughtUp(probes[i].Ref, models[i].Epoch, position, ring, epoch, head);
                    }
                }

                foreach (var step in steps)
                {
                    switch (step)
                    {
                        case CommitStep commit:
                            var batch = new CommittedEvent[commit.Count];
                            for (var k = 0; k < batch.Length; k++)
                            {
                                batch[k] = new CommittedEvent(epoch, ++head, null, "e"u8.ToArray());
                                ring.Add(batch[k]);
                            }

                            topic.Committed(batch, ring, epoch, head);
                            break;
                        case GrantStep grant:
                            Grant(grant.Subscriber, grant.Credit);
                            break;
                        case CatchUpStep catchUp:
                            CatchUp(catchUp.Subscriber, catchUp.Percent);
                            break;
                        case StaleCatchUpStep stale:
                            topic.CaughtUp(probes[stale.Subscriber].Ref, epochs[(epochIndex + 1) % epochs.Length], head, ring, epoch, head);
                            break;
                        case ResetStep:
                            epoch = epochs[epochIndex = (epochIndex + 1) % epochs.Length];
                            ring.Clear(); // the head stays: the new epoch numbers on from it
                            topic.Reset(epoch, head, ResetReason.TopicDeleted);
                            break;
                        case ResubscribeStep resubscribe:
                            var i = resubscribe.Subscriber;
                            Observe(); // what was sent to the old subscription is accounted for first
                            topic.Remove(probes[i].Ref);
                            var after = head * (ulong)resubscribe.Percent / 100;
                            models[i] = new SubscriberModel { Epoch = epoch, Position = after };
                            topic.Add(probes[i].Ref, after, credit: 0);
                            Grant(i, resubscribe.Credit);
                            break;
                    }

                    Observe();
                }

                // With credit and every catch-up answered, everyone reaches the head.
                for (var round = 0; round < 10 && models.Any(m => m.Epoch != epoch || m.Position < head); round++)
                {
                    for (var i = 0; i < Subscribers; i++)
                    {
                        CatchUp(i, 100);
                        Grant(i, 4);
                    }

                    Observe();
                }

                Assert.All(models, m => Assert.Equal((epoch, head), (m.Epoch, m.Position)));
            }));
    }
}
