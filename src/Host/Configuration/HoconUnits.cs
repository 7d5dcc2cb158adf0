using System.Globalization;
using System.Text.RegularExpressions;

namespace EventActors.Host.Configuration;

/// <summary>
/// Durations (<c>15s</c>) and sizes (<c>64KiB</c>) written unquoted, converted to the text the
/// configuration binder parses: <c>00:00:15</c> for a <see cref="TimeSpan"/>, <c>65536</c> for a byte count.
/// </summary>
/// <remarks>
/// HOCON decides by the type the program asks for; a configuration provider does not know it, so
/// the two unit sets here are disjoint: <c>m</c> is minutes, and sizes have no one-letter units
/// (HOCON's <c>K</c>, <c>M</c>, <c>G</c>). Units are case-sensitive (<c>MB</c> is not <c>mb</c>).
/// </remarks>
internal static partial class HoconUnits
{
    private static readonly Dictionary<string, decimal> s_ticksPerUnit = Units(
        (TimeSpan.TicksPerMillisecond / 1_000_000m, ["ns", "nanosecond", "nanoseconds"]),
        (TimeSpan.TicksPerMillisecond / 1_000m, ["us", "microsecond", "microseconds"]),
        (TimeSpan.TicksPerMillisecond, ["ms", "millisecond", "milliseconds"]),
        (TimeSpan.TicksPerSecond, ["s", "second", "seconds"]),
        (TimeSpan.TicksPerMinute, ["m", "minute", "minutes"]),
        (TimeSpan.TicksPerHour, ["h", "hour", "hours"]),
        (TimeSpan.TicksPerDay, ["d", "day", "days"]));

    private static readonly Dictionary<string, decimal> s_bytesPerUnit = Units(
        (1m, ["B", "byte", "bytes"]),
        (1000m, ["kB", "kilobyte", "kilobytes"]),
        (1000m * 1000, ["MB", "megabyte", "megabytes"]),
        (1000m * 1000 * 1000, ["GB", "gigabyte", "gigabytes"]),
        (1000m * 1000 * 1000 * 1000, ["TB", "terabyte", "terabytes"]),
        (1024m, ["KiB", "kibibyte", "kibibytes"]),
        (1024m * 1024, ["MiB", "mebibyte", "mebibytes"]),
        (1024m * 1024 * 1024, ["GiB", "gibibyte", "gibibytes"]),
        (1024m * 1024 * 1024 * 1024, ["TiB", "tebibyte", "tebibytes"]));

    /// <summary>
    /// The converted text when <paramref name="text"/> is a number and a known unit; null when it
    /// is anything else (it stays a plain string). <paramref name="error"/> says why when it is a
    /// duration or size that no TimeSpan or 64-bit byte count can hold.
    /// </summary>
    public static string? TryConvert(string text, out string? error)
    {
        error = null;
        var match = QuantityPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var unit = match.Groups["unit"].Value;
        var isDuration = s_ticksPerUnit.TryGetValue(unit, out var ticksPerUnit);
        if (!isDuration && !s_bytesPerUnit.ContainsKey(unit))
        {
            return null;
        }

        try
        {
            var number = decimal.Parse(match.Groups["number"].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            if (isDuration)
            {
                // Finer than a tick (100 ns) is dropped: a TimeSpan cannot hold it.
                var ticks = decimal.Truncate(number * ticksPerUnit);
                return ticks >= TimeSpan.MinValue.Ticks && ticks <= TimeSpan.MaxValue.Ticks
                    ? TimeSpan.FromTicks((long)ticks).ToString("c", CultureInfo.InvariantCulture)
                    : Error(out error, $"the duration '{text}' is longer than a TimeSpan can hold");
            }

            var bytes = number * s_bytesPerUnit[unit];
            return number < 0 || bytes != decimal.Truncate(bytes) ? Error(out error, $"the size '{text}' is not a whole, non-negative number of bytes")
                : bytes > long.MaxValue ? Error(out error, $"the size '{text}' is larger than a 64-bit byte count can hold")
                : ((long)bytes).ToString(CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            return Error(out error, $"the quantity '{text}' is too large");
        }
    }

    private static string? Error(out string? error, string message)
    {
        error = message;
        return null;
    }

    private static Dictionary<string, decimal> Units(params (decimal Factor, string[] Names)[] units) =>
        units.SelectMany(unit => unit.Names.Select(name => (name, unit.Factor)))
            .ToDictionary(pair => pair.name, pair => pair.Factor, StringComparer.Ordinal);

    // A number (optionally signed, optionally with a fraction), optional spaces, a unit of letters.
    [GeneratedRegex(@"\A(?<number>-?[0-9]+(\.[0-9]+)?) *(?<unit>[A-Za-z]+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();
}
