using System.Globalization;
using System.Text.Json;

namespace EventActors.Bench;

/// <summary>One benchmark, run as a subcommand.</summary>
internal interface IBenchmark
{
    string Description { get; }

    string Usage { get; }

    Task<int> RunAsync(BenchmarkOptions options);
}

internal sealed class BenchmarkOptionException(string message) : Exception(message);

/// <summary><c>--name value</c> options and <c>--flag</c> switches.</summary>
internal sealed class BenchmarkOptions
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public static BenchmarkOptions Parse(IEnumerable<string> args)
    {
        var options = new BenchmarkOptions();
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    options._values[pending] = null;
                }

                pending = arg[2..];
            }
            else if (pending is not null)
            {
                options._values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new BenchmarkOptionException($"Unexpected argument '{arg}'");
            }
        }

        if (pending is not null)
        {
            options._values[pending] = null;
        }

        return options;
    }

    public bool Json => Flag("json");

    public bool Flag(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var value) ? value : null;

    public long Long(string name, long defaultValue) =>
        String(name) is { } text
            ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
                ? value
                : throw new BenchmarkOptionException($"--{name} must be a non-negative whole number, was '{text}'")
            : defaultValue;

    public int Int(string name, int defaultValue) => checked((int)Long(name, defaultValue));

    /// <summary>A comma-separated list of whole numbers, such as <c>--throughputs 1,5,10</c>.</summary>
    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> defaultValue) =>
        String(name) is { } text
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(part => int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                    ? value
                    : throw new BenchmarkOptionException($"--{name} takes positive whole numbers separated by commas, was '{text}'"))
                .ToArray()
            : defaultValue;

    /// <summary>Prints the result: as one JSON line (last line of output) or as readable text.</summary>
    public void Report(object result, string humanReadable)
    {
        Console.WriteLine(Json ? JsonSerializer.Serialize(result, JsonOptions) : humanReadable);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
