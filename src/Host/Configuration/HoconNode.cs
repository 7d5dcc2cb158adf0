namespace EventActors.Host.Configuration;

/// <summary>A parsed HOCON value: an object, an array or a scalar (text or null).</summary>
internal abstract class HoconNode;

/// <summary>
/// Text as configuration will see it (durations and sizes already converted), or null for
/// HOCON's <c>null</c>. Numbers and booleans stay text: configuration values are strings, and the
/// binder parses them with the invariant culture.
/// </summary>
internal sealed class HoconScalar(string? text) : HoconNode
{
    public string? Text { get; } = text;
}

internal sealed class HoconArray(List<HoconNode> items) : HoconNode
{
    public List<HoconNode> Items { get; } = items;
}

/// <summary>
/// Fields by key, compared without regard to case because configuration keys are; the first
/// spelling of a key is the one kept.
/// </summary>
internal sealed class HoconObject : HoconNode
{
    public Dictionary<string, HoconNode> Fields { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Spec: "If both values are objects, then the objects are merged"; otherwise the later value
    /// wins. An object does not merge into an earlier scalar or array: it replaces it.
    /// </summary>
    public void Set(string key, HoconNode value)
    {
        if (value is HoconObject later && Fields.TryGetValue(key, out var earlier) && earlier is HoconObject target)
        {
            target.MergeFrom(later);
            return;
        }

        Fields[key] = value;
    }

    public void MergeFrom(HoconObject other)
    {
        foreach (var (key, value) in other.Fields)
        {
            Set(key, value);
        }
    }
}
