using System.Globalization;

namespace EventActors.Protocol;

/// <summary>
/// A position in one topic: its epoch and the sequence number of the last event seen there.
/// Sequence numbers start at 1; 0 means "no event of this epoch yet". Formatted as the event id
/// of a single-topic stream: <c>{epoch}-{sequence in decimal}</c>, e.g. <c>k3x9q2ab-1042</c>.
/// </summary>
public readonly record struct EventCursor(TopicEpoch Epoch, ulong Sequence)
{
    /// <summary>Longest formatted cursor: 8 epoch characters, '-', 20 digits of <see cref="ulong.MaxValue"/>.</summary>
    public const int MaxLength = TopicEpoch.Length + 1 + 20;

    /// <summary>
    /// Longest text either cursor parser looks at, in characters; anything longer is
    /// <see cref="CursorError.Oversized"/> before any other work. It is the longest cursor we can
    /// issue (<see cref="MultiTopicCursor.MaxLength"/>), and it guards against a hostile
    /// <c>Last-Event-ID</c> header or query value making the server scan or allocate for
    /// megabytes of input.
    /// </summary>
    public const int MaxAcceptedLength = MultiTopicCursor.MaxLength;

    /// <summary>The position before the first event of <paramref name="epoch"/>.</summary>
    public static EventCursor Start(TopicEpoch epoch) => new(epoch, 0);

    /// <summary>This cursor as an SSE id, to encode into the event it follows.</summary>
    public SseEventId ToEventId() => new(ToString());

    /// <summary>Writes <c>{epoch}-{sequence}</c> into <paramref name="destination"/>.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (!Epoch.TryFormat(destination, out var epochLength) || destination.Length <= epochLength)
        {
            return false;
        }

        destination[epochLength] = '-';
        if (!Sequence.TryFormat(destination[(epochLength + 1)..], out var digits, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        charsWritten = epochLength + 1 + digits;
        return true;
    }

    /// <inheritdoc cref="TryParse(ReadOnlySpan{char}, out EventCursor, out CursorError)"/>
    public static bool TryParse(string? text, out EventCursor cursor, out CursorError error) =>
        TryParse(text.AsSpan(), out cursor, out error);

    /// <summary>
    /// Parses a single-topic event id from a client. Never throws. Accepts exactly what
    /// <see cref="ToString"/> produces: one spelling per cursor (no leading zeros in the sequence).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out EventCursor cursor, out CursorError error)
    {
        cursor = default;
        error = Classify(text);
        if (error != CursorError.None)
        {
            return false;
        }

        var digits = text[(TopicEpoch.Length + 1)..];
        if (text.Length > MaxLength
            || text[TopicEpoch.Length] != '-'
            || !TopicEpoch.TryParse(text[..TopicEpoch.Length], out var epoch)
            || digits.IsEmpty
            || (digits.Length > 1 && digits[0] == '0')
            // NumberStyles.None: ASCII digits only, no sign, no white space; overflow fails.
            || !ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            error = CursorError.Malformed;
            return false;
        }

        cursor = new EventCursor(epoch, sequence);
        return true;
    }

    public override string ToString()
    {
        Span<char> text = stackalloc char[MaxLength];
        TryFormat(text, out var length);
        return new string(text[..length]);
    }

    /// <summary>The checks that come before reading the fields: size first, so an oversized input costs nothing.</summary>
    private static CursorError Classify(ReadOnlySpan<char> text)
    {
        if (text.Length > MaxAcceptedLength)
        {
            return CursorError.Oversized;
        }

        if (MultiTopicCursor.IsWellFormed(text))
        {
            return CursorError.WrongKind;
        }

        return text.Length <= TopicEpoch.Length ? CursorError.Malformed : CursorError.None;
    }
}
