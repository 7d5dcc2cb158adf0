using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.Actors.Tests.Kernel;

public sealed class LifecycleTests : TestKit.TestKit
{
    private sealed class Reporting : ReceiveActor
    {
        private readonly IActorRef _report;
        private readonly string _name;

        public Reporting(IActorRef report, string name, int children = 0)
        {
            _report = report;
            _name = name;
            for (var i = 0; i < children; i++)
            {
                var childName = $"{name}.{i}";
                Context.ActorOf(Props.Create(() => new Reporting(report, childName, 0)), $"c{i}");
            }

            Receive<string>(text => text == "path", _ => Sender.Tell(Self.Path.ToString()));
            Receive<string>(text => text == "children", _ => Sender.Tell(Context.Children.Count()));
        }

        protected override void PreStart() => _report.Tell($"{_name} started");

        protected override void PostStop() => _report.Tell($"{_name} stopped");
    }

    [Fact]
    public void PreStart_runs_before_the_first_message_and_PostStop_after_the_stop()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "a")), "a");
        ExpectMsg("a started");
        actor.Tell("path", TestActor);
        ExpectMsg($"eventactors://{Sys.Name}/user/a");
        Sys.Stop(actor);
        ExpectMsg("a stopped");
    }

    [Fact]
    public void Children_stop_before_their_parent()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "p", 3)), "p");
        var started = ReceiveN(4).Cast<string>().ToHashSet();
        Assert.Equal(new HashSet<string> { "p started", "p.0 started", "p.1 started", "p.2 started" }, started);

        parent.Tell(PoisonPill.Instance);
        var stopped = ReceiveN(4).Cast<string>().ToList();
        Assert.Equal("p stopped", stopped[^1]);
        Assert.Equal(new HashSet<string> { "p.0 stopped", "p.1 stopped", "p.2 stopped" }, stopped.Take(3).ToHashSet());
    }

    [Fact]
    public void Names_must_be_unique_among_siblings()
    {
        Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "x")), "same");
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "y")), "same"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("$reserved")]
    [InlineData("has/slash")]
    [InlineData("has space")]
    public void Malformed_names_are_rejected(string name) =>
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "n")), name));

    [Fact]
    public void A_name_is_free_again_once_its_actor_has_stopped()
    {
        var first = Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "first")), "reused");
        ExpectMsg("first started");
        Watch(first);
        Sys.Stop(first);
        ExpectMsg("first stopped");
        ExpectTerminated(first);

        // The guardian learns of the stop through a system message; retry until it has.
        var deadline = DateTime.UtcNow + DefaultTimeout;
        IActorRef? second = null;
        while (second is null)
        {
            try
            {
                second = Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "second")), "reused");
            }
            catch (InvalidActorNameException) when (DateTime.UtcNow < deadline)
            {
                Thread.Yield();
            }
        }

        ExpectMsg("second started");
        Assert.NotSame(first, second);
    }

    [Fact]
    public void Generated_names_are_unique()
    {
        var refs = Enumerable.Range(0, 100).Select(_ => Sys.ActorOf(Props.Create(() => new Reporting(ActorRefs.Nobody, "g")))).ToList();
        Assert.Equal(100, refs.Select(r => r.Path.ToString()).Distinct().Count());
        Assert.All(refs, r => Assert.StartsWith("$", r.Path.Name));
    }

    [Fact]
    public async Task Terminate_stops_every_actor_and_completes()
    {
        Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "t", 2)), "t");
        ReceiveN(3);
        var probe = CreateTestProbe();
        var other = Sys.ActorOf(Props.Create(() => new Reporting(probe.Ref, "o")), "o");
        probe.ExpectMsg("o started");

        await Sys.Terminate().WaitAsync(DefaultTimeout);
        Assert.True(Sys.WhenTerminated.IsCompletedSuccessfully);
        Assert.True(((LocalActorRef)other).IsTerminated);
    }

    [Fact]
    public async Task GracefulStop_completes_once_the_actor_has_stopped()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Reporting(TestActor, "g")));
        ExpectMsg("g started");
        Assert.True(await actor.GracefulStop(DefaultTimeout));
        ExpectMsg("g stopped");
    }

    private sealed class Plain : ActorBase
    {
        protected internal override bool Receive(object message) => true;
    }

    [Fact]
    public void An_actor_cannot_be_created_with_new()
    {
        Assert.Throws<InvalidOperationException>(() => new Plain());
    }
}

public sealed class ChildNameReuseTests : TestKit.TestKit
{
    /// <summary>Starts a child named "worker", and a new one each time the previous stops.</summary>
    private sealed class Respawner : ReceiveActor
    {
        private int _generation;

        public Respawner(IActorRef report)
        {
            Spawn();
            Receive<string>(m => m == "stop-child", _ => Context.Stop(Context.Child("worker")!));
            Receive<Terminated>(_ =>
            {
                Spawn(); // the name must be free by now
                report.Tell($"respawned {_generation}");
            });
        }

        private void Spawn()
        {
            _generation++;
            Context.Watch(Context.ActorOf(Props.Create(() => new Idle()), "worker"));
        }

        private sealed class Idle : ReceiveActor
        {
            public Idle() => ReceiveAny(_ => { });
        }
    }

    [Fact]
    public void A_watching_parent_can_reuse_a_child_name_as_soon_as_it_sees_Terminated()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Respawner(TestActor)));
        Watch(parent);
        for (var i = 2; i <= 50; i++)
        {
            parent.Tell("stop-child");
            ExpectMsg($"respawned {i}");
        }
    }
}
