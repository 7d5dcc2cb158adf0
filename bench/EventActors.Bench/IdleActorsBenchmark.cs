using System.Diagnostics;
using System.Globalization;
using Akka.Actor;

namespace EventActors.Bench;

/// <summary>
/// What an idle Akka.NET actor costs: creates N actors as children of one parent (as the
/// connection supervisor creates connection actors), has each handle one message (so its mailbox
/// and behaviour are in the state a real idle actor is in), then measures the managed heap growth
/// per actor after a full collection, and the creation rate.
/// </summary>
/// <remarks>
/// <c>--kind receive</c> is a <c>ReceiveActor</c> with one typed handler (handler lists are built per
/// instance); <c>--kind untyped</c> an <c>UntypedActor</c> that switches on the message, the shape
/// of the connection actor; <c>--kind stream</c> adds what a connection actor has on top:
/// <c>IWithTimers</c> with one timer armed and <c>IWithUnboundedStash</c>. <c>--mailbox compact</c>
/// gives them our <see cref="EventActors.Actors.CompactMailbox"/> instead of Akka's default.
/// </remarks>
internal sealed class IdleActorsBenchmark : IBenchmark
{
    public string Description => "bytes per idle Akka.NET actor and actor creation rate";

    public string Usage => "[--actors 1000000] [--kind receive|untyped|stream] [--mailbox default|compact] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var count = options.Int("actors", 1_000_000);
        var kind = options.String("kind") ?? "receive";
        var mailbox = options.String("mailbox") ?? "default";
        if (mailbox is not ("default" or "compact"))
        {
            throw new BenchmarkOptionException("--mailbox must be default or compact");
        }
        if (count < 1)
        {
            throw new BenchmarkOptionException("--actors must be at least 1");
        }

        if (kind is not ("receive" or "untyped" or "stream"))
        {
            throw new BenchmarkOptionException("--kind must be receive, untyped or stream");
        }

        var system = BenchActorSystem.Create("idle");
        try
        {
            var parent = system.ActorOf(Props.Create(() => new Parent()), "parent");
            // Warm-up: one actor of the kind, so the JIT and Akka's caches are past their first use.
            await parent.Ask<Parent.Created>(new Parent.Create(PropsOf(kind, mailbox, new Countdown(1), new Countdown(1)), 1), TimeSpan.FromMinutes(1));

            var started = new Countdown(count);
            var handled = new Countdown(count);
            // One Props for all: Props are immutable recipes, and sharing them is what a careful
            // caller does when the actors are alike.
            var props = PropsOf(kind, mailbox, started, handled);
            var baseline = HeapAfterFullCollection();

            var stopwatch = Stopwatch.StartNew();
            var created = await parent.Ask<Parent.Created>(new Parent.Create(props, count), TimeSpan.FromMinutes(30));
            await started.Task;
            var creationSeconds = stopwatch.Elapsed.TotalSeconds;

            foreach (var actor in created.Children)
            {
                actor.Tell(Touch.Instance, ActorRefs.NoSender);
            }

            await handled.Task;
            created = null;

            var heap = HeapAfterFullCollection();
            var bytesPerActor = (double)(heap - baseline) / count;
            var actorsPerSecond = count / creationSeconds;
            var workingSet = Environment.WorkingSet;
            options.Report(
                new { benchmark = "idle-actors", kind, mailbox, actors = count, bytesPerActor, actorsPerSecond, workingSetBytes = workingSet },
                string.Create(CultureInfo.InvariantCulture,
                    $"{count:N0} idle actors ({kind}, {mailbox} mailbox): {bytesPerActor:F0} bytes per actor (managed heap), created at {actorsPerSecond:N0} actors/s, process working set {workingSet / (1024.0 * 1024):F0} MiB"));
            GC.KeepAlive(parent);
            return 0;
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static Props PropsOf(string kind, string mailbox, Countdown started, Countdown handled)
    {
        var props = kind switch
        {
            "receive" => Props.Create(() => new IdleReceiveActor(started, handled)),
            "untyped" => Props.Create(() => new IdleUntypedActor(started, handled)),
            _ => Props.Create(() => new IdleStreamActor(started, handled)),
        };
        return mailbox == "compact" ? props.WithMailbox(EventActors.Actors.CompactMailbox.Id) : props;
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Completes once signalled <c>count</c> times; any thread.</summary>
    private sealed class Countdown(int count)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _left = count;

        public Task Task => _done.Task;

        public void Signal()
        {
            if (Interlocked.Decrement(ref _left) == 0)
            {
                _done.SetResult();
            }
        }
    }

    private sealed class Touch
    {
        public static readonly Touch Instance = new();
    }

    /// <summary>Creates children on request, as the connection supervisor does.</summary>
    private sealed class Parent : ReceiveActor
    {
        public Parent() => Receive<Create>(create =>
        {
            var children = new IActorRef[create.Count];
            for (var i = 0; i < children.Length; i++)
            {
                children[i] = Context.ActorOf(create.Props);
            }

            Sender.Tell(new Created(children));
        });

        public sealed record Create(Props Props, int Count);

        public sealed record Created(IActorRef[] Children);
    }

    /// <summary>A typical small actor: one typed handler, a little state.</summary>
    private sealed class IdleReceiveActor : ReceiveActor
    {
        private readonly Countdown _started;
        private int _touched;

        public IdleReceiveActor(Countdown started, Countdown handled)
        {
            _started = started;
            Receive<Touch>(_ =>
            {
                _touched++;
                handled.Signal();
            });
        }

        protected override void PreStart() => _started.Signal();
    }

    /// <summary>The same, matching messages in one method.</summary>
    private sealed class IdleUntypedActor(Countdown started, Countdown handled) : UntypedActor
    {
        private int _touched;

        protected override void PreStart() => started.Signal();

        protected override void OnReceive(object message)
        {
            if (message is Touch)
            {
                _touched++;
                handled.Signal();
            }
        }
    }

    /// <summary>An untyped actor with a timer armed and a stash: what a connection actor carries.</summary>
    private sealed class IdleStreamActor(Countdown started, Countdown handled) : UntypedActor, IWithTimers, IWithUnboundedStash
    {
        private int _touched;

        public ITimerScheduler Timers { get; set; } = null!;

        public IStash Stash { get; set; } = null!;

        protected override void PreStart()
        {
            Timers.StartSingleTimer("heartbeat", Touch.Instance, TimeSpan.FromHours(1));
            started.Signal();
        }

        protected override void OnReceive(object message)
        {
            if (message is Touch)
            {
                _touched++;
                handled.Signal();
            }
        }
    }
}
