namespace EventActors.Bench.Load;

/// <summary>
/// What an idle stream costs the server: samples the server's RSS, opens N streams, publishes
/// nothing, waits for the server to settle, samples again, then holds the streams open (the
/// server's heartbeats must keep them so) and counts those the server closed. With
/// <c>--processes N</c> the streams are opened by N generator processes (see
/// <see cref="IdleCoordinator"/>); with several <c>--sub-url</c> templates they are spread over
/// several servers, connection k to template k mod their count.
/// </summary>
internal sealed class IdleBenchmark : IBenchmark
{
    public string Description => "server memory per idle SSE connection, and whether idle streams stay open";

    public string Usage =>
        "--sub-url URL[,URL…] [--connections 10000] [--topics 1] [--hold 30] [--settle 5] [--server-pid P[,P…]] [--processes 1] " +
        "[--source-addresses N (per process)] [--connect-concurrency 200 (in all)] [--connect-timeout 10] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var hold = LoadOptions.Seconds(options, "hold", 30);
        var processes = options.Int("processes", 1);
        var load = LoadOptions.Parse(options, "idle", defaultSubscribers: 10_000, needsPublisher: false, subscribersName: "connections", defaultSettle: 5,
                severalSubUrls: true, generatorProcesses: processes)
            with { WarmupSeconds = 0, DurationSeconds = hold };

        // Hidden: set by IdleCoordinator on the generator processes it starts.
        if (options.String("worker-index") is not null)
        {
            var index = options.Int("worker-index", 0);
            return index < processes
                ? await IdleWorker.RunAsync(load.ShareOf(index, processes), index, processes)
                : throw new BenchmarkOptionException($"--worker-index must be below --processes ({processes}), was {index}");
        }

        return processes > 1 ? await IdleCoordinator.RunAsync(load, hold, processes) : await RunInThisProcessAsync(load, hold);
    }

    private static async Task<int> RunInThisProcessAsync(LoadOptions load, double hold)
    {
        await using var run = LoadRun.Create(load, publishes: false);
        var generatorBefore = run.Generator.TakeSample();
        var connect = await run.ConnectAsync();
        if (connect.Connected == 0)
        {
            Console.Error.WriteLine("No connection opened; nothing to measure.");
            return 1;
        }

        // Settled: allocations of connection set-up done, the GC has had a chance to run.
        Console.Error.WriteLine($"  settling {load.SettleSeconds:0.#} s, then holding {hold:0.#} s");
        await Task.Delay(TimeSpan.FromSeconds(load.SettleSeconds));
        var serverAfter = run.Server?.TakeSample();
        var generatorAfter = run.Generator.TakeSample();
        await run.PublishAsync(); // no publisher: holds for the duration, sampling CPU over it

        var result = new IdleResult
        {
            Connect = connect,
            Hold = IdleHoldCounts.Of(run.Subscribers.Connections),
            ServerBefore = run.ServerBaseline,
            ServerAfter = serverAfter,
            GeneratorGrowthKiB = generatorBefore is { } before && generatorAfter is { } after ? after.RssKiB - before.RssKiB : null,
            Processes = run.Processes,
        };
        var report = result.Report(load, hold);
        result.Processes.Report(report);
        report.Print(load.Json);
        return 0;
    }
}
