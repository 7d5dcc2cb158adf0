using EventActors.Bench;
using EventActors.Bench.Load;

// Every benchmark is a subcommand; `--json` makes its last output line one JSON object so
// scripts can compare results across commits.
var commands = new Dictionary<string, IBenchmark>(StringComparer.OrdinalIgnoreCase)
{
    ["pingpong"] = new PingPongBenchmark(),
    ["idle-actors"] = new IdleActorsBenchmark(),
    ["journal"] = new JournalBenchmark(),
    ["persist"] = new PersistBenchmark(),
    ["fanout-path"] = new FanoutPathBenchmark(),
    ["allocations"] = new AllocationsBenchmark(),
    // Load generators for any SSE server (ours, a minimal ASP.NET server, Nchan), by URL template.
    ["fanout"] = new FanoutBenchmark(),
    ["idle"] = new IdleBenchmark(),
    ["storm"] = new StormBenchmark(),
    ["slow"] = new SlowBenchmark(),
    ["topics"] = new TopicsBenchmark(),
    ["latency-merge"] = new LatencyMergeCommand(),
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine("usage: EventActors.Bench <benchmark> [options] [--json]");
    Console.Error.WriteLine();
    foreach (var (name, command) in commands.OrderBy(c => c.Key))
    {
        Console.Error.WriteLine($"  {name,-14} {command.Description}");
        Console.Error.WriteLine($"  {"",-14} options: {command.Usage}");
    }

    return args.Length == 0 ? 0 : 2;
}

var options = BenchmarkOptions.Parse(args.Skip(1));
try
{
    return await benchmark.RunAsync(options);
}
catch (BenchmarkOptionException error)
{
    Console.Error.WriteLine(error.Message);
    return 2;
}
