using EventActors.Actors.Journal;
using EventActors.Protocol;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.Mapping;

namespace EventActors.Actors.Persistence.AkkaSql;

/// <summary>
/// The <c>eventactors_idempotency_keys</c> table: its linq2db mapping and its creation, the one
/// place that knows its names and types.
/// </summary>
internal static class IdempotencyKeyTable
{
    public const string Name = "eventactors_idempotency_keys";

    /// <summary>The index purging walks, oldest first.</summary>
    public const string AgeIndex = "eventactors_idempotency_keys_by_age";

    /// <summary>
    /// The mapping for a table in <paramref name="schema"/> (null: the connection's default). Each
    /// schema gets a mapping of its own name, because linq2db caches queries per mapping name.
    /// </summary>
    public static MappingSchema Mapping(string? schema)
    {
        var mapping = new MappingSchema($"eventactors.idempotency-keys.{schema ?? "(default)"}");
        var builder = new FluentMappingBuilder(mapping);
        var row = builder.Entity<IdempotencyKeyRow>().HasTableName(Name);
        if (schema is not null)
        {
            row.HasSchemaName(schema);
        }

        // Bounded NVarChar rather than the provider's default string type: PostgreSQL's default
        // is text and MySQL's cannot be in a primary key. Both lengths are the project's own
        // limits, so every value fits; 2 x 200 characters stays within SQL Server's 900-byte
        // and InnoDB's 3,072-byte key limits.
        row.Property(r => r.PersistenceId).HasColumnName("persistence_id").HasDataType(DataType.NVarChar).HasLength(TopicName.MaxLength).IsNullable(false).IsPrimaryKey(0)
            .Property(r => r.IdempotencyKey).HasColumnName("idempotency_key").HasDataType(DataType.NVarChar).HasLength(NewEvent.MaxIdempotencyKeyLength).IsNullable(false).IsPrimaryKey(1)
            .Property(r => r.SequenceNr).HasColumnName("sequence_nr").HasDataType(DataType.Int64).IsNullable(false)
            .Property(r => r.RecordedAt).HasColumnName("recorded_at").HasDataType(DataType.Int64).IsNullable(false)
            .Property(r => r.Confirmed).HasColumnName("confirmed").HasDataType(DataType.Boolean).IsNullable(false);
        builder.Build();
        return mapping;
    }

    /// <summary>Creates the table and its age index when missing; harmless when they exist.</summary>
    /// <returns>Null, or why the index could not be created (it may exist already; see <see cref="CreateIndexAsync"/>).</returns>
    public static async Task<Exception?> CreateAsync(DataConnection connection, string? schema, CancellationToken cancellationToken)
    {
        await connection.CreateTableAsync<IdempotencyKeyRow>(tableOptions: TableOptions.CreateIfNotExists, token: cancellationToken).ConfigureAwait(false);
        return await CreateIndexAsync(connection, schema, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// linq2db has no portable "create index if missing", so each dialect that has one gets its
    /// own statement. Elsewhere (MySQL, Oracle...) a plain <c>CREATE INDEX</c> is tried and its
    /// failure, nearly always "already exists", tolerated: the index only speeds up purging,
    /// lookups go by the primary key.
    /// </summary>
    private static async Task<Exception?> CreateIndexAsync(DataConnection connection, string? schema, CancellationToken cancellationToken)
    {
        var provider = connection.DataProvider.Name;
        var table = schema is null ? Name : $"{schema}.{Name}";
        string sql;
        if (provider.StartsWith(ProviderName.SQLite, StringComparison.OrdinalIgnoreCase))
        {
            // SQLite puts the schema (an attached database) on the index's name, not the table's.
            sql = $"CREATE INDEX IF NOT EXISTS {(schema is null ? "" : schema + ".")}{AgeIndex} ON {Name} (recorded_at)";
        }
        else if (provider.StartsWith(ProviderName.PostgreSQL, StringComparison.OrdinalIgnoreCase)
            || provider.StartsWith(ProviderName.MariaDB10, StringComparison.OrdinalIgnoreCase))
        {
            sql = $"CREATE INDEX IF NOT EXISTS {AgeIndex} ON {table} (recorded_at)";
        }
        else if (provider.StartsWith(ProviderName.SqlServer, StringComparison.OrdinalIgnoreCase))
        {
            sql = $"IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = '{AgeIndex}' AND object_id = OBJECT_ID('{table}')) " +
                $"CREATE INDEX {AgeIndex} ON {table} (recorded_at)";
        }
        else
        {
            try
            {
                await connection.ExecuteAsync($"CREATE INDEX {AgeIndex} ON {table} (recorded_at)", cancellationToken).ConfigureAwait(false);
            }
            catch (System.Data.Common.DbException failure)
            {
                return failure;
            }

            return null;
        }

        await connection.ExecuteAsync(sql, cancellationToken).ConfigureAwait(false);
        return null;
    }
}
