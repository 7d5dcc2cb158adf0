namespace EventActors.Bench.Load;

/// <summary>
/// Merges the delivery latency histograms that the parts of one run saved (<c>--histogram-out</c>):
/// a run too large for one generator process (100,000 subscribers, at most ~19,500 sockets a
/// process here) runs as several, each with its own topics and share of the rate, and its
/// percentiles are those of every delivery together, not a mean of the parts' percentiles.
/// </summary>
internal sealed class LatencyMergeCommand : IBenchmark
{
    public string Description => "Merges the latency histograms of a run's parts (fanout --histogram-out): p50, p90, p99, p99.9, max";

    public string Usage => "--files A,B,... [--json]";

    public Task<int> RunAsync(BenchmarkOptions options)
    {
        var files = (options.String("files") ?? throw new BenchmarkOptionException("--files is required: the histograms, comma-separated"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var merged = new LatencyHistogram();
        foreach (var file in files)
        {
            merged.Add(LatencyHistogram.Load(file));
        }

        var report = new LoadReport("latency-merge");
        report.Set("parts", files.Length);
        report.Line($"  {files.Length} parts: {report.SetLatency(merged)}");
        report.Print(options.Json);
        return Task.FromResult(0);
    }
}
