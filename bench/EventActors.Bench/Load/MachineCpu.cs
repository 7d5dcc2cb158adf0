using System.Globalization;

namespace EventActors.Bench.Load;

/// <summary>
/// The whole machine's CPU use from <c>/proc/stat</c>, in percent of one core (200 % is both
/// cores here). Server and generator share the machine, and the kernel's work for loopback TCP is
/// not always charged to either process; this says whether the machine itself was the limit.
/// </summary>
internal static class MachineCpu
{
    /// <summary>Busy and total jiffies since boot, summed over every CPU; null if unreadable.</summary>
    public readonly record struct Reading(long Micros, long Busy, long Total);

    public static Reading? Read()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return null;
            }

            // cpu  user nice system idle iowait irq softirq steal guest guest_nice
            var values = line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var idle = values[3] + values[4];
            var total = values.Sum();
            return new Reading(LoadClock.Micros(), total - idle, total);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public static double? PercentOfOneCore(Reading? from, Reading? to) =>
        from is { } a && to is { } b && b.Total > a.Total
            ? (double)(b.Busy - a.Busy) / (b.Total - a.Total) * Environment.ProcessorCount * 100
            : null;
}
