using EventActors.Actors.Kernel;
using EventActors.TestKit;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

/// <summary>Timers and receive timeouts on virtual time: nothing here waits on the wall clock.</summary>
public sealed class TimerTests() : TestKit.TestKit(new ActorSystemSettings { Scheduler = new TestScheduler() })
{
    private sealed record Start(string Kind, string Key, TimeSpan Delay);

    private sealed record Cancel(string Key);

    private sealed class Timed : ReceiveActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        public Timed(IActorRef report)
        {
            Receive<Start>(s =>
            {
                if (s.Kind == "single")
                {
                    Timers.StartSingleTimer(s.Key, "tick:" + s.Key, s.Delay);
                }
                else
                {
                    Timers.StartPeriodicTimer(s.Key, "tick:" + s.Key, s.Delay);
                }

                Sender.Tell("started");
            });
            Receive<Cancel>(c =>
            {
                Timers.Cancel(c.Key);
                Sender.Tell("cancelled");
            });
            Receive<string>(m => m == "active?", _ => Sender.Tell(Timers.ActiveTimers.Count));
            Receive<string>(m => report.Tell(m));
        }
    }

    private IActorRef StartTimer(IActorRef actor, string kind, string key, TimeSpan delay)
    {
        actor.Tell(new Start(kind, key, delay), TestActor);
        ExpectMsg("started");
        return actor;
    }

    [Fact]
    public void A_single_timer_fires_once_when_due()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Timed(TestActor)));
        StartTimer(actor, "single", "a", TimeSpan.FromSeconds(5));

        TestScheduler!.Advance(TimeSpan.FromSeconds(5));
        ExpectMsg("tick:a");
        TestScheduler.Advance(TimeSpan.FromSeconds(50));
        actor.Tell("active?", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void A_periodic_timer_fires_every_interval_until_cancelled()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Timed(TestActor)));
        StartTimer(actor, "periodic", "p", TimeSpan.FromSeconds(1));

        for (var i = 0; i < 3; i++)
        {
            TestScheduler!.Advance(TimeSpan.FromSeconds(1));
            ExpectMsg("tick:p");
        }

        actor.Tell(new Cancel("p"), TestActor);
        ExpectMsg("cancelled");
        Assert.Equal(0, TestScheduler!.PendingCount);
    }

    [Fact]
    public void Restarting_a_key_replaces_its_timer()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Timed(TestActor)));
        StartTimer(actor, "single", "k", TimeSpan.FromSeconds(1));
        StartTimer(actor, "single", "k", TimeSpan.FromSeconds(10));

        TestScheduler!.Advance(TimeSpan.FromSeconds(1));
        actor.Tell("marker");
        ExpectMsg("marker"); // the first timer was replaced: nothing came before the marker
        TestScheduler.Advance(TimeSpan.FromSeconds(9));
        ExpectMsg("tick:k");
    }

    [Fact]
    public void A_message_from_a_timer_cancelled_after_it_fired_is_dropped()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Timed(TestActor)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Occupy the actor so the timer's message waits in the mailbox behind the cancel.
        actor.Tell(new Start("single", "late", TimeSpan.FromSeconds(1)), TestActor);
        ExpectMsg("started");
        var blocker = Sys.ActorOf(Props.Create(() => new Timed(TestActor)));
        TestScheduler!.Advance(TimeSpan.FromSeconds(1)); // the tick is now queued or handled...
        actor.Tell(new Cancel("late"), TestActor);
        // ...either way exactly one of "tick:late" (handled before the cancel) or nothing follows.
        var first = FishForMessage(m => m is "cancelled" or "tick:late");
        if (first is "tick:late")
        {
            ExpectMsg("cancelled");
        }

        actor.Tell("marker");
        ExpectMsg("marker");
        gate.SetResult();
        Assert.NotNull(blocker);
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_stops()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Timed(TestActor)));
        StartTimer(actor, "periodic", "p", TimeSpan.FromSeconds(1));
        StartTimer(actor, "single", "s", TimeSpan.FromSeconds(3));
        Assert.Equal(2, TestScheduler!.PendingCount);

        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        Assert.Equal(0, TestScheduler.PendingCount);
        TestScheduler.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, Sys.DeadLetterCount); // nothing fired at the stopped actor
    }

    private sealed class Impatient : ReceiveActor
    {
        public Impatient(IActorRef report)
        {
            SetReceiveTimeout(TimeSpan.FromSeconds(30));
            Receive<ReceiveTimeout>(_ => report.Tell("timeout"));
            Receive<string>(m => Sender.Tell("ack:" + m));
        }
    }

    [Fact]
    public void ReceiveTimeout_fires_after_silence_and_each_message_restarts_it()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Impatient(TestActor)));
        actor.Tell("hello", TestActor);
        ExpectMsg("ack:hello");

        TestScheduler!.Advance(TimeSpan.FromSeconds(20));
        actor.Tell("again", TestActor);
        ExpectMsg("ack:again");
        TestScheduler.Advance(TimeSpan.FromSeconds(20)); // 40 s since start, 20 s since "again"
        actor.Tell("marker", TestActor);
        ExpectMsg("ack:marker");                          // no timeout came before it

        TestScheduler.Advance(TimeSpan.FromSeconds(30));
        ExpectMsg("timeout");
    }

    [Fact]
    public void ReceiveTimeout_falls_due_one_interval_after_the_last_of_many_messages()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Impatient(TestActor)));
        for (var i = 0; i < 5; i++)
        {
            actor.Tell("busy" + i, TestActor);
            ExpectMsg("ack:busy" + i);
            TestScheduler!.Advance(TimeSpan.FromSeconds(10)); // the first timer falls due mid-way and re-arms itself
        }

        // 10 s after the last message: 19 more are not enough ...
        TestScheduler!.Advance(TimeSpan.FromSeconds(19));
        actor.Tell("marker", TestActor);
        ExpectMsg("ack:marker");

        // ... and the marker itself started a new interval.
        TestScheduler.Advance(TimeSpan.FromSeconds(29));
        actor.Tell("marker2", TestActor);
        ExpectMsg("ack:marker2");
        TestScheduler.Advance(TimeSpan.FromSeconds(30));
        ExpectMsg("timeout");
    }

    [Fact]
    public void ReceiveTimeout_fires_again_after_a_message_that_follows_a_timeout()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Impatient(TestActor)));
        actor.Tell("hello", TestActor);
        ExpectMsg("ack:hello"); // started: its timer is set
        TestScheduler!.Advance(TimeSpan.FromSeconds(30));
        ExpectMsg("timeout");

        actor.Tell("back", TestActor);
        ExpectMsg("ack:back");
        TestScheduler.Advance(TimeSpan.FromSeconds(30));
        ExpectMsg("timeout");
    }

    [Fact]
    public void A_stopped_actor_with_a_receive_timeout_leaves_no_timer_and_gets_no_tick()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Impatient(TestActor)));
        actor.Tell("hello", TestActor);
        ExpectMsg("ack:hello");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        Assert.Equal(0, TestScheduler!.PendingCount);
        TestScheduler.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, Sys.DeadLetterCount);
    }
}
