using System.Text.Json.Nodes;

namespace EventActors.Bench.Load;

/// <summary>What became of idle streams over the hold; summed when several generator processes held them.</summary>
internal sealed record IdleHoldCounts(int Open, int Dropped, long Heartbeats, long UnexpectedEvents)
{
    public static IdleHoldCounts Of(IReadOnlyCollection<SseClientConnection> connections)
    {
        var totals = DeliveryTotals.Of(connections, null);
        return new IdleHoldCounts(connections.Count(c => c.IsOpen), totals.DroppedByServer, totals.Comments,
            totals.Resets + totals.OtherEvents + totals.Malformed);
    }

    public static IdleHoldCounts Sum(IEnumerable<IdleHoldCounts> parts) =>
        parts.Aggregate(new IdleHoldCounts(0, 0, 0, 0), (sum, part) => new IdleHoldCounts(
            sum.Open + part.Open, sum.Dropped + part.Dropped, sum.Heartbeats + part.Heartbeats, sum.UnexpectedEvents + part.UnexpectedEvents));
}

/// <summary>
/// An idle run's result, from one generator process or from several: reported the same way, so
/// a run split over processes reads (and parses) like a single-process one.
/// </summary>
internal sealed record IdleResult
{
    public required ConnectSummary Connect { get; init; }

    public required IdleHoldCounts Hold { get; init; }

    /// <summary>The server before anything connected, and once the streams settled.</summary>
    public ProcessSampler.Sample? ServerBefore { get; init; }

    public ProcessSampler.Sample? ServerAfter { get; init; }

    /// <summary>
    /// The server's largest reading from the settled sample to the hold's end: the figure for
    /// holding the streams. The run's maximum (<see cref="ProcessFigures"/>) also covers the
    /// connecting before and the closing of every stream after, when the generators exit.
    /// </summary>
    public ProcessSampler.Sample? ServerHoldMax { get; init; }

    /// <summary>Generator RSS from before connecting to settled, summed over the generator processes; null if unread.</summary>
    public long? GeneratorGrowthKiB { get; init; }

    public required ProcessFigures Processes { get; init; }

    public int GeneratorProcesses { get; init; } = 1;

    /// <summary>Everything but <see cref="Processes"/>, which the caller adds once it has added its own lines.</summary>
    public LoadReport Report(LoadOptions load, double hold)
    {
        double? perConnection = ServerBefore is { } before && ServerAfter is { } after && Connect.Connected > 0
            ? (after.RssKiB - before.RssKiB) * 1024.0 / Connect.Connected
            : null;
        double? generatorPerConnection = GeneratorGrowthKiB is { } growth && Connect.Connected > 0
            ? growth * 1024.0 / Connect.Connected
            : null;

        var report = new LoadReport("idle");
        report.Set("subUrl", load.SubUrl);
        report.Set("subUrls", new JsonArray(load.SubUrls.Select(url => (JsonNode?)url).ToArray()));
        report.Set("topics", load.Topics);
        report.Set("subscribers", load.Subscribers);
        report.Set("connections", load.Subscribers);
        report.Set("processes", GeneratorProcesses);
        report.Set("holdSeconds", hold);
        report.Set("serverRssBeforeMiB", ServerBefore is { } b ? b.RssKiB / 1024.0 : null, 1);
        report.Set("serverRssAfterMiB", ServerAfter is { } a ? a.RssKiB / 1024.0 : null, 1);
        report.Set("serverBytesPerConnection", perConnection, 0);
        // Several server processes: their RSS with the pages of the files they all map counted once.
        report.Set("serverRssFilesOnceBeforeMiB", ServerBefore is { } fb ? fb.FilesOnceKiB / 1024.0 : null, 1);
        report.Set("serverRssFilesOnceAfterMiB", ServerAfter is { } fa ? fa.FilesOnceKiB / 1024.0 : null, 1);
        report.Set("serverRssHoldMaxMiB", ServerHoldMax is { } hm ? hm.RssKiB / 1024.0 : null, 1);
        report.Set("generatorBytesPerConnection", generatorPerConnection, 0);
        report.Set("open", Hold.Open);
        report.Set("dropped", Hold.Dropped);
        report.Set("heartbeats", Hold.Heartbeats);
        report.Set("unexpectedEvents", Hold.UnexpectedEvents);
        report.Line($"idle: {load.Subscribers:N0} streams over {load.Topics:N0} topics, held {hold:0.#} s after {load.SettleSeconds:0.#} s to settle" +
                    (load.SubUrls.Count > 1 ? $", spread over {load.SubUrls.Count} URL templates" : "") +
                    (GeneratorProcesses > 1 ? $", from {GeneratorProcesses} generator processes" : ""));
        LoadRun.ReportConnect(report, Connect);
        report.Line($"  server:   RSS {(ServerBefore?.RssKiB ?? 0) / 1024.0:F1} MiB before, {(ServerAfter?.RssKiB ?? 0) / 1024.0:F1} MiB with the streams open: " +
                    $"{(perConnection is { } p ? $"{p:N0}" : "-")} bytes per connection" +
                    (ServerBefore is { } sb && ServerAfter is { } sa && sa.FilesOnceKiB != sa.RssKiB
                        ? $"; with the files they all map counted once, {sb.FilesOnceKiB / 1024.0:F1} MiB before, {sa.FilesOnceKiB / 1024.0:F1} MiB with the streams open"
                        : ""));
        report.Line($"  generator: {(generatorPerConnection is { } g ? $"{g:N0}" : "-")} bytes of RSS per connection");
        report.Line($"  hold:     {Hold.Open:N0} open at the end, {Hold.Dropped:N0} closed by the server, {Hold.Heartbeats:N0} heartbeats (comments) received" +
                    (ServerHoldMax is { } held ? $"; server RSS max while holding {held.RssKiB / 1024.0:F1} MiB" +
                        (held.FilesOnceKiB != held.RssKiB ? $" ({held.FilesOnceKiB / 1024.0:F1} MiB with the files counted once)" : "") : ""));
        return report;
    }
}
