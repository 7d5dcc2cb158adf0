using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text.Json;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace EventActors.Bench;

/// <summary>
/// What a running .NET process allocates, by type: listens to the runtime's allocation ticks
/// (one event per ~100 KB allocated, naming the type of the object that crossed the mark) over
/// EventPipe for a while, and prints the sampled bytes per type and the allocation rate. Run it
/// against the server while a load scenario runs; it found the 48 KiB-per-publish body buffer
/// (docs/benchmarks.md). Samples, not exact counts: <c>fanout-path</c> counts exactly, in process.
/// </summary>
internal sealed class AllocationsBenchmark : IBenchmark
{
    public string Description => "what a running .NET process allocates, by type (sampled over EventPipe)";

    public string Usage => "--pid P [--seconds 6] [--top 20] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var pid = options.Int("pid", 0);
        if (pid <= 0)
        {
            throw new BenchmarkOptionException("--pid is required: the process to sample");
        }

        var seconds = options.String("seconds") is { } text
            ? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)
            : 6;
        var top = options.Int("top", 20);

        var providers = new[]
        {
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, (long)ClrTraceEventParser.Keywords.GC),
        };
        using var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var bytesByType = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        source.Clr.GCAllocationTick += tick =>
        {
            var type = tick.TypeName ?? "?";
            bytesByType[type] = bytesByType.GetValueOrDefault(type) + tick.AllocationAmount64;
            total += tick.AllocationAmount64;
        };

        var processing = Task.Run(source.Process);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        await session.StopAsync(CancellationToken.None);
        await processing;

        var ranked = bytesByType.OrderByDescending(pair => pair.Value).Take(top).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocations: pid {pid}, {total / 1e6:F1} MB sampled in {seconds:0.#} s = {total / 1e6 / seconds:F1} MB/s"));
        foreach (var (type, bytes) in ranked)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes * 100.0 / Math.Max(total, 1),5:F1} %  {type}"));
        }

        if (options.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "allocations",
                pid,
                seconds,
                megabytesPerSecond = Math.Round(total / 1e6 / seconds, 2),
                types = ranked.Select(pair => new { type = pair.Key, share = Math.Round(pair.Value * 1.0 / Math.Max(total, 1), 4) }),
            }));
        }

        return 0;
    }
}
