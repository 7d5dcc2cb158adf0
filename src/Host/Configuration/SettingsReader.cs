using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace EventActors.Host.Configuration;

/// <summary>
/// Typed reads of one section of a <see cref="Config"/>, with Akka's own readers (GetInt,
/// GetTimeSpan, GetByteSize) behind them, but strict where Akka is lenient: a key must be there,
/// a duration must have a unit, a size must fit, and every failure is a
/// <see cref="ConfigurationException"/> that names the key (<c>Configuration EventActors:RingSize: ...</c>).
/// It remembers the keys read, so that <see cref="RefuseUnread"/> can refuse the rest as typos.
/// </summary>
internal sealed partial class SettingsReader
{
    private readonly string _section;
    private readonly HoconObject _object;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private SettingsReader(string section, HoconObject value) => (_section, _object) = (section, value);

    /// <summary>The section at <paramref name="path"/> (one key, no dots), which must be an object.</summary>
    public static SettingsReader Open(Config config, string path) =>
        config.GetValue(path) switch
        {
            null => throw new ConfigurationException($"Configuration {path} is missing: hocon/eventactors.conf, which sets every setting, was not read"),
            { } value when value.GetObject() is { } section => new SettingsReader(path, section),
            _ => throw new ConfigurationException($"Configuration {path} must be an object ({path} {{ ... }})"),
        };

    /// <summary>The sub-section <paramref name="key"/> (<c>EventActors { Auth { ... } }</c>), read with its own reader; its errors name <c>EventActors:Auth:Key</c>.</summary>
    public SettingsReader Section(string key) =>
        Value(key) is var value && value.IsObject() && !IsList(value)
            ? new SettingsReader($"{_section}:{key}", value.GetObject())
            : throw Error(key, " must be a section ({ ... })");

    public string String(string key) => Text(key, "a string");

    public int Int(string key)
    {
        var (value, text) = Scalar(key, "a whole number");
        try
        {
            return value.GetInt();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Error(key, $": '{text}' is not a whole number from {int.MinValue:N0} to {int.MaxValue:N0}");
        }
    }

    public long Long(string key)
    {
        var (value, text) = Scalar(key, "a whole number");
        try
        {
            return value.GetLong();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Error(key, $": '{text}' is not a whole number");
        }
    }

    /// <summary>HOCON's booleans, without regard to case so that an environment variable may say True.</summary>
    public bool Boolean(string key)
    {
        var text = Text(key, "true or false");
        return text.ToLowerInvariant() switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            _ => throw Error(key, $": '{text}' is not true or false"),
        };
    }

    /// <summary>One of <typeparamref name="T"/>'s names, without regard to case; never a number.</summary>
    public T Enum<T>(string key)
        where T : struct, Enum
    {
        var text = Text(key, "a name");
        // "akka-sql" names AkkaSql: hyphens separate words where the names run them together.
        var name = System.Enum.GetNames<T>().FirstOrDefault(name => name.Equals(text.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase));
        return name is not null
            ? System.Enum.Parse<T>(name)
            : throw Error(key, $": '{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");
    }

    /// <summary>
    /// A HOCON duration (<c>100ms</c>, <c>15s</c>, <c>2m</c>, <c>1h</c>, <c>1d</c>, read by
    /// Akka's GetTimeSpan), or TimeSpan text (<c>00:00:15</c>), the form environment variables
    /// and command lines have used. A number without a unit is refused: Akka would read it as
    /// milliseconds, a TimeSpan as days.
    /// </summary>
    public TimeSpan Duration(string key)
    {
        var (value, text) = Scalar(key, "a duration");
        if (BareNumber().IsMatch(text))
        {
            throw Error(key, $": '{text}' has no unit; write {text}ms, {text}s, {text}m, {text}h or {text}d");
        }

        if (text.Contains(':'))
        {
            return TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var timeSpan)
                ? timeSpan
                : throw Error(key, $": '{text}' is not a duration (TimeSpan text is [d.]hh:mm:ss[.fffffff])");
        }

        try
        {
            return value.GetTimeSpan(allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Error(key, $": '{text}' is not a duration (a number and a unit: 100ms, 15s, 2m, 1h, 1d)");
        }
    }

    /// <summary>
    /// A HOCON size, read by Akka's GetByteSize: a whole number of bytes, with or without one of
    /// its units (<c>64KiB</c>, <c>1MiB</c>; <c>10kB</c>, <c>1MB</c>; case-sensitive). A size too
    /// large for 64 bits is refused; Akka's multiplication would wrap around unnoticed.
    /// </summary>
    public long ByteSize(string key)
    {
        var (value, text) = Scalar(key, "a size");
        long bytes;
        try
        {
            bytes = value.GetByteSize() ?? throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Error(key, $": '{text}' is not a size; write a whole number of bytes, with or without a unit: 65536, 64KiB, 1MiB (1024-based) or 64kB, 1MB (1000-based); units are case-sensitive");
        }

        // Akka multiplies the number by its unit's factor unchecked; redo it exactly.
        var lastDigit = text.LastIndexOfAny("0123456789".ToCharArray());
        var unit = text[(lastDigit + 1)..].Trim();
        var factor = unit.Length == 0 ? 1 : Literal("1" + unit).GetByteSize()!.Value;
        var exact = (Int128)long.Parse(text[..(lastDigit + 1)], CultureInfo.InvariantCulture) * factor;
        return exact >= 0 && exact <= long.MaxValue && exact == bytes
            ? bytes
            : throw Error(key, $": '{text}' is out of range for a size (0 bytes to 8 EiB)");
    }

    /// <summary>A <see cref="ByteSize"/> that must fit an int (under 2 GiB).</summary>
    public int ByteSizeInt(string key)
    {
        var bytes = ByteSize(key);
        return bytes <= int.MaxValue
            ? (int)bytes
            : throw Error(key, $": '{Text(key, "a size")}' is larger than this setting can hold ({int.MaxValue:N0} bytes)");
    }

    /// <summary>A HOCON list of strings (<c>[]</c>, <c>["a", "b"]</c>); a single string is not a list.</summary>
    public string[] StringList(string key)
    {
        var value = Value(key);
        if (!IsList(value))
        {
            throw Error(key, " must be a list of strings, such as [] or [\"https://app.example.com\"]");
        }

        return value.GetArray()
            .Select((element, index) => element.IsString() && element.GetString() is { } text
                ? text
                : throw Error(key, $": element {index} must be a string"))
            .ToArray();
    }

    /// <summary>Refuses every key of the section that was not read: a typo, or a setting this version does not have.</summary>
    public void RefuseUnread()
    {
        var unread = _object.Items.Keys.Where(key => !_read.Contains(key)).ToArray();
        if (unread.Length == 0)
        {
            return;
        }

        var problems = unread.Select(key =>
            _read.FirstOrDefault(known => known.Equals(key, StringComparison.OrdinalIgnoreCase)) is { } known
                ? $"{_section}:{key} (HOCON keys are case-sensitive: did you mean {known}?)"
                : $"{_section}:{key}");
        throw new ConfigurationException(
            $"Configuration {string.Join(", ", problems)} {(unread.Length == 1 ? "is not a setting" : "are not settings")}; hocon/eventactors.conf lists every setting");
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a list (<c>[]</c> included). Akka keeps the spaces
    /// between a value and a closing brace on the same line as a literal beside it (<c>[1] </c>),
    /// which is not part of the value.
    /// </summary>
    public static bool IsList(HoconValue value)
    {
        var parts = value.Values.Where(element => element is not HoconLiteral { Value: var text } || !string.IsNullOrWhiteSpace(text)).ToList();
        return parts.Count > 0 && parts.All(element => element.IsArray());
    }

    private HoconValue Value(string key)
    {
        _read.Add(key);
        return _object.Items.TryGetValue(key, out var value)
            ? value
            : throw Error(key, " is missing: hocon/eventactors.conf sets every setting, so the copy read is not this version's");
    }

    private (HoconValue Value, string Text) Scalar(string key, string expected)
    {
        var value = Value(key);
        return (value, Text(key, expected));
    }

    private string Text(string key, string expected)
    {
        var value = Value(key);
        if (value.IsObject())
        {
            throw Error(key, $" must be {expected}, not an object");
        }

        if (IsList(value))
        {
            throw Error(key, $" must be {expected}, not a list");
        }

        return value.GetString() switch
        {
            { } text => text,
            null when value.IsString() => throw Error(key, $" is null; it must be {expected}"),
            null => throw Error(key, $" has no value; it must be {expected}"),
        };
    }

    private static HoconValue Literal(string text)
    {
        var value = new HoconValue();
        value.AppendValue(new HoconLiteral { Value = text });
        return value;
    }

    private ConfigurationException Error(string key, string problem) => new($"Configuration {_section}:{key}{problem}");

    [GeneratedRegex(@"^[+-]?[0-9]+(\.[0-9]+)?$")]
    private static partial Regex BareNumber();
}
