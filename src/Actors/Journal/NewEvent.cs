using EventActors.Protocol;

namespace EventActors.Actors.Journal;

/// <summary>
/// An event to append: its payload, and optionally its SSE event type and an idempotency key.
/// Validated here, so an event the journal cannot store cannot be constructed.
/// </summary>
public sealed record NewEvent
{
    /// <summary>
    /// Longest idempotency key, in UTF-16 characters. Keys are indexed per topic and kept for the
    /// idempotency window, so this bounds the index and the key table against a client that
    /// invents long keys; 200 holds a UUID, a ULID or a hash with room to spare.
    /// </summary>
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>
    /// Longest event type, in UTF-16 characters. Stored with every event and written on the wire
    /// with every frame, so it bounds per-event overhead; real types are a word or two.
    /// </summary>
    public const int MaxTypeLength = 200;

    /// <param name="data">The payload: UTF-8 text for SSE, though the journal stores any bytes as given.</param>
    /// <param name="type">The SSE event type, or null for the default "message".</param>
    /// <param name="idempotencyKey">Non-empty, at most <see cref="MaxIdempotencyKeyLength"/> characters, or null.</param>
    /// <exception cref="ArgumentException">The type or key is too long, or the key is empty.</exception>
    public NewEvent(ReadOnlyMemory<byte> data, SseEventType? type = null, string? idempotencyKey = null)
    {
        if (type is { } t && t.Value.Length > MaxTypeLength)
        {
            throw new ArgumentException($"An event type is at most {MaxTypeLength} characters; this one has {t.Value.Length}.", nameof(type));
        }

        if (idempotencyKey is not null && (idempotencyKey.Length == 0 || idempotencyKey.Length > MaxIdempotencyKeyLength))
        {
            throw new ArgumentException(
                $"An idempotency key has 1 to {MaxIdempotencyKeyLength} characters; this one has {idempotencyKey.Length}.", nameof(idempotencyKey));
        }

        Data = data;
        Type = type;
        IdempotencyKey = idempotencyKey;
    }

    public ReadOnlyMemory<byte> Data { get; }

    public SseEventType? Type { get; }

    /// <summary>Identifies a retried publish (see the idempotency rules on <see cref="IEventJournal"/>).</summary>
    public string? IdempotencyKey { get; }
}
