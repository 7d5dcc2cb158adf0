using Akka.Actor;
using Akka.Hosting;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Actors.Persistence;

namespace EventActors.Host.Storage;

/// <summary>Our SQLite or PostgreSQL journal, as the Akka.Persistence plugins of the node's actor system.</summary>
internal sealed partial class OurJournal(ServerOptions options, ILoggerFactory loggerFactory) : NodeJournal
{
    private readonly TopicStorageSetup _setup = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<OurJournal>();
    private IEventJournal? _journal;
    private JournalIdempotencyKeys? _keys;
    private JournalTopicCatalog? _catalog;

    /// <summary>The journal; open once <see cref="StartAsync"/> has run.</summary>
    public IEventJournal Journal => _journal ?? throw new InvalidOperationException("The journal is not open yet.");

    public override string ReadJournalId => TopicPersistence.QueryId;

    public override IIdempotencyKeys Keys => _keys ?? throw new InvalidOperationException("The journal is not open yet.");

    public override ITopicCatalog Catalog => _catalog ?? throw new InvalidOperationException("The journal is not open yet.");

    public override bool IsReachable => _journal is not PostgresJournal { IsReachable: false };

    /// <summary>Events one journal append may carry: a whole batch, and at least 1,000 when topics merge waiting publishes.</summary>
    private int MaxEventsPerAppend => Math.Max(options.MaxBatchEvents, 1000);

    public override void Configure(AkkaConfigurationBuilder akka) => akka
        .AddHocon(TopicPersistence.AsDefault, HoconAddMode.Prepend)
        // Over the plugins' defaults (prepended last, so first): a catch-up page is one read of
        // the journal, not the read journal's default of 1,000 events.
        .AddHocon($"{TopicPersistence.QueryId}.page-size = {options.CatchUpPageSize}", HoconAddMode.Prepend)
        .AddSetup(_setup);

    public override async Task StartAsync(ActorSystem system)
    {
        _journal = await OpenAsync();
        _setup.Attach(_journal, MaxEventsPerAppend);
        _keys = new JournalIdempotencyKeys(_journal);
        _catalog = new JournalTopicCatalog(_journal);
    }

    private async Task<IEventJournal> OpenAsync()
    {
        if (options.Journal == JournalKind.Postgres)
        {
            LogPostgresJournal(_logger, options.PostgresSchema);
            return await PostgresJournal.OpenAsync(new PostgresJournalOptions
            {
                ConnectionString = options.PostgresConnectionString,
                Schema = options.PostgresSchema,
                MaxEventBytes = options.MaxEventBytes,
                MaxEventsPerAppend = MaxEventsPerAppend,
                MaxEventsPerTransaction = Math.Max(MaxEventsPerAppend, 10_000),
                LoggerFactory = loggerFactory,
            });
        }

        var dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        return SqliteJournal.Open(new SqliteJournalOptions
        {
            Path = Path.Combine(dataDir, "journal.db"),
            Synchronous = options.JournalSynchronous,
            MaxEventBytes = options.MaxEventBytes,
            MaxEventsPerAppend = MaxEventsPerAppend,
            MaxEventsPerTransaction = Math.Max(MaxEventsPerAppend, 10_000),
            LoggerFactory = loggerFactory,
        });
    }

    public override async ValueTask DisposeAsync()
    {
        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journal: PostgreSQL, schema {Schema}")]
    private static partial void LogPostgresJournal(ILogger logger, string schema);
}
