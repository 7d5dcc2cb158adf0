using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

public sealed class BehaviorAndStashTests : TestKit.TestKit
{
    private sealed class Switch : ReceiveActor
    {
        public Switch()
        {
            Receive<string>(m => m == "on", _ => BecomeStacked(On));
            Receive<string>(m => m == "state", _ => Sender.Tell("off"));
            Receive<string>(m => m == "replace", _ => Become(Replaced));
        }

        private void On()
        {
            Receive<string>(m => m == "off", _ => UnbecomeStacked());
            Receive<string>(m => m == "state", _ => Sender.Tell("on"));
            Receive<string>(m => m == "deeper", _ => BecomeStacked(() =>
            {
                Receive<string>(m => m == "up", _ => Unbecome());
                Receive<string>(m => Sender.Tell("deep:" + m));
            }));
        }

        private void Replaced() => Receive<string>(m => Sender.Tell("replaced:" + m));
    }

    [Fact]
    public void BecomeStacked_and_UnbecomeStacked_switch_and_return()
    {
        var actor = Sys.ActorOf(Props.Create<Switch>());
        actor.Tell("state", TestActor);
        ExpectMsg("off");
        actor.Tell("on");
        actor.Tell("state", TestActor);
        ExpectMsg("on");
        actor.Tell("deeper");
        actor.Tell("state", TestActor);
        ExpectMsg("deep:state");
        actor.Tell("up");
        actor.Tell("state", TestActor);
        ExpectMsg("on");
        actor.Tell("off");
        actor.Tell("state", TestActor);
        ExpectMsg("off");
    }

    [Fact]
    public void Become_replaces_the_behaviour()
    {
        var actor = Sys.ActorOf(Props.Create<Switch>());
        actor.Tell("replace");
        actor.Tell("state", TestActor);
        ExpectMsg("replaced:state");
    }

    private sealed class Gate : ReceiveActor, IWithUnboundedStash
    {
        public IStash Stash { get; set; } = null!;

        public Gate(IActorRef report)
        {
            Receive<string>(m => m == "open", _ =>
            {
                Become(() => ReceiveAny(m => report.Tell(m)));
                Stash.UnstashAll();
            });
            Receive<string>(m => m == "fail", _ => throw new InvalidOperationException("fail"));
            ReceiveAny(_ => Stash.Stash());
        }
    }

    [Fact]
    public void Stashed_messages_come_back_in_their_original_order_before_later_ones()
    {
        var gate = Sys.ActorOf(Props.Create(() => new Gate(TestActor)));
        for (var i = 0; i < 5; i++)
        {
            gate.Tell(i);
        }

        gate.Tell("open");
        gate.Tell(5);
        for (var i = 0; i <= 5; i++)
        {
            ExpectMsg(i);
        }
    }

    [Fact]
    public void A_restart_puts_stashed_messages_back_in_the_mailbox()
    {
        var gate = Sys.ActorOf(Props.Create(() => new Gate(TestActor)));
        gate.Tell(1);
        gate.Tell(2);
        gate.Tell("fail"); // restart: 1 and 2 return to the mailbox and are stashed again by the new instance
        gate.Tell("open");
        ExpectMsg(1);
        ExpectMsg(2);
    }

    private sealed class DoubleStash : ReceiveActor, IWithUnboundedStash
    {
        public IStash Stash { get; set; } = null!;

        public DoubleStash(IActorRef report) => ReceiveAny(_ =>
        {
            Stash.Stash();
            try
            {
                Stash.Stash();
            }
            catch (IllegalActorStateException)
            {
                report.Tell("refused");
            }
        });
    }

    [Fact]
    public void Stashing_the_same_delivery_twice_is_refused()
    {
        var actor = Sys.ActorOf(Props.Create(() => new DoubleStash(TestActor)));
        actor.Tell("x");
        ExpectMsg("refused");
    }

    [Fact]
    public void An_unhandled_message_is_published_on_the_event_stream()
    {
        Sys.EventStream.Subscribe<UnhandledMessage>(TestActor);
        var actor = Sys.ActorOf(Props.Create<Switch>());
        actor.Tell(3.5, TestActor);
        var unhandled = ExpectMsg<UnhandledMessage>();
        Assert.Equal(3.5, unhandled.Message);
        Assert.Same(actor, unhandled.Recipient);
    }
}
