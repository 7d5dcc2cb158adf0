using System.Text.Json.Nodes;

namespace EventActors.Bench.Load;

/// <summary>
/// The CPU and memory part of a report: the server's, the generator's and the whole machine's,
/// over the measured window. Filled by one run, or summed over several generator processes.
/// </summary>
internal sealed record ProcessFigures
{
    /// <summary>The server's processes, summed; null without <c>--server-pid</c>.</summary>
    public ProcessSampler? Server { get; init; }

    public ProcessSampler.Sample? ServerBaseline { get; init; }

    public double? ServerCpuPercent { get; init; }

    /// <summary>Percent of one core, summed over the generator processes.</summary>
    public double? GeneratorCpuPercent { get; init; }

    /// <summary>The largest RSS each generator process had, summed.</summary>
    public double GeneratorRssMiB { get; init; }

    public double? MachineCpuPercent { get; init; }

    public int GeneratorProcesses { get; init; } = 1;

    public void Report(LoadReport report)
    {
        report.Set("serverPids", new JsonArray((Server?.Pids ?? []).Select(pid => (JsonNode?)pid).ToArray()));
        if (Server is { } server)
        {
            report.Set("serverRssMiB", server.MaxRssMiB, 1);
            report.Set("serverRssFinalMiB", server.LastRssMiB, 1);
            report.Set("serverRssPeakMiB", server.PeakRssMiB, 1); // VmHWM: the kernel's peak since the server started
            report.Set("serverRssBaselineMiB", ServerBaseline is { } baseline ? baseline.RssKiB / 1024.0 : null, 1);
            report.Set("serverRssFilesOnceMiB", server.MaxFilesOnceMiB, 1); // see ProcessSampler: shared file pages counted once
            report.Set("serverRssFilesOnceFinalMiB", server.LastFilesOnceMiB, 1);
            report.Set("serverCpuPercent", ServerCpuPercent, 1);
            var pids = server.Pids.Count == 1 ? $"pid {server.Pids[0]}" : $"pids {string.Join(", ", server.Pids)} (summed)";
            report.Line($"  server:   {pids}, CPU {Percent(ServerCpuPercent)} of one core (mean over the window), RSS max {server.MaxRssMiB:F1} MiB, " +
                        $"final {server.LastRssMiB:F1} MiB, before the run {(ServerBaseline?.RssKiB ?? 0) / 1024.0:F1} MiB" +
                        (server.Pids.Count > 1 ? $"; with the files they all map counted once, max {server.MaxFilesOnceMiB:F1} MiB, final {server.LastFilesOnceMiB:F1} MiB" : "") +
                        (server.Gone ? $" ({(server.Pids.Count == 1 ? "the server" : "a server process")} exited during the run)" : ""));
        }
        else
        {
            report.Set("serverRssMiB", (double?)null);
            report.Set("serverCpuPercent", (double?)null);
        }

        // Everything else: other processes on this shared machine, and interrupt work (loopback
        // TCP's receive side runs in softirq, charged to no process). Known only with --server-pid;
        // the readings are taken at slightly different instants, so it is never shown below 0.
        double? otherCpu = MachineCpuPercent is { } machine && ServerCpuPercent is { } serverPart && GeneratorCpuPercent is { } generatorPart
            ? Math.Max(0, machine - serverPart - generatorPart)
            : null;
        report.Set("generatorCpuPercent", GeneratorCpuPercent, 1);
        report.Set("generatorRssMiB", GeneratorRssMiB, 1);
        report.Set("machineCpuPercent", MachineCpuPercent, 1);
        report.Set("otherCpuPercent", otherCpu, 1);
        report.Line($"  generator: CPU {Percent(GeneratorCpuPercent)} of one core, RSS max {GeneratorRssMiB:F1} MiB" +
                    (GeneratorProcesses > 1 ? $" (summed over {GeneratorProcesses} processes)" : "") +
                    $"; whole machine {Percent(MachineCpuPercent)} of {Environment.ProcessorCount * 100} %" +
                    (otherCpu is { } other ? $", of which {other:F0} % neither server nor generator (other processes, softirq)" : ""));
    }

    private static string Percent(double? value) => value is { } v ? $"{v:F0} %" : "-";
}
