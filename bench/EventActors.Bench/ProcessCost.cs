using System.Diagnostics;
using System.Globalization;

namespace EventActors.Bench;

/// <summary>
/// What this process spent over a measured window, per event: CPU of every thread, bytes
/// allocated, and the garbage collector's share. Says whether a run was CPU-bound (compare
/// <see cref="CoresUsed"/> with the machine's cores) and what one event costs; a database
/// server's own CPU (PostgreSQL) is not in it.
/// </summary>
/// <param name="CoresUsed">CPU seconds per wall-clock second.</param>
/// <param name="GcPausePercent">Share of the window the runtime was paused for collections.</param>
internal sealed record ProcessCost(double CpuMicrosecondsPerEvent, double AllocatedBytesPerEvent, double CoresUsed, int Gen0Collections, int Gen2Collections, double GcPausePercent)
{
    public static Meter Start() => new();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{CpuMicrosecondsPerEvent:F2} µs CPU and {AllocatedBytesPerEvent:N0} bytes allocated per event, {CoresUsed:F2} cores, " +
        $"{Gen0Collections} gen0 / {Gen2Collections} gen2 collections, {GcPausePercent:F1} % in GC pauses");

    /// <summary>Started at the beginning of the window; <see cref="Stop"/> at its end.</summary>
    internal sealed class Meter
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        private readonly long _allocated = GC.GetTotalAllocatedBytes();
        private readonly int _gen0 = GC.CollectionCount(0);
        private readonly int _gen2 = GC.CollectionCount(2);
        private readonly TimeSpan _paused = GC.GetTotalPauseDuration();

        public ProcessCost Stop(long events)
        {
            var wall = Stopwatch.GetElapsedTime(_started);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpu;
            var allocated = GC.GetTotalAllocatedBytes() - _allocated;
            var perEvent = Math.Max(events, 1);
            return new ProcessCost(cpu.TotalMicroseconds / perEvent, (double)allocated / perEvent, cpu / wall,
                GC.CollectionCount(0) - _gen0, GC.CollectionCount(2) - _gen2, (GC.GetTotalPauseDuration() - _paused) / wall * 100);
        }
    }
}
