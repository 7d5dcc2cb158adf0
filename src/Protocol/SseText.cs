using System.Buffers;

namespace EventActors.Protocol;

/// <summary>Checks shared by the SSE field values we let onto the wire.</summary>
internal static class SseText
{
    // Spec: "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
    // character pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE
    // RETURN (CR) character." A CR or LF inside a single-line field would end the field early and
    // let the rest be read as another field; NUL makes browsers ignore an id.
    private static readonly SearchValues<char> s_forbiddenInField = SearchValues.Create("\r\n\0");

    /// <summary>
    /// Returns why <paramref name="value"/> cannot be a single-line field value, or null if it can.
    /// </summary>
    public static string? ProblemWithFieldValue(ReadOnlySpan<char> value, string what)
    {
        var bad = value.IndexOfAny(s_forbiddenInField);
        if (bad >= 0)
        {
            var name = value[bad] switch { '\r' => "a carriage return (CR)", '\n' => "a line feed (LF)", _ => "a NUL character" };
            return $"An SSE {what} cannot contain {name}; it was found at index {bad}.";
        }

        // A lone surrogate would reach the wire as U+FFFD, so the value a client echoes back (an id
        // in Last-Event-ID) would differ from the one we sent.
        var loneSurrogate = IndexOfLoneSurrogate(value);
        return loneSurrogate >= 0
            ? $"An SSE {what} must be well-formed UTF-16; a lone surrogate was found at index {loneSurrogate}."
            : null;
    }

    internal static int IndexOfLoneSurrogate(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (!char.IsSurrogate(value[i]))
            {
                continue;
            }

            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            return i;
        }

        return -1;
    }
}
