using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

public sealed class AsyncHandlerTests : TestKit.TestKit
{
    /// <summary>"slow" awaits a gate the test opens; everything else is reported at once.</summary>
    private sealed class Awaiting : ReceiveActor
    {
        private readonly IActorRef _report;

        public Awaiting(Task gate, IActorRef report)
        {
            _report = report;
            ReceiveAsync<string>(m => m == "slow", async _ =>
            {
                report.Tell("slow started");
                await gate;
                // After the await we are back inside the actor: Self and Sender are still ours.
                report.Tell(("slow finished", Self.Path.Name, Sender));
            });
            ReceiveAsync<string>(m => m == "fail", async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async failure");
            });
            Receive<string>(m => report.Tell(m));
        }

        protected override void PostRestart(Exception reason) => _report.Tell("restarted");
    }

    [Fact]
    public void The_mailbox_waits_while_an_async_handler_runs_and_Self_and_Sender_survive_the_await()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = Sys.ActorOf(Props.Create(() => new Awaiting(gate.Task, TestActor)), "awaiting");
        var probe = CreateTestProbe();

        actor.Tell("slow", probe.Ref);
        ExpectMsg("slow started");
        actor.Tell("after");
        // "after" must wait for the slow handler: prove it by checking the actor's state right
        // after the gate opens — the first thing reported must be the end of the slow handler.
        gate.SetResult();
        var finished = ExpectMsg<(string, string, IActorRef)>();
        Assert.Equal(("slow finished", "awaiting"), (finished.Item1, finished.Item2));
        Assert.Same(probe.Ref, finished.Item3);
        ExpectMsg("after");
    }

    [Fact]
    public void A_failing_async_handler_is_supervised_like_a_synchronous_one()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Awaiting(Task.CompletedTask, TestActor)));
        actor.Tell("fail", TestActor);
        actor.Tell("next");
        ExpectMsg("restarted");
        ExpectMsg("next");
    }
}
