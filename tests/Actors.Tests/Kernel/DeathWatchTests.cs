using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

public sealed class DeathWatchTests : TestKit.TestKit
{
    private sealed class Idle : ReceiveActor
    {
        public Idle()
        {
            Receive<string>(m => m == "fail", _ => throw new InvalidOperationException("fail"));
            Receive<string>(m => m == "ping", _ => Sender.Tell("pong"));
        }
    }

    private sealed record Stopped(IActorRef Actor);

    /// <summary>Watches what it is told to and reports the Terminated it receives.</summary>
    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef report)
        {
            Receive<(string Command, IActorRef Subject)>(m =>
            {
                if (m.Command == "watch")
                {
                    Context.Watch(m.Subject);
                }
                else
                {
                    Context.Unwatch(m.Subject);
                }

                Sender.Tell("done");
            });
            // Reported as its own message: a Terminated is only ever delivered to a watcher.
            Receive<Terminated>(t => report.Tell(new Stopped(t.ActorRef)));
            Receive<string>(m => m == "ping", _ => Sender.Tell("pong"));
        }
    }

    [Fact]
    public void A_watcher_learns_that_an_actor_stopped()
    {
        var subject = Sys.ActorOf(Props.Create<Idle>());
        Watch(subject);
        Sys.Stop(subject);
        Assert.Same(subject, ExpectTerminated(subject).ActorRef);
    }

    [Fact]
    public void A_watcher_learns_that_an_actor_was_stopped_after_a_failure()
    {
        var subject = Sys.ActorOf(Props.Create<Idle>().WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy));
        var parent = Sys.ActorOf(Props.Create(() => new ParentOf(Props.Create<Idle>())));
        parent.Tell("child?", TestActor);
        var child = ExpectMsg<IActorRef>();
        Watch(child);
        child.Tell("fail");
        ExpectTerminated(child);
        Assert.NotNull(subject);
    }

    private sealed class ParentOf : ReceiveActor
    {
        public ParentOf(Props childProps)
        {
            var child = Context.ActorOf(childProps, "child");
            Receive<string>(_ => Sender.Tell(child));
        }

        protected override SupervisorStrategy SupervisorStrategy() => global::EventActors.Actors.Kernel.SupervisorStrategy.StoppingStrategy;
    }

    [Fact]
    public async Task Watching_an_actor_that_already_stopped_delivers_Terminated_at_once()
    {
        var subject = Sys.ActorOf(Props.Create<Idle>());
        Assert.True(await subject.GracefulStop(DefaultTimeout));
        Watch(subject);
        ExpectTerminated(subject);
    }

    [Fact]
    public void After_Unwatch_no_Terminated_arrives()
    {
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        var subject = Sys.ActorOf(Props.Create<Idle>());
        watcher.Tell(("watch", subject), TestActor);
        ExpectMsg("done");
        watcher.Tell(("unwatch", subject), TestActor);
        ExpectMsg("done");

        Watch(subject); // the test's own watch tells when the subject is gone
        Sys.Stop(subject);
        ExpectTerminated(subject);

        // The watcher handles messages in order: had a Terminated reached it, it would have
        // reported it before answering this ping.
        watcher.Tell("ping", TestActor);
        ExpectMsg("pong");
    }

    [Fact]
    public void A_Terminated_that_is_not_handled_fails_the_watcher_with_a_death_pact()
    {
        var subject = Sys.ActorOf(Props.Create<Idle>());
        var strict = Sys.ActorOf(Props.Create(() => new StrictWatcher(subject)));
        Watch(strict);
        strict.Tell("ready?", TestActor);
        ExpectMsg("ready");
        Sys.Stop(subject);
        ExpectTerminated(strict); // DeathPactException: the default strategy stops it
    }

    private sealed class StrictWatcher : ReceiveActor
    {
        public StrictWatcher(IActorRef subject)
        {
            Context.Watch(subject);
            Receive<string>(_ => Sender.Tell("ready"));
        }
    }

    [Fact]
    public void Watching_dead_letters_reports_them_terminated()
    {
        Watch(Sys.DeadLetters);
        ExpectTerminated(Sys.DeadLetters);
    }

    [Fact]
    public void Every_watcher_of_an_actor_learns_it_stopped_and_one_that_unwatched_does_not()
    {
        var subject = Sys.ActorOf(Props.Create<Idle>());
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        var leaving = Sys.ActorOf(Props.Create(() => new Watcher(first.Ref)));
        var staying = Sys.ActorOf(Props.Create(() => new Watcher(second.Ref)));
        foreach (var watcher in new[] { leaving, staying })
        {
            watcher.Tell(("watch", subject), TestActor);
            ExpectMsg("done");
        }

        Watch(subject); // a third watcher: the subject's set grows past one member
        leaving.Tell(("unwatch", subject), TestActor);
        ExpectMsg("done");
        Sys.Stop(subject);

        ExpectTerminated(subject);
        Assert.Same(subject, second.ExpectMsg<Stopped>().Actor);
        leaving.Tell("ping", first.Ref);
        first.ExpectMsg("pong"); // no Terminated came before it
    }

    [Fact]
    public void An_actor_watching_several_learns_of_each_stop_once()
    {
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        var subjects = Enumerable.Range(0, 3).Select(_ => Sys.ActorOf(Props.Create<Idle>())).ToArray();
        foreach (var subject in subjects)
        {
            watcher.Tell(("watch", subject), TestActor);
            ExpectMsg("done");
            watcher.Tell(("watch", subject), TestActor); // watching twice is watching once
            ExpectMsg("done");
        }

        foreach (var subject in subjects)
        {
            Sys.Stop(subject);
            Assert.Same(subject, ExpectMsg<Stopped>().Actor);
        }

        watcher.Tell("ping", TestActor);
        ExpectMsg("pong"); // and no second Terminated for any of them
    }
}
