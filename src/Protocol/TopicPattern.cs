using System.Diagnostics.CodeAnalysis;

namespace EventActors.Protocol;

/// <summary>
/// A pattern over <see cref="TopicName"/>s, such as <c>news.*</c> or <c>users.42.&gt;</c>. This
/// type is the one place the pattern grammar lives (docs/security.md, Patterns):
/// <code>
/// topic-pattern = element *( "." element ) [ "." ">" ] / ">"
/// element       = segment / "*"                     ; segment as in TopicName
/// </code>
/// An exact name matches only itself; <c>*</c> matches exactly one segment; <c>&gt;</c>, only as
/// the last element, matches one or more segments (so <c>a.&gt;</c> matches <c>a.b</c> and
/// <c>a.b.c</c> but not <c>a</c>). The same syntax will serve wildcard subscriptions.
/// </summary>
public sealed class TopicPattern
{
    private readonly string[] _elements;

    private TopicPattern(string text, string[] elements) => (Text, _elements) = (text, elements);

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>Parses a pattern; on failure <paramref name="error"/> says what is wrong, naming the pattern.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out TopicPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "Topic pattern is empty.";
            return false;
        }

        if (text.Length > TopicName.MaxLength)
        {
            error = $"Topic pattern '{Shown(text)}' is {text.Length} characters long; the maximum is {TopicName.MaxLength}.";
            return false;
        }

        var elements = text.Split('.');
        if (elements.Length > TopicName.MaxSegments)
        {
            error = $"Topic pattern '{text}' has {elements.Length} segments; the maximum is {TopicName.MaxSegments}.";
            return false;
        }

        for (var i = 0; i < elements.Length; i++)
        {
            var element = elements[i];
            if (element.Length == 0)
            {
                error = $"Topic pattern '{Shown(text)}' has an empty segment; segments are separated by single dots.";
                return false;
            }

            if (element == ">")
            {
                if (i != elements.Length - 1)
                {
                    error = $"Topic pattern '{Shown(text)}' has '>' before its last segment; '>' matches the rest of a name, so it may only come last.";
                    return false;
                }

                continue;
            }

            if (element == "*")
            {
                continue;
            }

            // A segment is checked by TopicName's own grammar, so the two cannot drift apart.
            if (!TopicName.TryParse(element, out _, out var segmentError))
            {
                error = $"Topic pattern '{Shown(text)}' has an invalid segment '{Shown(element)}' ({segmentError} A pattern segment may also be '*', or '>' as the last one.)";
                return false;
            }
        }

        pattern = new TopicPattern(text, elements);
        error = null;
        return true;
    }

    /// <summary>Parses a pattern the caller trusts (configuration, tests).</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not a valid pattern.</exception>
    public static TopicPattern Parse(string text) =>
        TryParse(text, out var pattern, out var error) ? pattern : throw new FormatException(error);

    /// <summary>Whether <paramref name="topic"/> matches this pattern.</summary>
    public bool Matches(TopicName topic)
    {
        var name = topic.Value.AsSpan();
        for (var i = 0; i < _elements.Length; i++)
        {
            var element = _elements[i];
            if (element == ">")
            {
                return name.Length > 0; // one or more segments remain
            }

            if (name.Length == 0)
            {
                return false; // the name has fewer segments than the pattern
            }

            var dot = name.IndexOf('.');
            var segment = dot < 0 ? name : name[..dot];
            if (element != "*" && !segment.SequenceEqual(element))
            {
                return false;
            }

            name = dot < 0 ? [] : name[(dot + 1)..];
            if (dot >= 0 && i == _elements.Length - 1)
            {
                return false; // the name has more segments than the pattern
            }
        }

        return name.Length == 0;
    }

    public override string ToString() => Text;

    // Echoed in an error (configuration, a 401 detail): control characters shown as code points.
    private static string Shown(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and < (char)0x7F ? c.ToString() : $"U+{(int)c:X4}"));
}
