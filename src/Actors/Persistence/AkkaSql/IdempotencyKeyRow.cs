namespace EventActors.Actors.Persistence.AkkaSql;

/// <summary>
/// One row of <c>eventactors_idempotency_keys</c>: a key a topic recorded, the sequence number its
/// event was about to get, and when. Mapped in <see cref="IdempotencyKeyTable"/>, not by
/// attributes, so that the schema can be chosen at start-up.
/// </summary>
internal sealed class IdempotencyKeyRow
{
    /// <summary>The topic's name (its Akka persistence id).</summary>
    public string PersistenceId { get; set; } = "";

    public string IdempotencyKey { get; set; } = "";

    public long SequenceNr { get; set; }

    /// <summary>UTC, in Unix milliseconds: a bigint reads back the same on every provider, where DateTime columns do not.</summary>
    public long RecordedAt { get; set; }

    /// <summary>The writer confirmed that the event was committed: trusted without reading it back (it may have been trimmed since).</summary>
    public bool Confirmed { get; set; }
}
