using Npgsql;

namespace EventActors.Actors.Journal.Postgres;

/// <summary>
/// Snapshots: rare, so each is its own short transaction on a pooled connection (not a group
/// commit); several nodes may write them, and the primary key keeps one per sequence number.
/// </summary>
public sealed partial class PostgresJournal
{
    private string SnapshotWhere =>
        $"FROM {_schema}.snapshots WHERE persistence_id = $1 AND seq BETWEEN $2 AND $3 AND taken_at BETWEEN $4 AND $5";

    public Task SaveSnapshotAsync(StoredSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Read(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand(
                $"INSERT INTO {_schema}.snapshots (persistence_id, seq, taken_at, serializer_id, manifest, data) VALUES ($1, $2, $3, $4, $5, $6) " +
                "ON CONFLICT (persistence_id, seq) DO UPDATE SET taken_at = excluded.taken_at, serializer_id = excluded.serializer_id, manifest = excluded.manifest, data = excluded.data;",
                connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.PersistenceId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.Sequence });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToStored(snapshot.Timestamp) });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = snapshot.SerializerId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.Manifest });
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = snapshot.Data });
            return await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<StoredSnapshot?> LoadSnapshotAsync(string persistenceId, SnapshotRange range, CancellationToken cancellationToken = default) =>
        Read(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand($"SELECT seq, taken_at, serializer_id, manifest, data {SnapshotWhere} ORDER BY seq DESC LIMIT 1;", connection);
            BindRange(command, persistenceId, range);
            await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            return await reader.ReadAsync(token).ConfigureAwait(false)
                ? new StoredSnapshot(persistenceId, reader.GetInt64(0), DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc),
                    reader.GetInt32(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4))
                : null;
        }, cancellationToken);

    public Task DeleteSnapshotsAsync(string persistenceId, SnapshotRange range, CancellationToken cancellationToken = default) =>
        Read(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand($"DELETE {SnapshotWhere};", connection);
            BindRange(command, persistenceId, range);
            return await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
        }, cancellationToken);

    private static void BindRange(NpgsqlCommand command, string persistenceId, SnapshotRange range)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = range.MinSequence });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = range.MaxSequence });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToStored(range.MinTimestamp) });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToStored(range.MaxTimestamp) });
    }

    /// <summary>A UTC time PostgreSQL's timestamptz holds (its range is narrower than DateTime's; the extremes mean "no bound").</summary>
    private static DateTime ToStored(DateTime time) =>
        DateTime.SpecifyKind(time < new DateTime(1970, 1, 1) ? new DateTime(1970, 1, 1) : time > new DateTime(9999, 1, 1) ? new DateTime(9999, 1, 1) : time, DateTimeKind.Utc);
}
