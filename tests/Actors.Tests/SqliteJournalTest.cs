using EventActors.Actors.Journal;
using EventActors.Actors.Tests.Journal;
using Xunit;

namespace EventActors.Actors.Tests;

/// <summary>An actor test with a real SQLite journal of its own, in a temporary directory.</summary>
public abstract class SqliteJournalTest(string purpose, string? config = null) : ActorTest(config), IAsyncLifetime
{
    private readonly string _directory = TemporaryDirectory.Create(purpose);

    /// <summary>The journal; open from <see cref="InitializeAsync"/> on.</summary>
    protected SqliteJournal Sqlite { get; private set; } = null!;

    public virtual Task InitializeAsync()
    {
        Sqlite = SqliteJournal.Open(new SqliteJournalOptions { Path = Path.Combine(_directory, "journal.db") });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Sqlite.DisposeAsync();
        TemporaryDirectory.Delete(_directory);
    }
}
