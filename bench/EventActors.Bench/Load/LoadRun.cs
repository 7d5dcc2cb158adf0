using System.Text.Json.Nodes;

namespace EventActors.Bench.Load;

/// <summary>
/// The engine every load scenario shares: subscribers, publisher, samplers, and the run's
/// timeline. Connect every subscriber; let the streams settle; publish for warm-up + duration
/// (the measured window is the duration after the warm-up); drain until every open subscriber
/// has every acknowledged event, or <c>--drain-seconds</c> passed; report.
/// </summary>
internal sealed class LoadRun : IAsyncDisposable
{
    private ProcessSampler.Sample? _serverAtStart;
    private ProcessSampler.Sample? _serverAtEnd;
    private ProcessSampler.Sample? _generatorAtStart;
    private ProcessSampler.Sample? _generatorAtEnd;
    private MachineCpu.Reading? _machineAtStart;
    private MachineCpu.Reading? _machineAtEnd;

    private LoadRun(LoadOptions options, bool publishes)
    {
        Options = options;
        Publisher = publishes ? new Publisher(options, Window) : null;
        Subscribers = new SubscriberPool(options, Publisher?.LanesPerTopic ?? 1, Window, Latency);
        Server = options.ServerPids.Count > 0 ? new ProcessSampler(options.ServerPids) : null;
        Generator = new ProcessSampler(Environment.ProcessId);
        StartedMicros = LoadClock.Micros();
        ServerBaseline = Server?.TakeSample();
        Server?.Start();
        Generator.Start();
    }

    public LoadOptions Options { get; }

    public LoadWindow Window { get; } = new();

    public LatencyRecorder Latency { get; } = new();

    public Publisher? Publisher { get; }

    public SubscriberPool Subscribers { get; }

    public ProcessSampler? Server { get; }

    /// <summary>This process: the generator shares the machine's cores with the server, so its CPU is part of the picture.</summary>
    public ProcessSampler Generator { get; }

    public ProcessSampler.Sample? ServerBaseline { get; }

    public long StartedMicros { get; }

    public ConnectSummary? Connect { get; private set; }

    public double DrainSeconds { get; private set; }

    public bool DrainComplete { get; private set; }

    /// <summary>The server's mean CPU over the measured window, in percent of one core; null without <c>--server-pid</c> or before the window closed.</summary>
    public double? ServerCpuPercent => _serverAtStart is { } s0 && _serverAtEnd is { } s1 ? ProcessSampler.CpuPercent(s0, s1) : null;

    /// <summary>This process's mean CPU over the measured window, in percent of one core.</summary>
    public double? GeneratorCpuPercent => _generatorAtStart is { } g0 && _generatorAtEnd is { } g1 ? ProcessSampler.CpuPercent(g0, g1) : null;

    public static LoadRun Create(LoadOptions options, bool publishes = true) => new(options, publishes);

    public async Task<ConnectSummary> ConnectAsync()
    {
        Console.Error.WriteLine($"{Options.Scenario}: connecting {Options.Subscribers:N0} subscribers to {Options.SubUrl} " +
                                $"({Options.Topics:N0} topics, {Subscribers.SourceAddresses.Count} source addresses, {Options.ConnectConcurrency} at a time)");
        Connect = await Subscribers.ConnectAllAsync();
        Console.Error.WriteLine($"  {Connect.Connected:N0} connected in {Connect.Seconds:F2} s, {Connect.Failed:N0} failed{Reasons(Connect.FailureReasons)}");
        await Subscribers.SettleAsync(TimeSpan.FromSeconds(Options.SettleSeconds));
        return Connect;
    }

    /// <summary>
    /// Publishes for warm-up + duration. <paramref name="atWindowStart"/> runs when the measured
    /// window opens; <paramref name="during"/> runs alongside publishing from its start.
    /// </summary>
    public async Task PublishAsync(Action? atWindowStart = null, Func<Task>? during = null)
    {
        if (Options.StartFile is { } startFile)
        {
            Console.Error.WriteLine($"  connected; publishing starts once {startFile} exists");
            while (!File.Exists(startFile))
            {
                await Task.Delay(20);
            }
        }

        var start = LoadClock.Micros();
        var windowStart = start + LoadClock.FromSeconds(Options.WarmupSeconds);
        var end = windowStart + LoadClock.FromSeconds(Options.DurationSeconds);
        Window.Set(windowStart, end);
        Console.Error.WriteLine(Publisher is null
            ? $"  holding for {Options.WarmupSeconds + Options.DurationSeconds:0.#} s"
            : $"  publishing at rate {Options.RateText} for {Options.WarmupSeconds:0.#} s warm-up + {Options.DurationSeconds:0.#} s measured " +
              $"({Publisher.LanesPerTopic} lanes per topic)");
        var publishing = Publisher is { } publisher ? publisher.RunAsync(end) : DelayUntilAsync(end);
        await Task.WhenAll(publishing, MarkWindowAsync(atWindowStart), during?.Invoke() ?? Task.CompletedTask);
    }

    /// <summary>Waits until every open subscriber accepted by <paramref name="include"/> has every acknowledged event of its topic, or the drain time (default <c>--drain-seconds</c>) is up.</summary>
    public async Task DrainAsync(Func<SseClientConnection, bool> include, double? seconds = null)
    {
        var started = LoadClock.Micros();
        var deadline = started + LoadClock.FromSeconds(seconds ?? Options.DrainSeconds);
        var acked = new long[Options.Topics];
        while (true)
        {
            for (var topic = 0; topic < acked.Length; topic++)
            {
                acked[topic] = Publisher?.AckedForTopic(topic) ?? 0;
            }

            long expected = 0, received = 0;
            foreach (var connection in Subscribers.Connections)
            {
                if (connection.IsOpen && include(connection))
                {
                    expected += acked[connection.Topic];
                    received += connection.Checker.Unique;
                }
            }

            var now = LoadClock.Micros();
            if (received >= expected || now >= deadline)
            {
                DrainComplete = received >= expected;
                DrainSeconds = LoadClock.Seconds(now - started);
                Console.Error.WriteLine(DrainComplete
                    ? $"  drained in {DrainSeconds:F2} s"
                    : $"  drain incomplete after {DrainSeconds:F2} s: {expected - received:N0} deliveries outstanding");
                return;
            }

            await Task.Delay(50);
        }
    }

    public static async Task DelayUntilAsync(long micros)
    {
        var wait = micros - LoadClock.Micros();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromMicroseconds(wait));
        }
    }

    public void ReportSetup(LoadReport report)
    {
        report.Set("subUrl", Options.SubUrl);
        report.Set("pubUrl", Options.PubUrl);
        report.Set("topics", Options.Topics);
        report.Set("subscribers", Options.Subscribers);
        report.Set("rate", Options.Rate is { } rate ? JsonValue.Create(rate) : JsonValue.Create("max"));
        report.Set("inFlight", Options.InFlight);
        report.Set("lanesPerTopic", Publisher?.LanesPerTopic ?? 0);
        report.Set("payloadBytes", Options.PayloadBytes);
        report.Set("warmupSeconds", Options.WarmupSeconds);
        report.Set("durationSeconds", Options.DurationSeconds);
        report.Line($"{Options.Scenario}: {Options.Topics:N0} topics x {Options.Subscribers:N0} subscribers, rate {Options.RateText} " +
                    $"(in flight {Options.InFlight}, {Publisher?.LanesPerTopic ?? 0} lanes per topic), {Options.PayloadBytes}-byte events, " +
                    $"{Options.DurationSeconds:0.#} s measured after {Options.WarmupSeconds:0.#} s warm-up");
    }

    public void ReportConnect(LoadReport report) => ReportConnect(report, Connect ?? ConnectSummary.Of(Subscribers.Connections, 0));

    public static void ReportConnect(LoadReport report, ConnectSummary connect)
    {
        report.Set("connectSeconds", connect.Seconds);
        report.Set("connected", connect.Connected);
        report.Set("failedSubscribers", connect.Failed);
        report.Set("failureReasons", LoadReport.Counts(connect.FailureReasons.Select(p => KeyValuePair.Create(p.Key, (long)p.Value))));
        report.Line($"  connect:  {connect.Connected:N0} subscribers in {connect.Seconds:F2} s ({connect.Connected / Math.Max(connect.Seconds, 1e-9):N0}/s), " +
                    $"{connect.Failed:N0} failed{Reasons(connect.FailureReasons)}");
    }

    public void ReportPublishing(LoadReport report)
    {
        if (Publisher is not { } publisher)
        {
            return;
        }

        var seconds = Window.Seconds;
        var non2xx = publisher.Non2xx.Values.Sum();
        var ack = publisher.AckLatency.Snapshot();
        report.Set("publishes", publisher.AckedInWindow);
        report.Set("publishesPerSecond", publisher.AckedInWindow / seconds, 1);
        report.Set("publishesTotal", publisher.Acked);
        report.Set("publishErrors", publisher.Errors + non2xx);
        report.Set("publishExceptions", publisher.Errors);
        report.Set("publishNon2xx", LoadReport.Counts(publisher.Non2xx));
        report.Set("publishesNotSent", publisher.NotSent);
        report.Set("publishFirstError", publisher.FirstError);
        report.Set("publishP50Ms", ack.PercentileMillis(0.50));
        report.Set("publishP99Ms", ack.PercentileMillis(0.99));
        report.Line($"  publish:  {publisher.AckedInWindow / seconds:N0} events/s acknowledged ({publisher.Acked:N0} in all), " +
                    $"ack latency p50 {LoadReport.Ms(ack.PercentileMillis(0.5))} ms, p99 {LoadReport.Ms(ack.PercentileMillis(0.99))} ms; " +
                    $"errors {publisher.Errors:N0}, non-2xx {non2xx:N0}{Reasons(publisher.Non2xx)}, not sent (behind schedule) {publisher.NotSent:N0}" +
                    (publisher.FirstError is { } first ? $"; first error: {first}" : ""));
    }

    /// <summary>Deliveries, latency and the sequence checks over <paramref name="measured"/> subscribers.</summary>
    public DeliveryTotals ReportDeliveries(LoadReport report, IReadOnlyCollection<SseClientConnection> measured, string label = "deliver")
    {
        var totals = DeliveryTotals.Of(measured, Publisher);
        var latency = Latency.Snapshot();
        if (Options.HistogramOut is { } histogramPath)
        {
            latency.Save(histogramPath);
        }

        var seconds = Window.Seconds;
        report.Set("deliveries", totals.EventsInWindow);
        report.Set("deliveriesPerSecond", totals.EventsInWindow / seconds, 1);
        var latencySummary = report.SetLatency(latency);
        report.Set("lost", totals.Lost);
        report.Set("duplicated", totals.Duplicated);
        report.Set("outOfOrder", totals.OutOfOrder);
        report.Set("misrouted", totals.Misrouted);
        report.Set("malformed", totals.Malformed);
        report.Set("resets", totals.Resets);
        report.Set("otherEvents", totals.OtherEvents);
        report.Set("droppedByServer", totals.DroppedByServer);
        report.Set("drainSeconds", DrainSeconds);
        report.Json["drainComplete"] = DrainComplete;
        report.Line($"  {label}:  {totals.EventsInWindow / seconds:N0} deliveries/s to {totals.Subscribers:N0} subscribers; {latencySummary}");
        report.Line($"  checks:   lost {totals.Lost:N0}, duplicated {totals.Duplicated:N0}, out of order {totals.OutOfOrder:N0}, misrouted {totals.Misrouted:N0}, " +
                    $"malformed {totals.Malformed:N0}, resets {totals.Resets:N0}, dropped by server {totals.DroppedByServer:N0}; " +
                    (DrainComplete ? $"drained in {DrainSeconds:F2} s" : $"drain INCOMPLETE after {DrainSeconds:F2} s"));
        return totals;
    }

    public void ReportProcesses(LoadReport report) => Processes.Report(report);

    /// <summary>Server, generator and machine CPU over the measured window, and their memory.</summary>
    public ProcessFigures Processes => new()
    {
        Server = Server,
        ServerBaseline = ServerBaseline,
        ServerCpuPercent = ServerCpuPercent,
        GeneratorCpuPercent = GeneratorCpuPercent,
        GeneratorRssMiB = Generator.MaxRssMiB,
        MachineCpuPercent = MachineCpu.PercentOfOneCore(_machineAtStart, _machineAtEnd),
    };

    public async ValueTask DisposeAsync()
    {
        await Subscribers.DisposeAsync();
        Publisher?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        await Generator.DisposeAsync();
        Latency.Dispose();
    }

    private async Task MarkWindowAsync(Action? atWindowStart)
    {
        await DelayUntilAsync(Window.StartMicros);
        _serverAtStart = Server?.TakeSample();
        _generatorAtStart = Generator.TakeSample();
        _machineAtStart = MachineCpu.Read();
        atWindowStart?.Invoke();
        await DelayUntilAsync(Window.EndMicros);
        _serverAtEnd = Server?.TakeSample();
        _generatorAtEnd = Generator.TakeSample();
        _machineAtEnd = MachineCpu.Read();
    }

    public static string Reasons<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> reasons) where TKey : notnull =>
        reasons.Count == 0 ? "" : " (" + string.Join(", ", reasons.Select(r => $"{r.Key}: {r.Value}")) + ")";
}

/// <summary>The sequence checks and counters of a set of subscribers, summed.</summary>
internal sealed record DeliveryTotals(
    int Subscribers, long EventsInWindow, long Lost, long Duplicated, long OutOfOrder, long Misrouted, long Malformed,
    long Resets, long OtherEvents, int DroppedByServer, long Comments)
{
    public static DeliveryTotals Of(IEnumerable<SseClientConnection> connections, Publisher? publisher)
    {
        int subscribers = 0, dropped = 0;
        long inWindow = 0, lost = 0, duplicated = 0, outOfOrder = 0, misrouted = 0, malformed = 0, resets = 0, other = 0, comments = 0;
        foreach (var connection in connections.Where(c => c.EverConnected))
        {
            subscribers++;
            inWindow += connection.EventsInWindow;
            // A subscriber the server dropped counts what it never received as lost: from the
            // client's side it is lost, whatever the reason; droppedByServer says how many.
            lost += connection.Checker.Lost(lane => publisher?.AckedSequence(connection.Topic, lane) ?? 0);
            duplicated += connection.Checker.Duplicated;
            outOfOrder += connection.Checker.OutOfOrder;
            misrouted += connection.Misrouted;
            malformed += connection.Malformed;
            resets += connection.Resets;
            other += connection.OtherEvents;
            comments += connection.Comments;
            if (connection.End is ConnectionEnd.ClosedByServer or ConnectionEnd.Reset or ConnectionEnd.ProtocolError)
            {
                dropped++;
            }
        }

        return new DeliveryTotals(subscribers, inWindow, lost, duplicated, outOfOrder, misrouted, malformed, resets, other, dropped, comments);
    }
}
