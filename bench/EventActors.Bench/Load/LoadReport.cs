using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventActors.Bench.Load;

/// <summary>
/// A scenario's result: readable lines, and the same figures as one JSON object, printed as the
/// last line of standard output with <c>--json</c> so scripts can compare runs and servers.
/// </summary>
internal sealed class LoadReport
{
    private static readonly JsonSerializerOptions Indentless = new() { WriteIndented = false };

    private readonly List<string> _lines = [];

    public LoadReport(string scenario) => Json["scenario"] = scenario;

    public JsonObject Json { get; } = new();

    /// <summary>A readable line. The project builds with invariant globalization, so numbers format the same everywhere.</summary>
    public void Line(string line) => _lines.Add(line);

    public void Set(string name, double? value, int decimals = 3) =>
        Json[name] = value is { } number && double.IsFinite(number) ? Math.Round(number, decimals) : null;

    public void Set(string name, long value) => Json[name] = value;

    public void Set(string name, string? value) => Json[name] = value;

    public void Set(string name, JsonNode? value) => Json[name] = value;

    /// <summary>A delivery latency's figures (latencySamples, p50Ms … maxMs), and its readable summary for a line.</summary>
    public string SetLatency(LatencyHistogram latency)
    {
        Set("latencySamples", latency.Count);
        Set("p50Ms", latency.PercentileMillis(0.50));
        Set("p90Ms", latency.PercentileMillis(0.90));
        Set("p99Ms", latency.PercentileMillis(0.99));
        Set("p999Ms", latency.PercentileMillis(0.999));
        Set("maxMs", latency.MaxMillis);
        return $"latency p50 {Ms(latency.PercentileMillis(0.5))} ms, p90 {Ms(latency.PercentileMillis(0.9))}, p99 {Ms(latency.PercentileMillis(0.99))}, " +
               $"p99.9 {Ms(latency.PercentileMillis(0.999))}, max {Ms(latency.MaxMillis)} ms ({latency.Count:N0} samples)";
    }

    public static JsonObject Counts<TKey>(IEnumerable<KeyValuePair<TKey, long>> counts) where TKey : notnull
    {
        var json = new JsonObject();
        foreach (var (key, count) in counts.OrderBy(pair => pair.Key.ToString(), StringComparer.Ordinal))
        {
            json[Convert.ToString(key, CultureInfo.InvariantCulture)!] = count;
        }

        return json;
    }

    public void Print(bool json)
    {
        foreach (var line in _lines)
        {
            Console.WriteLine(line);
        }

        if (json)
        {
            Console.WriteLine(Json.ToJsonString(Indentless));
        }
    }

    public static string Ms(double? millis) => millis is { } value ? value.ToString(value < 10 ? "F2" : "F1", CultureInfo.InvariantCulture) : "-";
}
