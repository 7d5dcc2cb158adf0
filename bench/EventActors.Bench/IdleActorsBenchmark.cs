using System.Diagnostics;
using System.Globalization;
using EventActors.Actors.Kernel;

namespace EventActors.Bench;

/// <summary>
/// What an idle actor costs: creates N actors, has each handle one message (so its mailbox
/// and behaviour are in the state a real idle actor is in), then measures the managed heap
/// growth per actor after a full collection, and the creation rate.
/// </summary>
internal sealed class IdleActorsBenchmark : IBenchmark
{
    public string Description => "bytes per idle actor and actor creation rate";

    public string Usage => "[--actors 1000000] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var count = options.Int("actors", 1_000_000);
        if (count < 1)
        {
            throw new BenchmarkOptionException("--actors must be at least 1");
        }

        var system = ActorSystem.Create("idle");
        try
        {
            var baseline = HeapAfterFullCollection();
            var started = new Countdown(count);
            var handled = new Countdown(count);

            var stopwatch = Stopwatch.StartNew();
            var refs = new IActorRef[count];
            // One Props for all: Props are immutable recipes, and sharing them is what a careful
            // caller does; a Props per actor with its own closure adds about 150 bytes each.
            var props = Props.Create(() => new IdleActor(started, handled));
            for (var i = 0; i < count; i++)
            {
                refs[i] = system.ActorOf(props);
            }

            await started.Task;
            var creationSeconds = stopwatch.Elapsed.TotalSeconds;

            foreach (var actor in refs)
            {
                actor.Tell(IdleActor.Touch.Instance, null);
            }

            await handled.Task;
            refs = null;

            var heap = HeapAfterFullCollection();
            var bytesPerActor = (double)(heap - baseline) / count;
            var actorsPerSecond = count / creationSeconds;
            var workingSet = Environment.WorkingSet;
            options.Report(
                new { benchmark = "idle-actors", actors = count, bytesPerActor, actorsPerSecond, workingSetBytes = workingSet },
                string.Create(CultureInfo.InvariantCulture,
                    $"{count:N0} idle actors: {bytesPerActor:F0} bytes per actor (managed heap), created at {actorsPerSecond:N0} actors/s, process working set {workingSet / (1024.0 * 1024):F0} MiB"));
            GC.KeepAlive(system);
            return 0;
        }
        finally
        {
            await system.Terminate();
        }
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

    /// <summary>A typical small actor: one typed handler, a little state.</summary>
    private sealed class IdleActor : ReceiveActor
    {
        private readonly Countdown _started;
        private int _touched;

        public IdleActor(Countdown started, Countdown handled)
        {
            _started = started;
            Receive<Touch>(_ =>
            {
                _touched++;
                handled.Signal();
            });
        }

        protected override void PreStart() => _started.Signal();

        public sealed class Touch
        {
            public static readonly Touch Instance = new();
        }
    }
}
