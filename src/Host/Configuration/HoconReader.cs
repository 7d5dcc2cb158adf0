namespace EventActors.Host.Configuration;

/// <summary>
/// Reads HOCON (the subset in docs/configuration.md) into the flat keys of
/// Microsoft.Extensions.Configuration: <c>EventActors.RingSize = 1024</c> becomes
/// <c>EventActors:RingSize</c> = <c>1024</c>, array elements become <c>key:0</c>, <c>key:1</c>, ...
/// Keys compare without regard to case, as configuration's do.
/// </summary>
public static class HoconReader
{
    /// <summary>Reads a file; its includes are relative to its directory.</summary>
    /// <param name="environment">Where <c>${VAR}</c> looks; the process environment when null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="HoconParseException">The file, or a file it includes, is not valid.</exception>
    public static IDictionary<string, string?> ReadFile(string path, Func<string, string?>? environment = null)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"The HOCON file '{fullPath}' does not exist.", fullPath);
        }

        var context = new HoconParser.Context(environment ?? Environment.GetEnvironmentVariable);
        context.IncludeChain.Add(fullPath);
        var root = HoconParser.ParseDocument(HoconParser.ReadFileText(fullPath), fullPath, Path.GetDirectoryName(fullPath), context);
        return Flatten(root);
    }

    /// <summary>Reads text from memory.</summary>
    /// <param name="sourceName">Names the text in error messages.</param>
    /// <param name="includeDirectory">Where <c>include</c> paths are relative to; when null, an include is an error.</param>
    /// <param name="environment">Where <c>${VAR}</c> looks; the process environment when null.</param>
    /// <exception cref="HoconParseException">The text, or a file it includes, is not valid.</exception>
    public static IDictionary<string, string?> Parse(string text, string sourceName = "(text)", string? includeDirectory = null, Func<string, string?>? environment = null)
    {
        var context = new HoconParser.Context(environment ?? Environment.GetEnvironmentVariable);
        return Flatten(HoconParser.ParseDocument(text, sourceName, includeDirectory, context));
    }

    private static Dictionary<string, string?> Flatten(HoconObject root)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in root.Fields)
        {
            Flatten(value, key, data);
        }

        return data;
    }

    private static void Flatten(HoconNode node, string path, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case HoconScalar scalar:
                data[path] = scalar.Text;
                break;
            case HoconObject obj:
                // Like the JSON provider: an empty object or array is a key with a null value,
                // so the section exists but binds nothing.
                if (obj.Fields.Count == 0)
                {
                    data[path] = null;
                }

                foreach (var (key, value) in obj.Fields)
                {
                    Flatten(value, path + ConfigurationPath.KeyDelimiter + key, data);
                }

                break;
            case HoconArray array:
                if (array.Items.Count == 0)
                {
                    data[path] = null;
                }

                for (var i = 0; i < array.Items.Count; i++)
                {
                    Flatten(array.Items[i], path + ConfigurationPath.KeyDelimiter + i.ToString(System.Globalization.CultureInfo.InvariantCulture), data);
                }

                break;
        }
    }
}
