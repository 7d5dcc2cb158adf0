using EventActors.Actors.Journal;
using EventActors.Actors.Persistence;
using EventActors.Actors.Tests.Journal;
using EventActors.Actors.Topics;
using Xunit;

namespace EventActors.Actors.Tests;

/// <summary>
/// An actor test with a real SQLite journal of its own, in a temporary directory, as the actor
/// system's Akka.Persistence plugins (write journal, snapshot store, read journal).
/// </summary>
public abstract class SqliteJournalTest : ActorTest, IAsyncLifetime
{
    private readonly string _directory;
    private readonly TopicStorageSetup _storage;
    private TopicHistory? _history;

    protected SqliteJournalTest(string purpose, string? config = null) : this(purpose, config, new TopicStorageSetup())
    {
    }

    private SqliteJournalTest(string purpose, string? config, TopicStorageSetup storage) : base(storage, config, TopicPersistence.AsDefault)
    {
        _storage = storage;
        _directory = TemporaryDirectory.Create(purpose);
    }

    /// <summary>The journal; open from <see cref="InitializeAsync"/> on.</summary>
    protected SqliteJournal Sqlite { get; private set; } = null!;

    /// <summary>Reads events back through the read journal, as catch-up does.</summary>
    protected TopicHistory History => _history ??= new TopicHistory(Sys, TopicPersistence.QueryId);

    /// <summary>What topic actors use beside their plugins, on this journal and the system clock.</summary>
    protected TopicServices Services(TimeProvider? time = null) =>
        new(new JournalIdempotencyKeys(Sqlite), History, static () => true, time ?? TimeProvider.System);

    /// <summary>The journal the plugins write to: the SQLite journal itself unless a test puts a gate in front of it.</summary>
    protected virtual IEventJournal PluginJournal(SqliteJournal sqlite) => sqlite;

    public virtual Task InitializeAsync()
    {
        Sqlite = SqliteJournal.Open(new SqliteJournalOptions { Path = Path.Combine(_directory, "journal.db") });
        _storage.Attach(PluginJournal(Sqlite), Sqlite.Options.MaxEventsPerAppend);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Shutdown(); // the plugins use the journal until the actor system has stopped
        await Sqlite.DisposeAsync();
        TemporaryDirectory.Delete(_directory);
    }
}
