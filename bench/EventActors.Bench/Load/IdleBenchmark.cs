namespace EventActors.Bench.Load;

/// <summary>
/// What an idle stream costs the server: samples the server's RSS, opens N streams, publishes
/// nothing, waits for the server to settle, samples again, then holds the streams open (the
/// server's heartbeats must keep them so) and counts those the server closed.
/// </summary>
internal sealed class IdleBenchmark : IBenchmark
{
    public string Description => "server memory per idle SSE connection, and whether idle streams stay open";

    public string Usage =>
        "--sub-url URL [--connections 10000] [--topics 1] [--hold 30] [--settle 5] [--server-pid P] " +
        "[--source-addresses N] [--connect-concurrency 200] [--connect-timeout 10] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var hold = LoadOptions.Seconds(options, "hold", 30);
        var load = LoadOptions.Parse(options, "idle", defaultSubscribers: 10_000, needsPublisher: false, subscribersName: "connections", defaultSettle: 5)
            with { WarmupSeconds = 0, DurationSeconds = hold };
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

        var connections = run.Subscribers.Connections;
        var totals = DeliveryTotals.Of(connections, null);
        var open = connections.Count(c => c.IsOpen);
        double? perConnection = run.ServerBaseline is { } before && serverAfter is { } after
            ? (after.RssKiB - before.RssKiB) * 1024.0 / connect.Connected
            : null;
        double? generatorPerConnection = generatorBefore is { } genBefore && generatorAfter is { } genAfter
            ? (genAfter.RssKiB - genBefore.RssKiB) * 1024.0 / connect.Connected
            : null;

        var report = new LoadReport("idle");
        report.Set("subUrl", load.SubUrl);
        report.Set("topics", load.Topics);
        report.Set("subscribers", load.Subscribers);
        report.Set("connections", load.Subscribers);
        report.Set("holdSeconds", hold);
        report.Set("serverRssBeforeMiB", run.ServerBaseline is { } b ? b.RssKiB / 1024.0 : null, 1);
        report.Set("serverRssAfterMiB", serverAfter is { } a ? a.RssKiB / 1024.0 : null, 1);
        report.Set("serverBytesPerConnection", perConnection, 0);
        report.Set("generatorBytesPerConnection", generatorPerConnection, 0);
        report.Set("open", open);
        report.Set("dropped", totals.DroppedByServer);
        report.Set("heartbeats", totals.Comments);
        report.Set("unexpectedEvents", totals.Resets + totals.OtherEvents + totals.Malformed);
        report.Line($"idle: {load.Subscribers:N0} streams over {load.Topics:N0} topics, held {hold:0.#} s after {load.SettleSeconds:0.#} s to settle");
        run.ReportConnect(report);
        report.Line($"  server:   RSS {(run.ServerBaseline?.RssKiB ?? 0) / 1024.0:F1} MiB before, {(serverAfter?.RssKiB ?? 0) / 1024.0:F1} MiB with the streams open: " +
                    $"{(perConnection is { } p ? $"{p:N0}" : "-")} bytes per connection");
        report.Line($"  generator: {(generatorPerConnection is { } g ? $"{g:N0}" : "-")} bytes of RSS per connection");
        report.Line($"  hold:     {open:N0} open at the end, {totals.DroppedByServer:N0} closed by the server, {totals.Comments:N0} heartbeats (comments) received");
        run.ReportProcesses(report);
        report.Print(load.Json);
        return 0;
    }
}
