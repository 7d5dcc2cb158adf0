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
