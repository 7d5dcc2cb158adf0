namespace EventActors.Bench.Load;

/// <summary>
/// A histogram per thread, merged when read. Deliveries are recorded by whichever thread-pool
/// thread runs a connection's receive loop; one shared histogram would put every delivery of a
/// fan-out (a thousand near-identical latencies per event) on the same cache lines of two cores.
/// </summary>
internal sealed class LatencyRecorder : IDisposable
{
    private readonly ThreadLocal<LatencyHistogram> _perThread = new(() => new LatencyHistogram(), trackAllValues: true);

    public void Record(long micros) => _perThread.Value!.Record(micros);

    /// <summary>A merged copy. Read once recording has stopped; a value being recorded meanwhile may be missed.</summary>
    public LatencyHistogram Snapshot()
    {
        var merged = new LatencyHistogram();
        foreach (var histogram in _perThread.Values)
        {
            merged.Add(histogram);
        }

        return merged;
    }

    public void Dispose() => _perThread.Dispose();
}
