using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Actors.Persistence;
using EventActors.Actors.Tests.Journal;
using EventActors.Fixtures;

namespace EventActors.Actors.Tests.Persistence;

/// <summary>The contract on our SQLite journal as an Akka.Persistence plugin.</summary>
public sealed class SqlitePluginContractTests : OurPluginContractTests
{
    private string _directory = null!;
    private SqliteJournal _journal = null!;

    protected override string QueryPluginId => TopicPersistence.QueryId;

    protected override IEventJournal Journal => _journal;

    protected override Task<(Config, Setup?)> StartJournalAsync()
    {
        _directory = TemporaryDirectory.Create("sqlite-plugin");
        _journal = SqliteJournal.Open(new SqliteJournalOptions { Path = Path.Combine(_directory, "journal.db"), MaxEventBytes = MaxEventBytes });
        return Task.FromResult<(Config, Setup?)>((TopicPersistence.AsDefault, new TopicStorageSetup(_journal, _journal.Options.MaxEventsPerAppend)));
    }

    protected override async Task StopJournalAsync()
    {
        await _journal.DisposeAsync();
        TemporaryDirectory.Delete(_directory);
    }
}

/// <summary>The contract on our PostgreSQL journal as an Akka.Persistence plugin.</summary>
public sealed class PostgresPluginContractTests : OurPluginContractTests
{
    private readonly string _schema = TestPostgres.NewSchema("plugin");
    private PostgresJournal _journal = null!;

    protected override string QueryPluginId => TopicPersistence.QueryId;

    protected override IEventJournal Journal => _journal;

    protected override async Task<(Config, Setup?)> StartJournalAsync()
    {
        _journal = await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = TestPostgres.ConnectionString, Schema = _schema, MaxEventBytes = MaxEventBytes });
        return (TopicPersistence.AsDefault, new TopicStorageSetup(_journal, _journal.Options.MaxEventsPerAppend));
    }

    protected override async Task StopJournalAsync()
    {
        await _journal.DisposeAsync();
        await TestPostgres.DropSchemaAsync(_schema);
    }
}

/// <summary>The same contract on Akka.Persistence.Sql over SQLite, the "akka-sql" journal choice.</summary>
public sealed class AkkaSqlContractTests : PluginContractTests
{
    private string _directory = null!;

    protected override string QueryPluginId => "akka.persistence.query.journal.sql";

    protected override Task<(Config, Setup?)> StartJournalAsync()
    {
        _directory = TemporaryDirectory.Create("akka-sql");
        var connection = $"Data Source={Path.Combine(_directory, "akka.db")}";
        var config = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.journal.sql { connection-string = "{{connection}}", provider-name = "SQLite.MS", auto-initialize = true }
            akka.persistence.snapshot-store.sql { connection-string = "{{connection}}", provider-name = "SQLite.MS", auto-initialize = true }
            akka.persistence.query.journal.sql { connection-string = "{{connection}}", provider-name = "SQLite.MS", refresh-interval = 1s }
            """).WithFallback(TopicPersistence.Plugins).WithFallback(SqlPersistence.DefaultConfiguration);
        return Task.FromResult<(Config, Setup?)>((config, null));
    }

    protected override Task StopJournalAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TemporaryDirectory.Delete(_directory);
        return Task.CompletedTask;
    }
}
