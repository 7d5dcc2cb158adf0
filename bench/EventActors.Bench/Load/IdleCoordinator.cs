using System.Globalization;
using System.Text.Json.Nodes;

namespace EventActors.Bench.Load;

/// <summary>
/// An idle run over several generator processes (<c>--processes N</c>): one process may hold at
/// most ~19,900 sockets here (RLIMIT_NOFILE 20,000, not raisable), so 20,000 streams and more
/// take several. This process opens none: it starts the generators (this program again, with
/// <c>--worker-index I</c>), waits until every one has its share connected and settled, samples
/// the server, tells them to hold, samples the server's CPU over the hold, and sums what they
/// report into the report a single process prints. Any generator that exits, goes silent or
/// fails makes the run fail, and every generator still running is killed.
/// </summary>
internal static class IdleCoordinator
{
    /// <summary>Slack on every wait for a generator (30 s): starting the runtime, closing thousands of sockets, a loaded machine.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(LoadOptions load, double hold, int processes)
    {
        var shares = Enumerable.Range(0, processes).Select(index => load.ShareOf(index, processes)).ToArray();
        Console.Error.WriteLine($"idle: {load.Subscribers:N0} connections from {processes} generator processes " +
                                $"(up to {shares.Max(s => s.Subscribers):N0} each, {load.SourceAddresses} source addresses each, " +
                                $"{shares[0].ConnectConcurrency} connecting at a time each) to {load.SubUrl}");
        await using var server = load.ServerPids.Count > 0 ? new ProcessSampler(load.ServerPids) : null;
        var serverBefore = server?.TakeSample();
        server?.Start();

        var generators = new List<GeneratorProcess>(processes);
        try
        {
            for (var index = 0; index < processes; index++)
            {
                generators.Add(GeneratorProcess.Start(index, ["--worker-index", index.ToString(CultureInfo.InvariantCulture)]));
            }

            // Every connection may take the whole connect timeout, one after another on each of
            // a generator's concurrent connectors; then up to the settle time for first bytes.
            var rounds = shares.Max(s => (s.Subscribers + s.ConnectConcurrency - 1) / s.ConnectConcurrency);
            var connectWithin = Margin + TimeSpan.FromSeconds(rounds * load.ConnectTimeoutSeconds + load.SettleSeconds);
            var connected = await AllOrFirstFailureAsync(generators.Select(g =>
                g.ReadAsync<IdleWorkerConnected>(IdleWorkerMessages.Connected, connectWithin)));
            var connect = Sum(connected.Select(c => c.Connect).ToArray());
            Console.Error.WriteLine($"  {connect.Connected:N0} connected in {connect.Seconds:F2} s (the slowest process), " +
                                    $"{connect.Failed:N0} failed{LoadRun.Reasons(connect.FailureReasons)}");
            if (connect.Connected == 0)
            {
                Console.Error.WriteLine("No connection opened; nothing to measure.");
                return 1;
            }

            // Settled: allocations of connection set-up done, the GC has had a chance to run.
            Console.Error.WriteLine($"  settling {load.SettleSeconds:0.#} s, then holding {hold:0.#} s");
            await Task.Delay(TimeSpan.FromSeconds(load.SettleSeconds));
            var serverAfter = server?.TakeSample();

            var serverAtStart = server?.TakeSample();
            var machineAtStart = MachineCpu.Read();
            foreach (var generator in generators)
            {
                await generator.SendAsync(IdleWorkerMessages.Hold);
            }

            // Read while holding, so a generator that dies mid-hold fails the run at once.
            var holding = AllOrFirstFailureAsync(generators.Select(g =>
                g.ReadAsync<IdleWorkerHeld>(IdleWorkerMessages.Held, TimeSpan.FromSeconds(hold) + Margin)));
            var holdEnd = Task.Delay(TimeSpan.FromSeconds(hold));
            if (await Task.WhenAny(holding, holdEnd) == holding && holding.IsFaulted)
            {
                await holding; // throws its failure
            }

            await holdEnd;

            var serverAtEnd = server?.TakeSample();
            var machineAtEnd = MachineCpu.Read();
            var held = await holding;
            await AwaitExitsAsync(generators);

            var result = new IdleResult
            {
                Connect = connect,
                Hold = IdleHoldCounts.Sum(held.Select(h => h.Hold)),
                ServerBefore = serverBefore,
                ServerAfter = serverAfter,
                ServerHoldMax = server is { } sampler && serverAfter is { } settled && serverAtEnd is { } end
                    ? sampler.Samples.Where(s => s.Micros >= settled.Micros && s.Micros <= end.Micros).MaxBy(s => s.RssKiB)
                    : null,
                GeneratorGrowthKiB = held.All(h => h.GeneratorGrowthKiB is not null) ? held.Sum(h => h.GeneratorGrowthKiB!.Value) : null,
                GeneratorProcesses = processes,
                Processes = new ProcessFigures
                {
                    Server = server,
                    ServerBaseline = serverBefore,
                    ServerCpuPercent = serverAtStart is { } s0 && serverAtEnd is { } s1 ? ProcessSampler.CpuPercent(s0, s1) : null,
                    GeneratorCpuPercent = held.All(h => h.GeneratorCpuPercent is not null) ? held.Sum(h => h.GeneratorCpuPercent!.Value) : null,
                    GeneratorRssMiB = held.Sum(h => h.GeneratorRssMiB),
                    MachineCpuPercent = MachineCpu.PercentOfOneCore(machineAtStart, machineAtEnd),
                    GeneratorProcesses = processes,
                },
            };
            var report = result.Report(load, hold);
            ReportGenerators(report, shares, connected, held);
            result.Processes.Report(report);
            report.Print(load.Json);
            return 0;
        }
        catch (GeneratorProcessException failure)
        {
            Console.Error.WriteLine($"idle: {failure.Message}; stopping the other generator processes");
            return 1;
        }
        finally
        {
            foreach (var generator in generators)
            {
                await generator.DisposeAsync();
            }
        }
    }

    /// <summary>All results, or the first failure as soon as it happens (Task.WhenAll would wait for the others, possibly until their timeouts).</summary>
    private static async Task<T[]> AllOrFirstFailureAsync<T>(IEnumerable<Task<T>> reads)
    {
        var all = reads.ToArray();
        var pending = all.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            await done;
            pending.Remove(done);
        }

        return await Task.WhenAll(all);
    }

    /// <summary>Generators exit once they reported and closed their streams; one that does not is killed, its result stands.</summary>
    private static async Task AwaitExitsAsync(IEnumerable<GeneratorProcess> generators)
    {
        foreach (var generator in generators)
        {
            if (!await generator.WaitForExitAsync(Margin))
            {
                Console.Error.WriteLine($"  note: {generator} did not exit {Margin.TotalSeconds:N0} s after reporting; killing it");
            }
            else if (generator.ExitCode is not 0)
            {
                Console.Error.WriteLine($"  note: {generator} exited with code {generator.ExitCode} after reporting");
            }
        }
    }

    /// <summary>Connected from every process: connecting ran in parallel, so it took as long as the slowest.</summary>
    private static ConnectSummary Sum(IReadOnlyList<ConnectSummary> parts) => new(
        parts.Max(p => p.Seconds),
        parts.Sum(p => p.Connected),
        parts.Sum(p => p.Failed),
        parts.SelectMany(p => p.FailureReasons).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Sum(r => r.Value)));

    private static void ReportGenerators(LoadReport report, LoadOptions[] shares, IdleWorkerConnected[] connected, IdleWorkerHeld[] held)
    {
        var each = new JsonArray();
        var parts = new List<string>();
        for (var index = 0; index < shares.Length; index++)
        {
            var (share, connect, hold) = (shares[index], connected[index].Connect, held[index]);
            each.Add(new JsonObject
            {
                ["index"] = index,
                ["connections"] = share.Subscribers,
                ["connected"] = connect.Connected,
                ["open"] = hold.Hold.Open,
                ["rssMiB"] = Math.Round(hold.GeneratorRssMiB, 1),
                ["cpuPercent"] = hold.GeneratorCpuPercent is { } cpu ? Math.Round(cpu, 1) : null,
            });
            parts.Add($"#{index} {connect.Connected:N0}/{share.Subscribers:N0} connected, {hold.Hold.Open:N0} open, RSS max {hold.GeneratorRssMiB:F1} MiB, " +
                      $"CPU {(hold.GeneratorCpuPercent is { } c ? $"{c:F0} %" : "-")}");
        }

        report.Set("generators", each);
        report.Line($"  processes: {string.Join("; ", parts)}");
    }
}
