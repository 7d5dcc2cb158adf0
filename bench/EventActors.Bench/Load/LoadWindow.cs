namespace EventActors.Bench.Load;

/// <summary>
/// When the measured part of a run begins and ends, on <see cref="LoadClock"/>. Before it is
/// warm-up (JIT tiers, connection pools, server caches); after it, the drain. Set once before
/// publishing starts and only read afterwards.
/// </summary>
internal sealed class LoadWindow
{
    public long StartMicros { get; private set; } = long.MaxValue;

    public long EndMicros { get; private set; } = long.MaxValue;

    public double Seconds => LoadClock.Seconds(EndMicros - StartMicros);

    public void Set(long startMicros, long endMicros)
    {
        StartMicros = startMicros;
        EndMicros = endMicros;
        Thread.MemoryBarrier(); // published before the first event is sent
    }

    public bool Contains(long micros) => micros >= StartMicros && micros < EndMicros;
}
