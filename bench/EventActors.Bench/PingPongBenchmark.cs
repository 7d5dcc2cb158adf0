using System.Diagnostics;
using System.Globalization;
using System.Text;
using Akka.Actor;

namespace EventActors.Bench;

/// <summary>
/// Akka.NET's PingPong (src/benchmark/PingPong in its repository), on Akka.NET itself: one client/destination pair per processor; each client
/// starts with up to 1,000 messages in flight and sends the next one when a reply arrives.
/// Counted as Akka.NET counts it: every round trip is two messages (one each way), and
/// messages/s = 2 x round trips / elapsed seconds.
/// </summary>
internal sealed class PingPongBenchmark : IBenchmark
{
    private static readonly int[] AkkaThroughputs = [1, 5, 10, 20, 30, 50, 100, 200];

    public string Description => "message throughput between actor pairs at several dispatcher throughputs";

    public string Usage => "[--throughput N | --throughputs 1,5,...] [--round-trips 15000000] [--pairs <processors>] [--repeat 1] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var throughputs = options.String("throughput") is not null
            ? [options.Int("throughput", 30)]
            : options.Ints("throughputs", AkkaThroughputs);
        var roundTrips = options.Long("round-trips", 15_000_000);
        var pairs = options.Int("pairs", Environment.ProcessorCount);
        var repeat = options.Int("repeat", 1);
        if (pairs < 1 || roundTrips < pairs || repeat < 1)
        {
            throw new BenchmarkOptionException("--pairs and --repeat must be at least 1 and --round-trips at least --pairs");
        }

        // Warm-up: let the JIT reach its optimized tier before anything is measured.
        await RunOnceAsync(30, pairs, Math.Min(roundTrips, 2_000_000));

        var results = new List<(int Throughput, double MessagesPerSecond, double Seconds)>();
        if (!options.Json)
        {
            Console.WriteLine($"PingPong: {pairs} pairs, {roundTrips:N0} round trips ({2 * roundTrips:N0} messages) per run, {Environment.ProcessorCount} processors, median of {repeat} run(s)");
            Console.WriteLine("throughput   messages/s     elapsed");
        }

        foreach (var throughput in throughputs)
        {
            var runs = new List<TimeSpan>(repeat);
            for (var run = 0; run < repeat; run++)
            {
                runs.Add(await RunOnceAsync(throughput, pairs, roundTrips));
            }

            runs.Sort();
            var elapsed = runs[runs.Count / 2]; // the median: these machines are noisy
            var messagesPerSecond = 2.0 * roundTrips / elapsed.TotalSeconds;
            results.Add((throughput, messagesPerSecond, elapsed.TotalSeconds));
            if (!options.Json)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{throughput,10} {messagesPerSecond,14:N0} {elapsed.TotalSeconds,9:F2} s"));
            }
        }

        var best = results.MaxBy(r => r.MessagesPerSecond);
        var json = new
        {
            benchmark = "pingpong",
            pairs,
            roundTrips,
            repeat,
            messagesPerSecond = results.Count == 1 ? results[0].MessagesPerSecond : best.MessagesPerSecond,
            bestThroughput = best.Throughput,
            runs = results.Select(r => new { throughput = r.Throughput, messagesPerSecond = r.MessagesPerSecond, seconds = r.Seconds }),
        };
        if (options.Json)
        {
            options.Report(json, "");
        }

        return 0;
    }

    private static async Task<TimeSpan> RunOnceAsync(int throughput, int pairs, long roundTrips)
    {
        var system = BenchActorSystem.Create("pingpong", $"akka.actor.default-dispatcher.throughput = {throughput}");
        try
        {
            var perClient = roundTrips / pairs;
            var done = new List<Task>(pairs);
            var clients = new List<IActorRef>(pairs);
            for (var i = 0; i < pairs; i++)
            {
                var destination = system.ActorOf(Props.Create(() => new Destination()), $"destination-{i}");
                var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                done.Add(finished.Task);
                var repeat = i == 0 ? perClient + roundTrips % pairs : perClient;
                clients.Add(system.ActorOf(Props.Create(() => new Client(destination, repeat, finished)), $"client-{i}"));
            }

            var stopwatch = Stopwatch.StartNew();
            foreach (var client in clients)
            {
                client.Tell(Run.Instance, ActorRefs.NoSender);
            }

            await Task.WhenAll(done);
            return stopwatch.Elapsed;
        }
        finally
        {
            await system.Terminate();
        }
    }

    private sealed class Message
    {
        public static readonly Message Instance = new();
    }

    private sealed class Run
    {
        public static readonly Run Instance = new();
    }

    private sealed class Destination : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    private sealed class Client(IActorRef destination, long repeat, TaskCompletionSource finished) : UntypedActor
    {
        private long _sent;
        private long _received;

        protected override void OnReceive(object message)
        {
            if (message is Message)
            {
                _received++;
                if (_sent < repeat)
                {
                    destination.Tell(message, Self);
                    _sent++;
                }
                else if (_received >= repeat)
                {
                    finished.TrySetResult();
                }
            }
            else if (message is Run)
            {
                for (var i = 0; i < Math.Min(1000, repeat); i++)
                {
                    destination.Tell(Message.Instance, Self);
                    _sent++;
                }
            }
            else
            {
                Unhandled(message);
            }
        }
    }
}
