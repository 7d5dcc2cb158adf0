using EventActors.Actors.Tests.Journal;
using EventActors.Fixtures;

namespace EventActors.Actors.Tests.Persistence;

/// <summary>The keys on Akka.Persistence.Sql over SQLite, a file in a temporary directory.</summary>
public sealed class AkkaSqlIdempotencyKeysOnSqliteTests : AkkaSqlIdempotencyKeysTests
{
    private string _directory = null!;

    protected override string ProviderName => "SQLite.MS";

    protected override string? Schema => null;

    protected override Task<string> StartDatabaseAsync()
    {
        _directory = TemporaryDirectory.Create("akka-sql-keys");
        return Task.FromResult($"Data Source={Path.Combine(_directory, "akka.db")}");
    }

    protected override Task StopDatabaseAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TemporaryDirectory.Delete(_directory);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The keys on Akka.Persistence.Sql over PostgreSQL (the test server of <see cref="TestPostgres"/>),
/// its tables and ours in a schema of the test's own.
/// </summary>
public sealed class AkkaSqlIdempotencyKeysOnPostgresTests : AkkaSqlIdempotencyKeysTests
{
    private readonly string _schema = TestPostgres.NewSchema("akka_sql_keys");

    protected override string ProviderName => "PostgreSQL.15";

    protected override string? Schema => _schema;

    protected override async Task<string> StartDatabaseAsync()
    {
        // Neither Akka.Persistence.Sql nor the keys create schemas.
        await TestPostgres.ScalarAsync($"CREATE SCHEMA {_schema};");
        return TestPostgres.ConnectionString;
    }

    protected override Task StopDatabaseAsync() => TestPostgres.DropSchemaAsync(_schema);
}
