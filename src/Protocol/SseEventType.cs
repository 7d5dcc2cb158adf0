namespace EventActors.Protocol;

/// <summary>
/// The type of an SSE event: the <c>event:</c> field, which a browser listens for with
/// <c>addEventListener(type, ...)</c>. Cannot be empty and cannot contain CR, LF or NUL.
/// </summary>
public readonly record struct SseEventType
{
    private readonly string? _value;

    /// <exception cref="ArgumentException">The value is empty or contains CR, LF, NUL or a lone surrogate.</exception>
    public SseEventType(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var problem = Problem(value);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(value));
        }

        _value = value;
    }

    /// <summary>The type as written after <c>event: </c>.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default(SseEventType)</c>, which holds no type.</exception>
    public string Value => _value ?? throw new InvalidOperationException(
        "default(SseEventType) holds no event type; create one with the constructor or TryCreate.");

    public static bool TryCreate(string? value, out SseEventType type)
    {
        if (value is null || Problem(value) is not null)
        {
            type = default;
            return false;
        }

        type = new SseEventType(value);
        return true;
    }

    public override string ToString() => _value ?? string.Empty;

    private static string? Problem(string value) =>
        // Spec: "If the event type buffer has a value other than the empty string, change the type
        // of the newly created event to equal the value of the event type buffer." An empty type
        // therefore means "message", which is what omitting the field says more plainly.
        value.Length == 0
            ? "An SSE event type cannot be empty; omit the type to send a \"message\" event."
            : SseText.ProblemWithFieldValue(value, "event type");
}
