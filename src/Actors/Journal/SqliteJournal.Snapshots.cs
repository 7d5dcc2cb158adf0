using Microsoft.Data.Sqlite;

namespace EventActors.Actors.Journal;

/// <summary>Snapshots: written by the one writer like every other write, read on the read connections.</summary>
public sealed partial class SqliteJournal
{
    private const string SnapshotWhere =
        "persistence_id = $id AND seq BETWEEN $minSeq AND $maxSeq AND taken_at BETWEEN $minTs AND $maxTs";

    public Task SaveSnapshotAsync(StoredSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Submit(new WriteCommand<bool>(1, (session, _) => session.Run(
            "INSERT INTO snapshots (persistence_id, seq, taken_at, serializer_id, manifest, data) VALUES ($id, $seq, $ts, $serializer, $manifest, $data) " +
            "ON CONFLICT (persistence_id, seq) DO UPDATE SET taken_at = excluded.taken_at, serializer_id = excluded.serializer_id, manifest = excluded.manifest, data = excluded.data;",
            ("$id", (object)snapshot.PersistenceId), ("$seq", snapshot.Sequence), ("$ts", SnapshotRange.ToUnixMs(snapshot.Timestamp)),
            ("$serializer", snapshot.SerializerId), ("$manifest", snapshot.Manifest), ("$data", snapshot.Data)) >= 0), cancellationToken);
    }

    public Task<StoredSnapshot?> LoadSnapshotAsync(string persistenceId, SnapshotRange range, CancellationToken cancellationToken = default) =>
        Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT seq, taken_at, serializer_id, manifest, data FROM snapshots WHERE {SnapshotWhere} ORDER BY seq DESC LIMIT 1;";
            BindRange(command, persistenceId, range);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new StoredSnapshot(persistenceId, reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)).UtcDateTime,
                    reader.GetInt32(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4))
                : null;
        }, cancellationToken);

    public Task DeleteSnapshotsAsync(string persistenceId, SnapshotRange range, CancellationToken cancellationToken = default) =>
        Submit(new WriteCommand<bool>(1, (session, _) => session.Run($"DELETE FROM snapshots WHERE {SnapshotWhere};",
            ("$id", (object)persistenceId), ("$minSeq", range.MinSequence), ("$maxSeq", range.MaxSequence),
            ("$minTs", range.MinTimestampMs), ("$maxTs", range.MaxTimestampMs)) >= 0), cancellationToken);

    private static void BindRange(SqliteCommand command, string persistenceId, SnapshotRange range)
    {
        command.Parameters.AddWithValue("$id", persistenceId);
        command.Parameters.AddWithValue("$minSeq", range.MinSequence);
        command.Parameters.AddWithValue("$maxSeq", range.MaxSequence);
        command.Parameters.AddWithValue("$minTs", range.MinTimestampMs);
        command.Parameters.AddWithValue("$maxTs", range.MaxTimestampMs);
    }
}
