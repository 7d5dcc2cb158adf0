using Npgsql;

namespace EventActors.Fixtures;

/// <summary>
/// The PostgreSQL server the tests run against: a real one, started by <c>scripts/test.sh</c>
/// (a throwaway cluster in a temp directory) and named by the environment variable
/// <see cref="Variable"/>. Each test gets a schema of its own, so tests never see each other's
/// data and need no clean-up between them beyond dropping that schema.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "EVENTACTORS_TEST_POSTGRES";

    /// <summary>The server's connection string; a test that needs it fails, never skips, without it.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set. Run the tests with scripts/test.sh, which starts a throwaway PostgreSQL, " +
                $"or start one with 'scripts/postgres.sh start DIR' and export {Variable}=<the connection string it prints>.");

    /// <summary>A new, unique schema name (the schema itself is created by the journal).</summary>
    public static string NewSchema(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];

    /// <summary>Drops a test's schema with everything in it.</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE;", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs one SQL statement against the test server (to look at or tamper with a store from outside).</summary>
    public static async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
