using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// An event the journal has committed, encoded for the wire once: every subscriber of the topic
/// is handed this same instance and writes the same bytes.
/// </summary>
public sealed class CommittedEvent
{
    public CommittedEvent(TopicEpoch epoch, ulong sequence, string? type, ReadOnlySpan<byte> utf8Data)
    {
        Sequence = sequence;
        var eventType = type is null ? (SseEventType?)null : new SseEventType(type);
        // Two encodings, both made here: a single-topic stream's id is the same for everyone, so
        // it is part of the shared bytes; a multi-topic stream writes its own id line in front.
        Frame = SseFrame.Encode(utf8Data, eventType, new EventCursor(epoch, sequence).ToEventId());
        FrameWithoutId = SseFrame.Encode(utf8Data, eventType);
    }

    public ulong Sequence { get; }

    /// <summary>The frame for single-topic streams, with <c>id: epoch-seq</c>.</summary>
    public EncodedSseEvent Frame { get; }

    /// <summary>The frame for multi-topic streams, which prefix their own <c>id:</c> line.</summary>
    public EncodedSseEvent FrameWithoutId { get; }
}
