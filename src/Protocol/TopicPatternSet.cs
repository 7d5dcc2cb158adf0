namespace EventActors.Protocol;

/// <summary>
/// A list of <see cref="TopicPattern"/>s, such as the <c>subscribe</c> grants of a token or the
/// public topics of a node: a topic is in the set when any pattern matches it.
/// </summary>
public sealed class TopicPatternSet
{
    private readonly TopicPattern[] _patterns;

    public TopicPatternSet(IEnumerable<TopicPattern> patterns) => _patterns = patterns.ToArray();

    /// <summary>The set that matches nothing.</summary>
    public static TopicPatternSet Empty { get; } = new([]);

    /// <summary>The patterns, in the order given.</summary>
    public IReadOnlyList<TopicPattern> Patterns => _patterns;

    /// <summary>Parses every pattern; on the first invalid one, <paramref name="error"/> names it.</summary>
    public static bool TryParse(IEnumerable<string?> texts, out TopicPatternSet set, out string? error)
    {
        var patterns = new List<TopicPattern>();
        foreach (var text in texts)
        {
            if (!TopicPattern.TryParse(text, out var pattern, out error))
            {
                set = Empty;
                return false;
            }

            patterns.Add(pattern);
        }

        set = patterns.Count == 0 ? Empty : new TopicPatternSet(patterns);
        error = null;
        return true;
    }

    /// <summary>Whether any pattern matches <paramref name="topic"/>.</summary>
    public bool MatchesAny(TopicName topic)
    {
        foreach (var pattern in _patterns)
        {
            if (pattern.Matches(topic))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => $"[{string.Join(", ", _patterns.Select(p => p.Text))}]";
}
