using EventActors.Protocol;

namespace EventActors.Actors.Journal;

/// <summary>A committed event as read back from the journal.</summary>
/// <param name="Sequence">Its position in the topic's current epoch, from 1.</param>
/// <param name="Timestamp">When the journal appended it (UTC, millisecond precision); every event of one commit shares it.</param>
/// <param name="Type">Its SSE event type, or null for "message".</param>
/// <param name="Data">Its payload, byte for byte as appended.</param>
public sealed record StoredEvent(ulong Sequence, DateTimeOffset Timestamp, SseEventType? Type, ReadOnlyMemory<byte> Data);
