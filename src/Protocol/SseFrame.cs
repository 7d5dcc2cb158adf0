using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace EventActors.Protocol;

/// <summary>
/// Encodes SSE frames exactly as the WHATWG HTML "Server-sent events" section parses them.
/// </summary>
/// <remarks>
/// <para>Every line ends with LF and every frame ends with a blank line, so frames can be written
/// back to back and each is interpreted on its own. Fields are written as <c>name: value</c> with
/// exactly one space. Spec: "If value starts with a U+0020 SPACE character, remove it from
/// value." The parser strips that one space and no more, so a payload line that itself starts
/// with spaces arrives intact.</para>
/// <para>Spec: "Event streams in this format must always be encoded as UTF-8." Text is transcoded
/// (a lone surrogate becomes U+FFFD); bytes must already be valid UTF-8.</para>
/// </remarks>
public static class SseFrame
{
    // "retry: " + at most 10 digits (int.MaxValue) + "\n\n".
    private const int MaxRetryFrameLength = 7 + 10 + 2;

    private static ReadOnlySpan<byte> EventPrefix => "event: "u8;
    private static ReadOnlySpan<byte> IdPrefix => "id: "u8;
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> RetryPrefix => "retry: "u8;
    private static ReadOnlySpan<byte> CommentPrefix => ": "u8;
    private static ReadOnlySpan<byte> LineEnd => "\n"u8;

    /// <summary>
    /// A comment-only frame (<c>": heartbeat\n\n"</c>). It dispatches nothing and changes no
    /// state in the browser. Spec: "Legacy proxy servers are known to, in certain cases, drop HTTP
    /// connections after a short timeout. To protect against such proxy servers, authors can
    /// include a comment line (one starting with a ':' character) every 15 seconds or so."
    /// </summary>
    public static EncodedSseEvent Heartbeat { get; } = Comment("heartbeat");

    /// <summary>Encodes an event whose data is already UTF-8, the form events are stored in.</summary>
    /// <exception cref="ArgumentException"><paramref name="utf8Data"/> is not valid UTF-8.</exception>
    public static EncodedSseEvent Encode(ReadOnlySpan<byte> utf8Data, SseEventType? type = null, SseEventId? id = null)
    {
        RequireUtf8(utf8Data);
        var writer = new ExactSizeBufferWriter(checked(HeaderLength(type, id) + DataLength(utf8Data) + LineEnd.Length));
        WriteEventUnchecked(writer, utf8Data, type, id);
        return new EncodedSseEvent(writer.Complete(), dispatchesEvent: true, hasId: id.HasValue);
    }

    /// <summary>Encodes an event whose data is text.</summary>
    public static EncodedSseEvent Encode(ReadOnlySpan<char> data, SseEventType? type = null, SseEventId? id = null)
    {
        var writer = new ExactSizeBufferWriter(checked(HeaderLength(type, id) + DataLength(data) + LineEnd.Length));
        WriteEventUnchecked(writer, data, type, id);
        return new EncodedSseEvent(writer.Complete(), dispatchesEvent: true, hasId: id.HasValue);
    }

    /// <summary>Writes an event whose data is already UTF-8 straight into <paramref name="writer"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="utf8Data"/> is not valid UTF-8.</exception>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> utf8Data, SseEventType? type = null, SseEventId? id = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        RequireUtf8(utf8Data);
        WriteEventUnchecked(writer, utf8Data, type, id);
    }

    /// <summary>Writes an event whose data is text straight into <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<char> data, SseEventType? type = null, SseEventId? id = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteEventUnchecked(writer, data, type, id);
    }

    /// <summary>
    /// Writes <c>id: ...</c> followed by a shared frame that has no id of its own. Together they
    /// are one event: the fields of an event may come in any order before its blank line. This is
    /// how a stream whose ids differ per connection (a multi-topic cursor) still sends every
    /// event's data as the one shared encoding.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="frame"/> has its own id or dispatches no event.</exception>
    public static void WriteWithId(IBufferWriter<byte> writer, EncodedSseEvent frame, SseEventId id)
    {
        ArgumentNullException.ThrowIfNull(writer);
        RequireIdlessEvent(frame);
        WriteTextField(writer, IdPrefix, id.Value);
        frame.WriteTo(writer);
    }

    /// <inheritdoc cref="WriteWithId(IBufferWriter{byte}, EncodedSseEvent, SseEventId)"/>
    public static void WriteWithId(IBufferWriter<byte> writer, EncodedSseEvent frame, MultiTopicCursor id)
    {
        ArgumentNullException.ThrowIfNull(id);
        WriteWithId(writer, frame, id.Topics, id.Positions.AsSpan());
    }

    /// <summary>
    /// Writes the multi-topic cursor formed by <paramref name="topics"/> and
    /// <paramref name="positions"/> as the id of <paramref name="frame"/>, without allocating:
    /// a connection can keep its positions in a mutable array and advance them in place.
    /// </summary>
    /// <inheritdoc cref="WriteWithId(IBufferWriter{byte}, EncodedSseEvent, SseEventId)"/>
    public static void WriteWithId(IBufferWriter<byte> writer, EncodedSseEvent frame, TopicSet topics, ReadOnlySpan<EventCursor> positions)
    {
        ArgumentNullException.ThrowIfNull(writer);
        RequireIdlessEvent(frame);
        Span<char> text = stackalloc char[MultiTopicCursor.MaxLength];
        if (!MultiTopicCursor.TryFormat(topics, positions, text, out var length))
        {
            throw new InvalidOperationException("A multi-topic cursor did not fit its own maximum length.");
        }

        var line = writer.GetSpan(IdPrefix.Length + length + LineEnd.Length);
        IdPrefix.CopyTo(line);
        var ascii = Encoding.ASCII.GetBytes(text[..length], line[IdPrefix.Length..]);
        line[IdPrefix.Length + ascii] = (byte)'\n';
        writer.Advance(IdPrefix.Length + ascii + LineEnd.Length);
        frame.WriteTo(writer);
    }

    /// <summary>
    /// Encodes a comment-only frame. Each line of <paramref name="text"/> (CR, LF and CRLF all end a
    /// line) becomes its own <c>: line</c>, so the text cannot break out of the comment.
    /// </summary>
    public static EncodedSseEvent Comment(ReadOnlySpan<char> text)
    {
        var writer = new ExactSizeBufferWriter(checked(LinesLength(CommentPrefix, text) + LineEnd.Length));
        WriteComment(writer, text);
        return new EncodedSseEvent(writer.Complete(), dispatchesEvent: false, hasId: false);
    }

    /// <inheritdoc cref="Comment(ReadOnlySpan{char})"/>
    public static void WriteComment(IBufferWriter<byte> writer, ReadOnlySpan<char> text)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteLines(writer, CommentPrefix, text);
        Utf8Output.WriteBytes(writer, LineEnd);
    }

    /// <summary>
    /// Encodes a frame that sets the browser's reconnection delay and dispatches nothing.
    /// Spec: "If the field value consists of only ASCII digits, then interpret the field value as
    /// an integer in base ten, and set the event stream's reconnection time to that integer."
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="milliseconds"/> is negative (a sign is not a digit).</exception>
    public static EncodedSseEvent Retry(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        Span<byte> frame = stackalloc byte[MaxRetryFrameLength];
        var length = FormatRetry(frame, milliseconds);
        return new EncodedSseEvent(frame[..length].ToArray(), dispatchesEvent: false, hasId: false);
    }

    /// <inheritdoc cref="Retry(int)"/>
    public static void WriteRetry(IBufferWriter<byte> writer, int milliseconds)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        Span<byte> frame = stackalloc byte[MaxRetryFrameLength];
        Utf8Output.WriteBytes(writer, frame[..FormatRetry(frame, milliseconds)]);
    }

    private static int FormatRetry(Span<byte> frame, int milliseconds)
    {
        RetryPrefix.CopyTo(frame);
        // Invariant culture and no format string: plain ASCII digits, no sign or separators.
        milliseconds.TryFormat(frame[RetryPrefix.Length..], out var digits, default, CultureInfo.InvariantCulture);
        var end = RetryPrefix.Length + digits;
        frame[end++] = (byte)'\n';
        frame[end++] = (byte)'\n';
        return end;
    }

    private static void WriteEventUnchecked(IBufferWriter<byte> writer, ReadOnlySpan<byte> utf8Data, SseEventType? type, SseEventId? id)
    {
        WriteHeader(writer, type, id);
        // Spec: "If the data buffer is an empty string, set the data buffer and the event type
        // buffer to the empty string and return." Even an empty payload gets one "data: " line,
        // which makes the buffer "\n" and so dispatches an event whose data is "".
        foreach (var line in PayloadLines.Of(utf8Data))
        {
            Utf8Output.WriteBytes(writer, DataPrefix);
            Utf8Output.WriteBytes(writer, line);
            Utf8Output.WriteBytes(writer, LineEnd);
        }

        Utf8Output.WriteBytes(writer, LineEnd);
    }

    private static void WriteEventUnchecked(IBufferWriter<byte> writer, ReadOnlySpan<char> data, SseEventType? type, SseEventId? id)
    {
        WriteHeader(writer, type, id);
        WriteLines(writer, DataPrefix, data);
        Utf8Output.WriteBytes(writer, LineEnd);
    }

    private static void WriteHeader(IBufferWriter<byte> writer, SseEventType? type, SseEventId? id)
    {
        if (type is { } eventType)
        {
            WriteTextField(writer, EventPrefix, eventType.Value);
        }

        if (id is { } eventId)
        {
            WriteTextField(writer, IdPrefix, eventId.Value);
        }
    }

    // Only for values whose type has already ruled out CR, LF and NUL.
    private static void WriteTextField(IBufferWriter<byte> writer, ReadOnlySpan<byte> prefix, string value)
    {
        Utf8Output.WriteBytes(writer, prefix);
        Utf8Output.WriteUtf16(writer, value);
        Utf8Output.WriteBytes(writer, LineEnd);
    }

    private static void WriteLines(IBufferWriter<byte> writer, ReadOnlySpan<byte> prefix, ReadOnlySpan<char> text)
    {
        foreach (var line in PayloadLines.Of(text))
        {
            Utf8Output.WriteBytes(writer, prefix);
            Utf8Output.WriteUtf16(writer, line);
            Utf8Output.WriteBytes(writer, LineEnd);
        }
    }

    private static int HeaderLength(SseEventType? type, SseEventId? id)
    {
        var length = 0;
        if (type is { } eventType)
        {
            length += EventPrefix.Length + Utf8Output.Utf8ByteCount(eventType.Value) + LineEnd.Length;
        }

        if (id is { } eventId)
        {
            length += IdPrefix.Length + Utf8Output.Utf8ByteCount(eventId.Value) + LineEnd.Length;
        }

        return length;
    }

    private static int DataLength(ReadOnlySpan<byte> utf8Data)
    {
        var length = 0;
        foreach (var line in PayloadLines.Of(utf8Data))
        {
            length = checked(length + DataPrefix.Length + line.Length + LineEnd.Length);
        }

        return length;
    }

    private static int DataLength(ReadOnlySpan<char> data) => LinesLength(DataPrefix, data);

    private static int LinesLength(ReadOnlySpan<byte> prefix, ReadOnlySpan<char> text)
    {
        var length = 0;
        foreach (var line in PayloadLines.Of(text))
        {
            length = checked(length + prefix.Length + Utf8Output.Utf8ByteCount(line) + LineEnd.Length);
        }

        return length;
    }

    private static void RequireUtf8(ReadOnlySpan<byte> utf8Data)
    {
        if (!Utf8.IsValid(utf8Data))
        {
            throw new ArgumentException(
                "Event data must be valid UTF-8 (spec: \"Event streams in this format must always be encoded as UTF-8\"); validate it where it is published.",
                nameof(utf8Data));
        }
    }

    private static void RequireIdlessEvent(EncodedSseEvent frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.HasId)
        {
            throw new ArgumentException("The frame already has an id line; encode it without an id to give it a per-connection id.", nameof(frame));
        }

        if (!frame.DispatchesEvent)
        {
            throw new ArgumentException("Only an event frame takes an id; comment and retry frames dispatch nothing.", nameof(frame));
        }
    }
}
