using EventActors.Actors.Journal;
using Microsoft.Data.Sqlite;
using Xunit;

namespace EventActors.Actors.Tests.Journal;

/// <summary>
/// The journal contract against a real SQLite file in a temporary directory, and what only the
/// SQLite journal promises: its options, WAL readers, group commit, back-pressure and shutdown.
/// </summary>
public sealed class SqliteJournalTests : JournalContractTests
{
    protected override Task<string> CreateStoreAsync() => Task.FromResult(TemporaryDirectory.Create("journal"));

    protected override IEventJournal OpenJournal(string store, TimeProvider clock, TimeSpan idempotencyWindow) =>
        SqliteJournal.Open(Options(store) with { TimeProvider = clock, IdempotencyWindow = idempotencyWindow });

    protected override async Task DeleteStoreAsync(string store)
    {
        TemporaryDirectory.Delete(store);
    }

    private SqliteJournalOptions Options(string store) => new()
    {
        Path = DatabasePath(store),
        // Tests hold SQLite's write lock from outside on purpose; the writer must outwait them.
        BusyTimeout = TimeSpan.FromMinutes(1),
    };

    private static string DatabasePath(string store) => Path.Combine(store, "journal.db");

    [Fact]
    public async Task A_topic_written_before_snapshots_existed_gets_its_state_as_a_snapshot_when_the_schema_is_upgraded()
    {
        var appended = await AppendTexts(Topic("old"), 0, ["a", "b", "c"]);
        var before = (await Journal.GetTopicAsync(Topic("old")))!;
        await Journal.DisposeAsync();
        // Back to version 1, as a database written by the previous release is.
        using (var connection = new SqliteConnection($"Data Source={DatabasePath(Store)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE snapshots; PRAGMA user_version = 1;";
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        await using var upgraded = SqliteJournal.Open(Options(Store));

        var snapshot = await upgraded.LoadSnapshotAsync("old", new SnapshotRange(0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue));
        Assert.Equal((3L, EventActors.Actors.Persistence.TopicSerializer.Id, "S"), (snapshot!.Sequence, snapshot.SerializerId, snapshot.Manifest));
        Assert.Equal(new EventActors.Actors.Persistence.TopicSnapshot(appended.Epoch, 0, 1, before.CreatedAt),
            EventActors.Actors.Persistence.TopicSerializer.ParseSnapshot(System.Text.Encoding.UTF8.GetString(snapshot.Data)));
    }

    [Theory]
    [InlineData(nameof(SqliteJournalOptions.MaxPendingWrites))]
    [InlineData(nameof(SqliteJournalOptions.MaxEventsPerAppend))]
    [InlineData(nameof(SqliteJournalOptions.MaxEventsPerTransaction))]
    [InlineData(nameof(SqliteJournalOptions.MaxEventBytes))]
    [InlineData(nameof(SqliteJournalOptions.MaxEventsPerRead))]
    [InlineData(nameof(SqliteJournalOptions.IdempotencyWindow))]
    [InlineData(nameof(SqliteJournalOptions.BusyTimeout))]
    [InlineData(nameof(SqliteJournalOptions.Path))]
    public void An_option_out_of_range_is_refused_with_a_message_naming_it(string setting)
    {
        var options = Options(Store);
        options = setting switch
        {
            nameof(SqliteJournalOptions.MaxPendingWrites) => options with { MaxPendingWrites = 0 },
            nameof(SqliteJournalOptions.MaxEventsPerAppend) => options with { MaxEventsPerAppend = -1 },
            nameof(SqliteJournalOptions.MaxEventsPerTransaction) => options with { MaxEventsPerTransaction = options.MaxEventsPerAppend - 1 },
            nameof(SqliteJournalOptions.MaxEventBytes) => options with { MaxEventBytes = 0 },
            nameof(SqliteJournalOptions.MaxEventsPerRead) => options with { MaxEventsPerRead = 0 },
            nameof(SqliteJournalOptions.IdempotencyWindow) => options with { IdempotencyWindow = TimeSpan.Zero },
            nameof(SqliteJournalOptions.BusyTimeout) => options with { BusyTimeout = TimeSpan.FromSeconds(-1) },
            _ => options with { Path = " " },
        };

        var error = Assert.ThrowsAny<ArgumentException>(() => SqliteJournal.Open(options));

        Assert.Contains($"SqliteJournalOptions.{setting}", error.Message);
        Assert.Equal(setting, error.ParamName);
    }

    [Fact]
    public void The_defaults_are_valid_and_durable_across_a_process_crash()
    {
        var defaults = new SqliteJournalOptions { Path = "journal.db" };

        defaults.Validate();

        Assert.Equal(SqliteSynchronousMode.Normal, defaults.Synchronous);
        Assert.Equal(TimeSpan.FromHours(24), defaults.IdempotencyWindow);
    }

    [Fact]
    public async Task Appends_beyond_the_limits_are_refused_at_the_call()
    {
        var strict = SqliteJournal.Open(Options(Store) with { MaxEventsPerAppend = 2, MaxEventBytes = 4 });
        try
        {
            Assert.Throws<ArgumentException>(() => { _ = strict.AppendAsync(new AppendRequest(Topic("t"), 0, [Event("a"), Event("b"), Event("c")])); });
            Assert.Throws<ArgumentException>(() => { _ = strict.AppendAsync(new AppendRequest(Topic("t"), 0, [])); });
            Assert.Throws<ArgumentException>(() => { _ = strict.AppendAsync(new AppendRequest(Topic("t"), 0, [Event("12345")])); });
            Assert.Throws<ArgumentException>(() => { _ = strict.AppendAsync(new AppendRequest(default, 0, [Event("a")])); });
            Assert.Equal(2UL, (await strict.AppendAsync(new AppendRequest(Topic("t"), 0, [Event("1234"), Event("b")]))).Head);
        }
        finally
        {
            await strict.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_database_is_in_WAL_mode()
    {
        await AppendTexts(Topic("t"), 0, "a");

        await using var connection = new SqliteConnection($"Data Source={DatabasePath(Store)};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Readers_are_not_blocked_by_a_write_transaction_in_progress()
    {
        await AppendTexts(Topic("t"), 0, "committed");

        await using var foreignWriter = await HoldWriteLock();
        await using (var insert = foreignWriter.CreateCommand())
        {
            insert.CommandText = "UPDATE topics SET head = 99;";
            await insert.ExecuteNonQueryAsync();
        }

        var page = await Journal.ReadAsync(Topic("t"), 0, 100);

        Assert.Equal(1UL, page.Topic!.Head);
        Assert.Equal(["committed"], page.Events.Select(Text));
    }

    [Fact]
    public async Task Writes_that_arrive_during_a_commit_are_grouped_into_the_next_one()
    {
        var journal = (SqliteJournal)Journal;
        await AppendTexts(Topic("warm.up"), 0, "a");
        var commitsBefore = journal.Commits;

        // With the write lock held elsewhere, the writer's first group waits at BEGIN, and every
        // other append queues behind it: when the lock goes, two commits carry all of them.
        List<Task<AppendResult>> appends;
        await using (var foreignWriter = await HoldWriteLock())
        {
            appends = Enumerable.Range(0, 100).Select(i => AppendTexts(Topic($"grouped.t{i}"), 0, $"e{i}")).ToList();
            await foreignWriter.DisposeAsync();
        }

        await Task.WhenAll(appends);

        Assert.InRange(journal.Commits - commitsBefore, 1, 2);
    }

    [Fact]
    public async Task A_group_never_exceeds_the_events_per_transaction_limit_but_never_splits_an_append()
    {
        var journal = SqliteJournal.Open(Options(Store) with { MaxEventsPerAppend = 10, MaxEventsPerTransaction = 10 });
        try
        {
            List<Task<AppendResult>> appends;
            await using (var foreignWriter = await HoldWriteLock())
            {
                appends = Enumerable.Range(0, 6)
                    .Select(i => journal.AppendAsync(new AppendRequest(Topic($"limit.t{i}"), 0, Enumerable.Range(0, 6).Select(n => Event($"{n}")).ToList())))
                    .ToList();
                await foreignWriter.DisposeAsync();
            }

            await Task.WhenAll(appends);

            // 6 events each and at most 10 per transaction: one append per commit.
            Assert.Equal(6, journal.Commits);
            Assert.All(appends, a => Assert.Equal(6UL, a.Result.Head));
        }
        finally
        {
            await journal.DisposeAsync();
        }
    }

    [Fact]
    public async Task Writes_beyond_the_pending_limit_are_refused_as_overloaded_and_the_rest_complete()
    {
        var journal = SqliteJournal.Open(Options(Store) with { MaxPendingWrites = 5 });
        try
        {
            List<Task<AppendResult>> accepted;
            Task<AppendResult> refused;
            await using (var foreignWriter = await HoldWriteLock())
            {
                accepted = Enumerable.Range(0, 5).Select(i => journal.AppendAsync(new AppendRequest(Topic($"t{i}"), 0, [Event("a")]))).ToList();
                refused = journal.AppendAsync(new AppendRequest(Topic("t5"), 0, [Event("a")]));

                var overloaded = await Assert.ThrowsAsync<JournalOverloadedException>(() => refused);
                Assert.Equal(5, overloaded.Limit);
                await foreignWriter.DisposeAsync();
            }

            Assert.All(await Task.WhenAll(accepted), r => Assert.Equal(1UL, r.Head));
            Assert.Null(await journal.GetTopicAsync(Topic("t5")));
            Assert.Equal(1UL, (await journal.AppendAsync(new AppendRequest(Topic("t5"), 0, [Event("a")]))).Head);
        }
        finally
        {
            await journal.DisposeAsync();
        }
    }

    [Fact]
    public async Task Disposing_commits_every_write_accepted_before_it_and_refuses_the_rest()
    {
        var journal = SqliteJournal.Open(Options(Store));
        var appends = Enumerable.Range(0, 50).Select(i => journal.AppendAsync(new AppendRequest(Topic("closing"), null, [Event($"e{i}")]))).ToList();

        await journal.DisposeAsync();

        Assert.All(appends, a => Assert.True(a.IsCompletedSuccessfully));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => journal.AppendAsync(new AppendRequest(Topic("closing"), null, [Event("late")])));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => journal.ReadAsync(Topic("closing"), 0, 10));
        Assert.Equal(50UL, (await Journal.GetTopicAsync(Topic("closing")))!.Head);
    }

    [Fact]
    public async Task A_closed_journal_lets_go_of_its_file()
    {
        var journal = SqliteJournal.Open(Options(Store) with { Path = Path.Combine(Store, "closed.db") });
        await journal.AppendAsync(new AppendRequest(Topic("t"), 0, [Event("a")]));

        // A deadline, not a timing assertion: a hang here would otherwise hang the whole run.
        await journal.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));

        File.Delete(Path.Combine(Store, "closed.db"));
        Assert.False(File.Exists(Path.Combine(Store, "closed.db-wal")));
    }

    [Fact]
    public async Task Expired_idempotency_keys_are_pruned_from_the_database()
    {
        await Journal.AppendAsync(new AppendRequest(Topic("t"), 0, [Event("a", key: "old")]));
        Clock.Advance(IdempotencyWindow + TimeSpan.FromMinutes(5));

        await Journal.AppendAsync(new AppendRequest(Topic("t"), 1, [Event("b", key: "new")]));

        await using var connection = new SqliteConnection($"Data Source={DatabasePath(Store)};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(key) FROM idempotency_keys;";
        Assert.Equal("new", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_database_written_by_a_newer_schema_is_refused()
    {
        var newer = Path.Combine(Store, "newer.db");
        await using (var connection = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            await command.ExecuteNonQueryAsync();
        }

        var error = Assert.Throws<InvalidOperationException>(() => SqliteJournal.Open(Options(Store) with { Path = newer }));

        Assert.Contains("schema version 99", error.Message);
    }

    /// <summary>Takes SQLite's write lock on the test's database from a connection of its own; disposing releases it.</summary>
    private async Task<SqliteConnection> HoldWriteLock()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath(Store)};Pooling=False");
        await connection.OpenAsync();
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE;";
        await begin.ExecuteNonQueryAsync();
        return connection;
    }
}
