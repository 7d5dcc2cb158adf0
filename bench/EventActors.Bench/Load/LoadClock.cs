using System.Diagnostics;

namespace EventActors.Bench.Load;

/// <summary>
/// The one clock of a load run, in microseconds since the process started the clock. Publisher
/// and subscribers live in the same process, so a send timestamp written into an event's body and
/// the receive time read when it arrives come from the same monotonic clock: their difference is
/// the delivery latency, with no clock skew to correct.
/// </summary>
internal static class LoadClock
{
    private static readonly long Origin = Stopwatch.GetTimestamp();

    public static long Micros() => ToMicros(Stopwatch.GetTimestamp() - Origin);

    public static double Seconds(long micros) => micros / 1_000_000.0;

    public static long FromSeconds(double seconds) => (long)(seconds * 1_000_000);

    // Split so that a run of many hours cannot overflow the multiplication.
    private static long ToMicros(long ticks) =>
        ticks / Stopwatch.Frequency * 1_000_000 + ticks % Stopwatch.Frequency * 1_000_000 / Stopwatch.Frequency;
}
