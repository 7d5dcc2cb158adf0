using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// An event the journal has committed, encoded for the wire once: every subscriber of the topic
/// is handed this same instance and writes the same bytes.
/// </summary>
/// <remarks>
/// Immutable, and everything it holds is data: the epoch, the sequence number and the frame
/// without an id carry the whole event (the frame with the id is, to a parser, <c>id: epoch-seq</c>
/// written in front of it), so a serializer can send it to another node, which builds it once
/// there for its own subscribers.
/// </remarks>
public sealed class CommittedEvent
{
    public CommittedEvent(TopicEpoch epoch, ulong sequence, string? type, ReadOnlySpan<byte> utf8Data)
    {
        Epoch = epoch;
        Sequence = sequence;
        var eventType = type is null ? (SseEventType?)null : new SseEventType(type);
        // Two encodings, both made here: a single-topic stream's id is the same for everyone, so
        // it is part of the shared bytes; a multi-topic stream writes its own id line in front.
        Frame = SseFrame.Encode(utf8Data, eventType, new EventCursor(epoch, sequence).ToEventId());
        FrameWithoutId = SseFrame.Encode(utf8Data, eventType);
    }

    /// <summary>The topic's incarnation the event belongs to.</summary>
    public TopicEpoch Epoch { get; }

    public ulong Sequence { get; }

    /// <summary>The frame for single-topic streams, with <c>id: epoch-seq</c>.</summary>
    public EncodedSseEvent Frame { get; }

    /// <summary>The frame for multi-topic streams, which prefix their own <c>id:</c> line.</summary>
    public EncodedSseEvent FrameWithoutId { get; }
}
