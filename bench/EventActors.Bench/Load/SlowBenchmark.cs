using System.Text.Json.Nodes;

namespace EventActors.Bench.Load;

/// <summary>
/// Slow consumers: fan-out, but when the measured window opens a fraction of the subscribers stop
/// reading their sockets (they stay connected). A server that isolates them keeps the healthy
/// subscribers' throughput and latency, and its memory bounded, while the slow ones back up.
/// After the window the slow subscribers read again: those the server closed meanwhile are
/// counted, and the others are checked for having caught up with every event, exactly.
/// </summary>
internal sealed class SlowBenchmark : IBenchmark
{
    /// <summary>Approximate SSE and chunk framing per event ("id: …\ndata: …\n\n" and the chunk size line), for the backlog in bytes.</summary>
    private const int SseFramingBytes = 40;

    public string Description => "slow consumers: healthy subscribers' deliveries and latency while some stop reading; server RSS over time";

    public string Usage => LoadOptions.CommonUsage + " [--slow-fraction 0.1] [--slow-receive-buffer 65536] [--catch-up-seconds 30]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var load = LoadOptions.Parse(options, "slow");
        var fraction = LoadOptions.Fraction(options, "slow-fraction", 0.1);
        // A slow subscriber's socket receive buffer (64 KiB; Linux doubles it): without a bound,
        // loopback's auto-tuning lets the kernel buffer megabytes per socket before the server
        // sees any back-pressure, and the run would measure the kernel, not the server.
        var receiveBuffer = options.Int("slow-receive-buffer", 64 * 1024);

        await using var run = LoadRun.Create(load);
        var connections = run.Subscribers.Connections;
        // Spread evenly: subscriber i is slow when floor((i+1) f) > floor(i f), so every topic gets its share.
        var slow = connections.Where(c => Math.Floor((c.Index + 1) * fraction) > Math.Floor(c.Index * fraction)).ToHashSet();
        foreach (var connection in slow)
        {
            connection.ExcludeFromLatency = true;
            connection.SocketReceiveBufferBytes = receiveBuffer > 0 ? receiveBuffer : null;
        }

        var connect = await run.ConnectAsync();
        if (connect.Connected == 0)
        {
            Console.Error.WriteLine("No subscriber connected; nothing to measure.");
            return 1;
        }

        var healthy = connections.Where(c => !slow.Contains(c)).ToArray();
        await run.PublishAsync(atWindowStart: () =>
        {
            Console.Error.WriteLine($"  {slow.Count:N0} slow subscribers stop reading");
            foreach (var connection in slow)
            {
                connection.Pause();
            }
        });
        var windowEnd = LoadClock.Micros();
        await run.DrainAsync(c => !slow.Contains(c));

        var report = new LoadReport("slow");
        run.ReportSetup(report);
        run.ReportConnect(report);
        run.ReportPublishing(report);
        run.ReportDeliveries(report, healthy, "healthy");
        report.Set("healthySubscribers", healthy.Count(c => c.EverConnected));

        // Server memory while the slow subscribers were stalled: bounded if it levels off.
        if (run.Server is { } server)
        {
            var series = server.RssSeriesMiB(run.Window.StartMicros, windowEnd);
            report.Set("serverRssSeriesMiB", new JsonArray(series.Select(v => (JsonNode?)v).ToArray()));
            var growth = SecondHalfGrowth(series);
            report.Set("serverRssGrowthMiBPerSecond", growth, 2);
            report.Line($"  server RSS while stalled (MiB, once a second): {string.Join(" ", series.Select(v => v.ToString("F0")))}; " +
                        $"second half of the window: {(growth is { } g ? $"{g:+0.00;-0.00} MiB/s" : "-")}");
        }

        // What each slow subscriber had not read when it read again: held by the server, the
        // kernel's socket buffers (both ends), or the journal for the server to replay.
        var backlog = slow.Select(c => (run.Publisher?.AckedForTopic(c.Topic) ?? 0) - c.Checker.Unique).DefaultIfEmpty().Average();
        report.Set("slowBacklogEvents", backlog, 0);
        report.Set("slowBacklogMiB", backlog * (load.PayloadBytes + SseFramingBytes) / (1024.0 * 1024.0), 1);

        // The slow subscribers read again: everything still open must catch up exactly.
        Console.Error.WriteLine("  slow subscribers read again");
        foreach (var connection in slow)
        {
            connection.Resume();
        }

        // Catching up can mean replaying megabytes per subscriber from the journal: longer than a drain.
        await run.DrainAsync(slow.Contains, LoadOptions.Seconds(options, "catch-up-seconds", 30));
        var closedByServer = slow.Count(c => c.EverConnected && c.End is ConnectionEnd.ClosedByServer or ConnectionEnd.Reset or ConnectionEnd.ProtocolError);
        var slowTotals = DeliveryTotals.Of(slow, run.Publisher);
        var caughtUp = slow.Count(c => c.IsOpen && !c.Checker.AnyAnomaly && c.Checker.Lost(lane => run.Publisher!.AckedSequence(c.Topic, lane)) == 0);
        report.Set("slowSubscribers", slow.Count);
        report.Set("slowClosedByServer", closedByServer);
        report.Set("slowCaughtUp", caughtUp);
        // Holes are loss; what is merely not received yet when catch-up time ran out is outstanding.
        var gaps = slow.Sum(c => c.Checker.Gaps);
        report.Set("slowLost", gaps);
        report.Set("slowOutstanding", slowTotals.Lost - gaps);
        report.Set("slowDuplicated", slowTotals.Duplicated);
        report.Set("slowOutOfOrder", slowTotals.OutOfOrder);
        report.Set("slowResets", slowTotals.Resets);
        report.Set("slowCatchUpSeconds", run.DrainSeconds);
        report.Line($"  slow:     {slow.Count:N0} stopped reading for {load.DurationSeconds:0.#} s; {closedByServer:N0} closed by the server " +
                    $"(seen once they read again); each {backlog:N0} events behind " +
                    $"(~{backlog * (load.PayloadBytes + SseFramingBytes) / (1024.0 * 1024.0):F1} MiB) when it read again; then {caughtUp:N0} caught up exactly " +
                    $"{(run.DrainComplete ? $"in {run.DrainSeconds:F2} s" : $"(catch-up INCOMPLETE after {run.DrainSeconds:F2} s)")}, " +
                    $"lost (holes) {gaps:N0}, still outstanding {slowTotals.Lost - gaps:N0}, duplicated {slowTotals.Duplicated:N0}, out of order {slowTotals.OutOfOrder:N0}, resets {slowTotals.Resets:N0}");
        run.ReportProcesses(report);
        report.Print(load.Json);
        return 0;
    }

    /// <summary>Least-squares slope of the second half of the series, in MiB per second (one sample a second).</summary>
    private static double? SecondHalfGrowth(double[] series)
    {
        var half = series[(series.Length / 2)..];
        if (half.Length < 3)
        {
            return null;
        }

        var meanX = (half.Length - 1) / 2.0;
        var meanY = half.Average();
        double covariance = 0, variance = 0;
        for (var i = 0; i < half.Length; i++)
        {
            covariance += (i - meanX) * (half[i] - meanY);
            variance += (i - meanX) * (i - meanX);
        }

        return covariance / variance;
    }
}
