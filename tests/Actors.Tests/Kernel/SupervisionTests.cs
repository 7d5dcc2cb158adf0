using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

public sealed class SupervisionTests : TestKit.TestKit
{
    /// <summary>Counts "inc"; "fail:X" throws X; "get" replies the count.</summary>
    private sealed class Stateful : ReceiveActor
    {
        private int _count;
        private readonly IActorRef _report;

        public Stateful(IActorRef report)
        {
            _report = report;
            Receive<string>(m => m == "inc", _ => { _count++; });
            Receive<string>(m => m == "get", _ => Sender.Tell(_count));
            Receive<string>(m => m.StartsWith("fail:"), Fail);
        }

        private static void Fail(string m) => throw m switch
        {
            "fail:resume" => new ArithmeticException(m),
            "fail:stop" => new InvalidOperationException(m),
            "fail:escalate" => new NotSupportedException(m),
            _ => new ApplicationException(m),
        };

        protected override void PreStart() => _report.Tell("prestart");

        protected override void PostStop() => _report.Tell("poststop");

        protected override void PreRestart(Exception reason, object? message)
        {
            _report.Tell($"prerestart:{message}");
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            _report.Tell($"postrestart:{reason.Message}");
            base.PostRestart(reason);
        }
    }

    /// <summary>Creates one Stateful child and forwards everything to it.</summary>
    private sealed class Supervisor : ReceiveActor
    {
        private readonly SupervisorStrategy _strategy;

        public Supervisor(IActorRef report, SupervisorStrategy strategy)
        {
            _strategy = strategy;
            var child = Context.ActorOf(Props.Create(() => new Stateful(report)), "child");
            Receive<string>(m => m == "child?", _ => Sender.Tell(child));
            ReceiveAny(m => child.Forward(m));
        }

        protected override SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    private static readonly SupervisorStrategy ByException = new OneForOneStrategy(e => e switch
    {
        ArithmeticException => Directive.Resume,
        InvalidOperationException => Directive.Stop,
        NotSupportedException => Directive.Escalate,
        _ => Directive.Restart,
    });

    private IActorRef StartChild(SupervisorStrategy strategy, out IActorRef supervisor)
    {
        supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(TestActor, strategy)));
        ExpectMsg("prestart");
        supervisor.Tell("child?", TestActor);
        return ExpectMsg<IActorRef>();
    }

    [Fact]
    public void Resume_keeps_the_state_and_goes_on_with_the_next_message()
    {
        var child = StartChild(ByException, out _);
        child.Tell("inc");
        child.Tell("fail:resume");
        child.Tell("inc");
        child.Tell("get", TestActor);
        ExpectMsg(2);
    }

    [Fact]
    public void Restart_replaces_the_instance_keeps_the_mailbox_and_does_not_retry_the_failed_message()
    {
        var child = StartChild(ByException, out _);
        child.Tell("inc");
        child.Tell("inc");
        child.Tell("fail:restart");
        // Sent before the restart completes: must survive it in the mailbox.
        child.Tell("inc");
        child.Tell("get", TestActor);

        ExpectMsg("prerestart:fail:restart");
        ExpectMsg("poststop");               // the default PreRestart calls PostStop
        ExpectMsg("postrestart:fail:restart");
        ExpectMsg("prestart");               // the default PostRestart calls PreStart
        ExpectMsg(1);                        // fresh state; "inc" kept; the failed message not retried
    }

    [Fact]
    public void Stop_directive_stops_the_child()
    {
        var child = StartChild(ByException, out _);
        Watch(child);
        child.Tell("fail:stop");
        ExpectMsg("poststop");
        ExpectTerminated(child);
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent(IActorRef report) =>
            ReceiveAny(m =>
            {
                if (m is "make")
                {
                    Sender.Tell(Context.ActorOf(Props.Create(() => new Supervisor(report, ByException)), "mid"));
                }
            });

        protected override SupervisorStrategy SupervisorStrategy() =>
            new OneForOneStrategy(e => e is NotSupportedException ? Directive.Stop : Directive.Restart);
    }

    [Fact]
    public void Escalate_fails_the_supervisor_with_the_same_exception()
    {
        var top = Sys.ActorOf(Props.Create(() => new Parent(TestActor)));
        top.Tell("make", TestActor);
        var mid = ExpectMsg<IActorRef>();
        ExpectMsg("prestart");
        Watch(mid);

        mid.Tell("fail:escalate"); // forwarded to the child; escalated to mid; top stops mid
        ExpectMsg("poststop");     // the child stops with mid
        ExpectTerminated(mid);
    }

    private sealed class ResumingParent : ReceiveActor
    {
        public ResumingParent(IActorRef report) =>
            ReceiveAny(m =>
            {
                if (m is "make")
                {
                    Sender.Tell(Context.ActorOf(Props.Create(() => new Supervisor(report, ByException)), "mid"));
                }
            });

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Resume);
    }

    [Fact]
    public void Resuming_a_supervisor_that_escalated_resumes_the_child_that_failed()
    {
        var top = Sys.ActorOf(Props.Create(() => new ResumingParent(TestActor)));
        top.Tell("make", TestActor);
        var mid = ExpectMsg<IActorRef>();
        ExpectMsg("prestart");
        mid.Tell("child?", TestActor);
        var child = ExpectMsg<IActorRef>();

        child.Tell("inc");
        child.Tell("fail:escalate"); // the child escalates through mid; top resumes mid
        child.Tell("inc");
        child.Tell("get", TestActor);
        ExpectMsg(2); // the child was resumed too, its state intact
    }

    [Fact]
    public void A_child_that_fails_more_often_than_its_restart_limit_is_stopped()
    {
        var limited = new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart);
        var child = StartChild(limited, out _);
        Watch(child);

        child.Tell("fail:1");
        FishForMessage(m => m is "prestart");
        child.Tell("fail:2");
        FishForMessage(m => m is "prestart");
        child.Tell("fail:3"); // third failure within the window: stopped instead
        FishForMessage(m => m is "poststop");
        ExpectTerminated(child);
    }

    private sealed class FailsToStart : ReceiveActor
    {
        public FailsToStart() => throw new InvalidDataException("bad config");
    }

    [Fact]
    public void An_actor_whose_constructor_throws_is_stopped_by_the_default_strategy()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailsToStart()));
        Watch(actor);
        ExpectTerminated(actor);
    }

    [Fact]
    public void The_default_strategy_restarts_a_top_level_actor()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Stateful(TestActor)));
        ExpectMsg("prestart");
        actor.Tell("inc");
        actor.Tell("fail:boom");
        ExpectMsg("prerestart:fail:boom");
        ExpectMsg("poststop");
        ExpectMsg("postrestart:fail:boom");
        ExpectMsg("prestart");
        actor.Tell("get", TestActor);
        ExpectMsg(0);
    }

    [Fact]
    public void Kill_makes_the_actor_fail_and_the_default_strategy_stop_it()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Stateful(TestActor)));
        ExpectMsg("prestart");
        Watch(actor);
        actor.Tell(Kill.Instance);
        ExpectMsg("poststop");
        ExpectTerminated(actor);
    }

    [Fact]
    public void Props_can_override_the_supervisor_strategy()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new Supervisor(TestActor, ByException))
            .WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy));
        ExpectMsg("prestart");
        supervisor.Tell("child?", TestActor);
        var child = ExpectMsg<IActorRef>();
        Watch(child);
        child.Tell("fail:resume"); // ByException would resume; the Props' strategy stops
        ExpectMsg("poststop");
        ExpectTerminated(child);
    }
}
