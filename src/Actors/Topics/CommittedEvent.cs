using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// An event the journal has committed, encoded for the wire at most once in each of its two
/// forms: every subscriber of the topic is handed this same instance and writes the same bytes.
/// </summary>
/// <remarks>
/// <para>Each form is encoded when a subscriber first needs it, not when the event is committed:
/// a topic with no subscriber (most notification topics, most of the time) encodes nothing, and
/// single-topic streams never pay for the multi-topic form. Two connections that ask at once may
/// both encode it; the bytes are the same and one copy wins, so the race costs an allocation,
/// never a wrong frame. The data was checked (UTF-8, size) when it was published.</para>
/// <para>Immutable to its readers, and everything it holds is data: the epoch, the sequence number
/// and the payload carry the whole event, so a serializer can send it to another node, which
/// encodes it there once for its own subscribers.</para>
/// </remarks>
public sealed class CommittedEvent
{
    // Per frame, the "event: ", "id: " and "data: " prefixes, the line ends and the id itself.
    private const int FrameOverhead = 64;

    private readonly string? _type;
    private EncodedSseEvent? _frame;
    private EncodedSseEvent? _frameWithoutId;

    /// <param name="utf8Data">The payload; kept, not copied (a published event's buffer is its own).</param>
    public CommittedEvent(TopicEpoch epoch, ulong sequence, string? type, ReadOnlyMemory<byte> utf8Data)
    {
        Epoch = epoch;
        Sequence = sequence;
        _type = type;
        Data = utf8Data;
    }

    /// <summary>The topic's incarnation the event belongs to.</summary>
    public TopicEpoch Epoch { get; }

    public ulong Sequence { get; }

    /// <summary>The payload, as published.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The SSE event type, or null for "message".</summary>
    public string? Type => _type;

    /// <summary>The frame for single-topic streams, with <c>id: epoch-seq</c>: a single-topic stream's id is the same for everyone, so it is part of the shared bytes.</summary>
    public EncodedSseEvent Frame =>
        Volatile.Read(ref _frame) ?? Publish(ref _frame, SseFrame.Encode(Data.Span, EventType, new EventCursor(Epoch, Sequence).ToEventId()));

    /// <summary>The frame for multi-topic streams, which write their own <c>id:</c> line in front of it.</summary>
    public EncodedSseEvent FrameWithoutId =>
        Volatile.Read(ref _frameWithoutId) ?? Publish(ref _frameWithoutId, SseFrame.Encode(Data.Span, EventType));

    /// <summary>
    /// The most memory an event can come to hold, in bytes: the payload and both frames. What a
    /// ring counts against its byte budget, fixed when the event is added (the frames come later).
    /// </summary>
    public static long MaxBytesOf(int dataLength, string? type) => dataLength * 3L + 2L * ((type?.Length ?? 0) + FrameOverhead);

    private SseEventType? EventType => _type is null ? null : new SseEventType(_type);

    private static EncodedSseEvent Publish(ref EncodedSseEvent? slot, EncodedSseEvent encoded) =>
        Interlocked.CompareExchange(ref slot, encoded, null) ?? encoded;
}
