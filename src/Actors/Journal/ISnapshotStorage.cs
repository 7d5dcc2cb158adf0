namespace EventActors.Actors.Journal;

/// <summary>
/// Snapshots beside a journal's events, in the same database: the storage under the
/// Akka.Persistence snapshot store (<c>TopicSnapshotStore</c>). A snapshot is opaque bytes with
/// the Akka serializer that wrote them; at most one per (persistence id, sequence number).
/// </summary>
public interface ISnapshotStorage
{
    /// <summary>Stores the snapshot, replacing one with the same persistence id and sequence number. Completes after the commit.</summary>
    Task SaveSnapshotAsync(StoredSnapshot snapshot, CancellationToken cancellationToken = default);

    /// <summary>The snapshot with the highest sequence number within the range, or null.</summary>
    Task<StoredSnapshot?> LoadSnapshotAsync(string persistenceId, SnapshotRange range, CancellationToken cancellationToken = default);

    /// <summary>Deletes every snapshot of the persistence id within the range.</summary>
    Task DeleteSnapshotsAsync(string persistenceId, SnapshotRange range, CancellationToken cancellationToken = default);
}

/// <summary>A stored snapshot.</summary>
/// <param name="Timestamp">When it was taken (UTC); stored to the millisecond.</param>
/// <param name="SerializerId">The Akka serializer that wrote <paramref name="Data"/>.</param>
/// <param name="Manifest">That serializer's manifest for the type, or "".</param>
public sealed record StoredSnapshot(string PersistenceId, long Sequence, DateTime Timestamp, int SerializerId, string Manifest, byte[] Data);

/// <summary>Inclusive bounds on a snapshot's sequence number and timestamp (UTC).</summary>
public readonly record struct SnapshotRange(long MinSequence, long MaxSequence, DateTime MinTimestamp, DateTime MaxTimestamp)
{
    /// <summary>Exactly the snapshot at <paramref name="sequence"/>, whenever it was taken.</summary>
    public static SnapshotRange At(long sequence) => new(sequence, sequence, DateTime.MinValue, DateTime.MaxValue);

    internal long MinTimestampMs => ToUnixMs(MinTimestamp);

    internal long MaxTimestampMs => ToUnixMs(MaxTimestamp);

    /// <summary>Unix milliseconds, clamped to what the stores hold (DateTime.MinValue/MaxValue mean "no bound").</summary>
    internal static long ToUnixMs(DateTime time) =>
        time <= DateTime.UnixEpoch ? 0 : time >= DateTime.MaxValue.AddDays(-1) ? long.MaxValue : new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}
