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
            Receive<Terminated>(t => report.Tell(t));
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
}
