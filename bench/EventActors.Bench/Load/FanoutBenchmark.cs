namespace EventActors.Bench.Load;

/// <summary>
/// Fan-out: subscribers spread round robin over topics, events published to every topic, every
/// delivery checked and timed. The ticker shape is <c>--topics 1 --subscribers 1000</c>; many
/// topics is <c>--topics 1000 --subscribers 10000</c>.
/// </summary>
internal sealed class FanoutBenchmark : IBenchmark
{
    public string Description => "SSE fan-out against any server (URL templates): deliveries/s, latency, loss, server CPU and RSS";

    public string Usage => LoadOptions.CommonUsage;

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        // Several --sub-url templates spread the subscribers over several nodes of a cluster
        // (subscriber k on template k mod their count), the publisher on --pub-url's node.
        var load = LoadOptions.Parse(options, "fanout", severalSubUrls: true);
        await using var run = LoadRun.Create(load);
        var connect = await run.ConnectAsync();
        if (connect.Connected == 0)
        {
            Console.Error.WriteLine("No subscriber connected; nothing to measure.");
            return 1;
        }

        await run.PublishAsync();
        await run.DrainAsync(_ => true);

        var report = new LoadReport("fanout");
        run.ReportSetup(report);
        run.ReportConnect(report);
        run.ReportPublishing(report);
        run.ReportDeliveries(report, run.Subscribers.Connections);
        run.ReportProcesses(report);
        report.Print(load.Json);
        return 0;
    }
}
