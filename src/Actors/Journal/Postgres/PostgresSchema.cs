using Npgsql;

namespace EventActors.Actors.Journal.Postgres;

/// <summary>
/// The journal's tables, created on first start and upgraded in place: every schema change is a
/// numbered migration, and <c>schema_migrations</c> records which ones a database has.
/// </summary>
/// <remarks>
/// A later version adds a migration at the end of <see cref="Migrations"/> and never edits one
/// that has shipped. Nodes starting together take an advisory lock, so exactly one of them
/// applies each migration; a database migrated by a newer version is refused, not written.
/// </remarks>
internal static class PostgresSchema
{
    /// <summary>Every migration, in order; the version of each is its position, from 1.</summary>
    private static readonly (string Description, string Sql)[] Migrations =
    [
        ("topics, events and idempotency keys", """
            CREATE TABLE {schema}.topics (
                id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused: one id, one incarnation
                name       text        COLLATE "C" NOT NULL UNIQUE,              -- "C": ordinal order for listing
                epoch      text        NOT NULL,                                 -- 8 base-36 chars, new per incarnation
                head       bigint      NOT NULL,                                 -- last seq assigned; stored, so trimming never lowers it
                first_seq  bigint      NOT NULL,                                 -- earliest retained seq; head + 1 when none is
                created_at timestamptz NOT NULL
            ) WITH (fillfactor = 50); -- every commit rewrites a topic's head: room on its page keeps the update HOT (no index write)

            -- The primary key on (topic_id, seq) is the fencing a cluster relies on: two writers
            -- cannot both commit the same sequence number of a topic.
            CREATE TABLE {schema}.events (
                topic_id    bigint      NOT NULL,
                seq         bigint      NOT NULL,
                appended_at timestamptz NOT NULL,
                type        text,
                data        bytea       NOT NULL,
                PRIMARY KEY (topic_id, seq)
            );

            CREATE TABLE {schema}.idempotency_keys (
                topic_id    bigint      NOT NULL,
                key         text        COLLATE "C" NOT NULL,
                seq         bigint      NOT NULL,                                -- the seq the key was first appended with
                recorded_at timestamptz NOT NULL,
                PRIMARY KEY (topic_id, key)
            );

            CREATE INDEX idempotency_keys_by_age ON {schema}.idempotency_keys (recorded_at);
            """),
        ("Akka.Persistence snapshots; each topic's state as its first one", $$"""
            -- Keyed by persistence id (a topic's name), independent of a topic's rows.
            CREATE TABLE {schema}.snapshots (
                persistence_id text        COLLATE "C" NOT NULL,
                seq            bigint      NOT NULL,
                taken_at       timestamptz NOT NULL,
                serializer_id  integer     NOT NULL,
                manifest       text        NOT NULL,
                data           bytea       NOT NULL,
                PRIMARY KEY (persistence_id, seq)
            );

            -- Topics now keep their epoch and oldest retained event in a snapshot (TopicSnapshot,
            -- written by TopicSerializer as 1|epoch|epochStart|firstRetained|createdAtUnixMs):
            -- each topic written before gets its state as a snapshot at its head, so its epoch and
            -- every client's resume position stay valid across the upgrade.
            INSERT INTO {schema}.snapshots (persistence_id, seq, taken_at, serializer_id, manifest, data)
            SELECT name, head, created_at, {{Persistence.TopicSerializer.Id}}, 'S',
                   convert_to('1|' || epoch || '|0|' || first_seq || '|' || floor(extract(epoch FROM created_at) * 1000)::bigint, 'UTF8')
            FROM {schema}.topics;
            """),
    ];

    /// <summary>The schema version this code reads and writes.</summary>
    public static int Version => Migrations.Length;

    /// <summary>Creates the schema or brings it up to <see cref="Version"/>; returns the version found before.</summary>
    /// <exception cref="InvalidOperationException">The database was migrated by a newer version of EventActors.</exception>
    public static async Task<int> MigrateAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // One migrator at a time per schema, across every node; released at COMMIT.
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock(hashtext('eventactors.migrate.{schema}'));", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                version     integer     PRIMARY KEY,
                description text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken).ConfigureAwait(false);

        await using var select = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema}.schema_migrations;", connection);
        var found = (int)(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (found > Version)
        {
            throw new InvalidOperationException(
                $"The journal schema '{schema}' is at version {found}; this build of EventActors understands up to {Version}. It was migrated by a newer version; run that version.");
        }

        for (var version = found + 1; version <= Version; version++)
        {
            var (description, sql) = Migrations[version - 1];
            await ExecuteAsync(connection, sql.Replace("{schema}", schema, StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand($"INSERT INTO {schema}.schema_migrations (version, description) VALUES ($1, $2);", connection);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = description });
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return found;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
