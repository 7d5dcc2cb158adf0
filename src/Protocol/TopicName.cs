using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace EventActors.Protocol;

/// <summary>
/// The name of a topic, such as <c>stocks.AAPL</c> or <c>users.42.notifications</c>. This type is
/// the one place the grammar lives:
/// <code>
/// topic-name = segment *( "." segment )        ; 1..MaxLength chars, 1..MaxSegments segments
/// segment    = 1*( ALPHA / DIGIT / "_" / "-" )  ; ASCII only
/// </code>
/// Names are case-sensitive (<c>stocks.AAPL</c> and <c>stocks.aapl</c> are two topics) and every
/// character is safe in a URL path or query and in an HTTP header without escaping.
/// </summary>
public readonly record struct TopicName : IComparable<TopicName>
{
    /// <summary>
    /// Longest name accepted, in characters. Guards the journal's (topic, seq) key and index, the
    /// per-topic memory of the registry, and log lines against a caller that invents long names;
    /// 200 leaves room for real hierarchies (tenant, entity, id, channel).
    /// </summary>
    public const int MaxLength = 200;

    /// <summary>
    /// Most dot-separated segments accepted. A sanity bound on hierarchy depth (real names have a
    /// handful) that keeps any per-segment work small; raising it later is compatible, lowering it
    /// would not be, so it starts tight.
    /// </summary>
    public const int MaxSegments = 16;

    private const string SegmentCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    private static readonly SearchValues<char> s_nameCharacters = SearchValues.Create(SegmentCharacters + ".");

    private readonly string? _value;

    private TopicName(string value) => _value = value;

    /// <summary>The name as text.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default(TopicName)</c>, which holds no name.</exception>
    public string Value => _value ?? throw new InvalidOperationException(
        "default(TopicName) holds no name; create one with TryParse or Parse.");

    /// <summary>
    /// Parses client input. Never throws; on failure <paramref name="error"/> says what is wrong
    /// in words fit for a 400 response.
    /// </summary>
    public static bool TryParse(string? text, out TopicName name, [NotNullWhen(false)] out string? error)
    {
        error = Problem(text);
        name = error is null ? new TopicName(text!) : default;
        return error is null;
    }

    /// <summary>Parses a name the caller trusts (configuration, tests).</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not a valid topic name.</exception>
    public static TopicName Parse(string text) =>
        TryParse(text, out var name, out var error) ? name : throw new FormatException(error);

    /// <summary>Ordinal order: the canonical order of a <see cref="TopicSet"/>.</summary>
    public int CompareTo(TopicName other) => string.CompareOrdinal(_value, other._value);

    public override string ToString() => _value ?? string.Empty;

    private static string? Problem(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "Topic name is empty.";
        }

        if (text.Length > MaxLength)
        {
            return $"Topic name is {text.Length} characters long; the maximum is {MaxLength}.";
        }

        var bad = text.AsSpan().IndexOfAnyExcept(s_nameCharacters);
        if (bad >= 0)
        {
            return $"Topic name has {Describe(text[bad])} at position {bad + 1}; a segment may contain only letters A-Z and a-z, digits 0-9, '_' and '-', and segments are separated by '.'.";
        }

        if (text[0] == '.' || text[^1] == '.')
        {
            return $"Topic name {(text[0] == '.' ? "starts" : "ends")} with '.'; segments are separated by single dots and cannot be empty.";
        }

        var doubleDot = text.IndexOf("..", StringComparison.Ordinal);
        if (doubleDot >= 0)
        {
            return $"Topic name has an empty segment ('..') at position {doubleDot + 1}; segments are separated by single dots and cannot be empty.";
        }

        var segments = text.AsSpan().Count('.') + 1;
        return segments > MaxSegments
            ? $"Topic name has {segments} segments; the maximum is {MaxSegments}."
            : null;
    }

    // The offending character is echoed back to the client, so anything that is not visible ASCII
    // is shown as its code point rather than raw (it might be a control character).
    private static string Describe(char c) => c switch
    {
        ' ' => "a space",
        > ' ' and < (char)0x7F => $"'{c}'",
        _ => $"the character U+{(int)c:X4}",
    };
}
