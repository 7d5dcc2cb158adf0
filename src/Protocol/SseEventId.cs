namespace EventActors.Protocol;

/// <summary>
/// The id of an SSE event: the <c>id:</c> field, which the browser keeps as its last event ID and
/// sends back in the <c>Last-Event-ID</c> header when it reconnects. Cannot contain CR, LF or NUL.
/// The empty id is allowed: it clears the browser's last event ID.
/// </summary>
public readonly record struct SseEventId
{
    private readonly string? _value;

    /// <exception cref="ArgumentException">The value contains CR, LF, NUL or a lone surrogate.</exception>
    public SseEventId(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // Spec: "If the field value does not contain U+0000 NULL, then set the last event ID buffer
        // to the field value. Otherwise, ignore the field." An id with NUL would be silently
        // dropped by browsers, and resume would then start from the wrong place.
        var problem = SseText.ProblemWithFieldValue(value, "event id");
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(value));
        }

        _value = value;
    }

    /// <summary>The id as written after <c>id: </c>.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default(SseEventId)</c>, which holds no id.</exception>
    public string Value => _value ?? throw new InvalidOperationException(
        "default(SseEventId) holds no event id; create one with the constructor or TryCreate.");

    public static bool TryCreate(string? value, out SseEventId id)
    {
        if (value is null || SseText.ProblemWithFieldValue(value, "event id") is not null)
        {
            id = default;
            return false;
        }

        id = new SseEventId(value);
        return true;
    }

    public override string ToString() => _value ?? string.Empty;
}
