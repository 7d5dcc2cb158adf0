using Microsoft.Data.Sqlite;

namespace EventActors.Actors.Journal;

/// <summary>The journal's tables, created on first open; <c>PRAGMA user_version</c> records the schema version.</summary>
internal static class SqliteSchema
{
    /// <summary>The schema this code reads and writes. A database with a higher version was written by newer code.</summary>
    public const int Version = 2;

    // Times are Unix milliseconds (UTC). Sequence numbers and ids are SQLite's 64-bit integers.
    // STRICT makes a value of the wrong type an error instead of a silent conversion.
    public const string Create = """
        CREATE TABLE IF NOT EXISTS topics (
            id         INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: one id, one incarnation
            name       TEXT    NOT NULL UNIQUE,
            epoch      TEXT    NOT NULL,                  -- 8 base-36 chars, new per incarnation
            head       INTEGER NOT NULL,                  -- last seq assigned; stored, so trimming never lowers it
            first_seq  INTEGER NOT NULL,                  -- earliest retained seq; head + 1 when none is
            created_at INTEGER NOT NULL
        ) STRICT;

        -- The primary key on (topic_id, seq) is the fencing: two writers cannot both commit a seq.
        -- WITHOUT ROWID: the events are stored in key order in one B-tree (no separate rowid
        -- table and index), so an append is one insert and a replay one range scan.
        CREATE TABLE IF NOT EXISTS events (
            topic_id    INTEGER NOT NULL,
            seq         INTEGER NOT NULL,
            appended_at INTEGER NOT NULL,
            type        TEXT,
            data        BLOB    NOT NULL,
            PRIMARY KEY (topic_id, seq)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS idempotency_keys (
            topic_id    INTEGER NOT NULL,
            key         TEXT    NOT NULL,
            seq         INTEGER NOT NULL,                 -- the seq the key was first appended with
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (topic_id, key)
        ) STRICT, WITHOUT ROWID;

        CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (recorded_at);

        -- Version 2: Akka.Persistence snapshots (ISnapshotStorage), keyed by persistence id (a
        -- topic's name) rather than topic id, so that they are independent of a topic's rows.
        CREATE TABLE IF NOT EXISTS snapshots (
            persistence_id TEXT    NOT NULL,
            seq            INTEGER NOT NULL,
            taken_at       INTEGER NOT NULL,
            serializer_id  INTEGER NOT NULL,
            manifest       TEXT    NOT NULL,
            data           BLOB    NOT NULL,
            PRIMARY KEY (persistence_id, seq)
        ) STRICT, WITHOUT ROWID;
        """;

    /// <summary>
    /// Version 1 to 2: topics now keep their epoch and oldest retained event in a snapshot
    /// (TopicSnapshot, written by TopicSerializer as <c>1|epoch|epochStart|firstRetained|createdAtUnixMs</c>):
    /// each topic written before gets its state as a snapshot at its head, so its epoch and every
    /// client's resume position stay valid across the upgrade.
    /// </summary>
    private static readonly string SnapshotsFromTopics = $"""
        INSERT OR IGNORE INTO snapshots (persistence_id, seq, taken_at, serializer_id, manifest, data)
        SELECT name, head, created_at, {Persistence.TopicSerializer.Id}, 'S',
               CAST('1|' || epoch || '|0|' || first_seq || '|' || created_at AS BLOB)
        FROM topics;
        """;

    /// <summary>Puts the database in WAL mode and creates the tables; run once per open, on the write connection.</summary>
    public static void Apply(SqliteConnection connection)
    {
        // WAL is a property of the database file (it persists), and it is what lets readers on
        // their own connections read a snapshot while the writer commits.
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            var mode = wal.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode for the journal (journal_mode is '{mode}'); the file system may not support shared memory.");
            }
        }

        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > Version)
        {
            throw new InvalidOperationException(
                $"The journal database has schema version {version}; this build understands up to {Version}. It was written by a newer EventActors.");
        }

        command.CommandText = Create + (version == 1 ? SnapshotsFromTopics : "") + $"PRAGMA user_version = {Version};";
        command.ExecuteNonQuery();
        transaction.Commit();
    }
}
