namespace EventActors.Bench.Load;

/// <summary>
/// A reconnect storm: subscribers stream while events are published at a fixed rate; then, in
/// the drop window, every subscriber closes its socket at a random moment and reconnects at once
/// with <c>Last-Event-ID</c> set to the last id it received, as a browser's EventSource would.
/// Each subscriber's sequence is checked across the seam: a server that resumes exactly shows no
/// loss and no duplicate. Servers without resume are reported as they behave. Latency counts
/// from each event's send time as always, so with <c>--offline-ms</c> the events replayed after
/// a reconnection carry the time their subscriber was away.
/// </summary>
internal sealed class StormBenchmark : IBenchmark
{
    /// <summary>Attempts per subscriber to reconnect (5), each after the connect timeout or a refusal, then 500 ms.</summary>
    private const int ReconnectAttempts = 5;

    public string Description => "reconnect storm: every subscriber drops and resumes with Last-Event-ID; exact resumption, time until all live";

    public string Usage => LoadOptions.CommonUsage.Replace("[--subscribers 1000]", "[--subscribers 10000]").Replace("[--rate max|N]", "[--rate 1000]") +
                           " [--drop-after 3] [--drop-window 10] [--offline-ms 0] (--duration defaults to drop-after + drop-window + 5)";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var dropAfter = LoadOptions.Seconds(options, "drop-after", 3);
        var dropWindow = LoadOptions.Seconds(options, "drop-window", 10);
        var load = LoadOptions.Parse(options, "storm", defaultSubscribers: 10_000, defaultDuration: dropAfter + dropWindow + 5, reconnects: true);
        if (options.String("rate") is null)
        {
            load = load with { Rate = 1000 };
        }

        if (dropAfter + dropWindow > load.DurationSeconds)
        {
            throw new BenchmarkOptionException($"--drop-after + --drop-window ({dropAfter + dropWindow} s) must fit in --duration ({load.DurationSeconds} s)");
        }

        await using var run = LoadRun.Create(load);
        var connect = await run.ConnectAsync();
        if (connect.Connected == 0)
        {
            Console.Error.WriteLine("No subscriber connected; nothing to measure.");
            return 1;
        }

        // How long a dropped subscriber stays away before reconnecting (a browser waits the
        // stream's retry: time); 0 reconnects at once. Longer means more to replay on resume.
        var offline = TimeSpan.FromMilliseconds(options.Int("offline-ms", 0));
        var storm = new Storm(run, dropAfter, dropWindow, offline);
        await run.PublishAsync(during: storm.RunAsync);
        await run.DrainAsync(_ => true);

        var report = new LoadReport("storm");
        run.ReportSetup(report);
        run.ReportConnect(report);
        run.ReportPublishing(report);
        run.ReportDeliveries(report, run.Subscribers.Connections);
        storm.Report(report);
        run.ReportProcesses(report);
        report.Print(load.Json);
        return 0;
    }

    private sealed class Storm(LoadRun run, double dropAfter, double dropWindow, TimeSpan offline)
    {
        private readonly List<SseClientConnection> _dropped = [];
        private readonly Dictionary<SseClientConnection, long> _droppedAt = [];
        private long _windowStart;
        private long _reconnectFailures;

        public async Task RunAsync()
        {
            await LoadRun.DelayUntilAsync(run.Window.StartMicros + LoadClock.FromSeconds(dropAfter));
            _windowStart = LoadClock.Micros();
            var windowMicros = LoadClock.FromSeconds(dropWindow);
            var random = new Random(6); // fixed seed: the same storm for every server
            var schedule = run.Subscribers.Connections
                .Where(c => c.IsOpen)
                .Select(c => (At: _windowStart + (long)(random.NextDouble() * windowMicros), Connection: c))
                .OrderBy(s => s.At)
                .ToArray();
            Console.Error.WriteLine($"  storm: {schedule.Length:N0} subscribers drop and resume over {dropWindow:0.#} s");
            var reconnects = new List<Task>(schedule.Length);
            foreach (var (at, connection) in schedule)
            {
                await LoadRun.DelayUntilAsync(at);
                _dropped.Add(connection);
                _droppedAt[connection] = LoadClock.Micros();
                reconnects.Add(ReconnectAsync(connection));
            }

            await Task.WhenAll(reconnects);
            Console.Error.WriteLine($"  storm: every subscriber reconnected or gave up {LoadClock.Seconds(LoadClock.Micros() - _windowStart):F2} s after the window opened");
        }

        public void Report(LoadReport report)
        {
            var reconnected = _dropped.Where(c => c.IsOpen).ToArray();
            var live = reconnected.Where(c => c.FirstEventAtMicros > 0).ToArray();
            // Exactly: reconnected, received events since, and over the whole run not one lost,
            // duplicated or reordered event of its topic.
            var exact = live.Count(c => !c.Checker.AnyAnomaly
                                        && c.Checker.Lost(lane => run.Publisher!.AckedSequence(c.Topic, lane)) == 0);
            double? untilAllLive = live.Length == _dropped.Count && live.Length > 0
                ? LoadClock.Seconds(live.Max(c => c.FirstEventAtMicros) - _windowStart)
                : null;
            double? untilAllConnected = reconnected.Length > 0 ? LoadClock.Seconds(reconnected.Max(c => c.ConnectedAtMicros) - _windowStart) : null;
            var resumeTimes = live.Select(c => LoadClock.Seconds(c.FirstEventAtMicros - c.ConnectedAtMicros) * 1000).Order().ToArray();
            // Per subscriber, from closing its socket to its first event on the new connection.
            var outages = live.Select(c => LoadClock.Seconds(c.FirstEventAtMicros - _droppedAt[c]) * 1000).Order().ToArray();
            report.Set("dropWindowSeconds", dropWindow);
            report.Set("offlineMs", (long)offline.TotalMilliseconds);
            report.Set("droppedSubscribers", _dropped.Count);
            report.Set("reconnected", reconnected.Length);
            report.Set("reconnectFailures", Interlocked.Read(ref _reconnectFailures));
            report.Set("resumedExactly", exact);
            report.Set("notLive", _dropped.Count - live.Length);
            report.Set("secondsUntilAllConnected", untilAllConnected);
            report.Set("secondsUntilAllLive", untilAllLive);
            report.Set("outageP50Ms", Quantile(outages, 0.5));
            report.Set("outageP99Ms", Quantile(outages, 0.99));
            report.Set("outageMaxMs", Quantile(outages, 1));
            report.Set("firstEventAfterHeadP50Ms", Quantile(resumeTimes, 0.5));
            report.Set("firstEventAfterHeadP99Ms", Quantile(resumeTimes, 0.99));
            report.Line($"  storm:    {_dropped.Count:N0} dropped over {dropWindow:0.#} s, {reconnected.Length:N0} reconnected ({Interlocked.Read(ref _reconnectFailures):N0} failed attempts), " +
                        $"{exact:N0} resumed exactly, {_dropped.Count - live.Length:N0} without an event since; all live {(untilAllLive is { } s ? $"{s:F2} s" : "never")} " +
                        $"after the window opened (all connected {(untilAllConnected is { } c ? $"{c:F2} s" : "-")}); first event after the head p50 " +
                        $"{LoadReport.Ms(Quantile(resumeTimes, 0.5))} ms, p99 {LoadReport.Ms(Quantile(resumeTimes, 0.99))} ms; " +
                        $"outage per subscriber (close to first event) p50 {LoadReport.Ms(Quantile(outages, 0.5))} ms, p99 {LoadReport.Ms(Quantile(outages, 0.99))} ms, " +
                        $"max {LoadReport.Ms(Quantile(outages, 1))} ms");
        }

        private async Task ReconnectAsync(SseClientConnection connection)
        {
            await connection.CloseAsync();
            if (offline > TimeSpan.Zero)
            {
                await Task.Delay(offline);
            }

            for (var attempt = 1; attempt <= ReconnectAttempts; attempt++)
            {
                if (await connection.ConnectAsync(resume: true, run.Subscribers.ConnectTimeout))
                {
                    return;
                }

                Interlocked.Increment(ref _reconnectFailures);
                await Task.Delay(500);
            }
        }

        private static double? Quantile(double[] sorted, double q) =>
            sorted.Length == 0 ? null : sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }
}
