using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql.Hosting;
using EventActors.Actors.Persistence;
using EventActors.Actors.Persistence.AkkaSql;
using EventActors.Protocol;
using LinqToDB;

namespace EventActors.Host.Storage;

/// <summary>
/// Akka.Persistence.Sql as the node's journal and snapshot store, set up through
/// Akka.Persistence.Sql.Hosting on the database <see cref="ServerOptions.AkkaSql"/> names; its
/// tables (and our idempotency-key table beside them) are created at start-up.
/// </summary>
internal sealed partial class AkkaSqlJournal(ServerOptions options, ILoggerFactory loggerFactory) : NodeJournal
{
    /// <summary>Where Akka.Persistence.Sql.Hosting puts the read journal of the default plugin.</summary>
    private const string QueryId = "akka.persistence.query.journal.sql";

    private readonly ILogger _logger = loggerFactory.CreateLogger<AkkaSqlJournal>();
    private AkkaSqlIdempotencyKeys? _keys;
    private ITopicCatalog? _catalog;

    public override string ReadJournalId => QueryId;

    public override IIdempotencyKeys Keys => _keys ?? throw new InvalidOperationException("The journal has not started yet.");

    public override ITopicCatalog Catalog => _catalog ?? throw new InvalidOperationException("The journal has not started yet.");

    private string ProviderName => options.AkkaSql.ProviderName;

    /// <summary>The connection string; with SQLite and none given, a file under DataDir.</summary>
    private string ConnectionString => options.AkkaSql.ConnectionString is { Length: > 0 } given
        ? given
        : $"Data Source={Path.Combine(Path.GetFullPath(options.DataDir), "akka-sql.db")}";

    public override void Configure(AkkaConfigurationBuilder akka)
    {
        var data = new DataOptions().UseConnectionString(ProviderName, ConnectionString);
        if (options.AkkaSql.IsSqlite)
        {
            // Out of the box SQLite runs in rollback-journal mode with synchronous=FULL: the same
            // durability as our SQLite journal needs WAL and the node's JournalSynchronous.
            data = data.UseInterceptor(new SqliteModeInterceptor(options.JournalSynchronous));
        }

        akka.AddHocon(TopicPersistence.Plugins, HoconAddMode.Prepend) // the serializer of events and snapshots
            .WithSqlPersistence(data, PersistenceMode.Both, autoInitialize: true);
    }

    public override async Task StartAsync(ActorSystem system)
    {
        if (options.AkkaSql.IsSqlite)
        {
            Directory.CreateDirectory(Path.GetFullPath(options.DataDir));
        }

        LogAkkaSqlJournal(_logger, ProviderName);
        try
        {
            // Akka.Persistence.Sql creates its tables when its plugins first start, which is at
            // the first topic's recovery: asking for a topic's state here starts them now, so a
            // database that cannot be used stops the start instead of every publish.
            var probe = TopicName.Parse("eventactors.startup-check");
            await new StoredTopicStates(system, TimeSpan.FromSeconds(30)).ReadAsync(probe);
            _keys = await AkkaSqlIdempotencyKeys.OpenAsync(system, new AkkaSqlIdempotencyKeysOptions
            {
                ProviderName = ProviderName,
                ConnectionString = ConnectionString,
                ReadJournalPluginId = QueryId,
                LoggerFactory = loggerFactory,
            });
        }
        catch (Exception failure)
        {
            throw new InvalidOperationException(
                $"The akka-sql journal ({ServerOptions.Section}:{AkkaSqlOptions.Section}:{nameof(AkkaSqlOptions.ProviderName)} = {ProviderName}) " +
                $"could not use its database: {failure.Message.TrimEnd('.')}. Check {ServerOptions.Section}:{AkkaSqlOptions.Section}:{nameof(AkkaSqlOptions.ConnectionString)} (--akka-sql).",
                failure);
        }

        _catalog = new QueryTopicCatalog(system, QueryId);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_keys is not null)
        {
            await _keys.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal: Akka.Persistence.Sql, provider {Provider}")]
    private static partial void LogAkkaSqlJournal(ILogger logger, string provider);
}
