using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Fixtures;
using Npgsql;
using Xunit;

namespace EventActors.Actors.Tests.Journal;

/// <summary>
/// The journal contract against a real PostgreSQL server (see <see cref="TestPostgres"/>); each
/// test's store is a schema of its own. Then what only the PostgreSQL journal promises: a
/// versioned schema, group commit, and failing fast while the database is down.
/// </summary>
public sealed class PostgresJournalTests : JournalContractTests
{
    protected override Task<string> CreateStoreAsync() => Task.FromResult(TestPostgres.NewSchema("contract"));

    protected override IEventJournal OpenJournal(string store, TimeProvider clock, TimeSpan idempotencyWindow) =>
        // The contract opens synchronously; Npgsql's async calls do not need this thread back.
        PostgresJournal.OpenAsync(new PostgresJournalOptions
        {
            ConnectionString = TestPostgres.ConnectionString,
            Schema = store,
            TimeProvider = clock,
            IdempotencyWindow = idempotencyWindow,
        }).GetAwaiter().GetResult();

    protected override async Task DeleteStoreAsync(string store)
    {
        await TestPostgres.DropSchemaAsync(store);
    }

    private PostgresJournalOptions Options(string schema, string? connectionString = null) => new()
    {
        ConnectionString = connectionString ?? TestPostgres.ConnectionString,
        Schema = schema,
        ReconnectInterval = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task The_schema_is_created_once_and_its_migrations_are_recorded()
    {
        await AppendTexts(Topic("a"), 0, "x");
        await using var second = await PostgresJournal.OpenAsync(Options(Store));

        var recorded = await TestPostgres.ScalarAsync($"SELECT string_agg(version::text || ':' || description, ',') FROM {Store}.schema_migrations;");

        Assert.Equal("1:topics, events and idempotency keys,2:Akka.Persistence snapshots; each topic's state as its first one", recorded);
        Assert.Equal(1UL, (await second.GetTopicAsync(Topic("a")))!.Head);
    }

    [Fact]
    public async Task A_topic_written_before_snapshots_existed_gets_its_state_as_a_snapshot_when_the_schema_is_upgraded()
    {
        var appended = await AppendTexts(Topic("old"), 0, ["a", "b", "c"]);
        var before = (await Journal.GetTopicAsync(Topic("old")))!;
        // Back to version 1, as a database written by the previous release is.
        await TestPostgres.ScalarAsync($"DROP TABLE {Store}.snapshots; DELETE FROM {Store}.schema_migrations WHERE version = 2; SELECT 1;");

        await using var upgraded = await PostgresJournal.OpenAsync(Options(Store));

        var snapshot = await upgraded.LoadSnapshotAsync("old", new SnapshotRange(0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue));
        Assert.Equal((3L, EventActors.Actors.Persistence.TopicSerializer.Id, "S"), (snapshot!.Sequence, snapshot.SerializerId, snapshot.Manifest));
        Assert.Equal(new EventActors.Actors.Persistence.TopicSnapshot(appended.Epoch, 0, 1, before.CreatedAt),
            EventActors.Actors.Persistence.TopicSerializer.ParseSnapshot(System.Text.Encoding.UTF8.GetString(snapshot.Data)));
    }

    [Fact]
    public async Task A_schema_migrated_by_a_newer_version_is_refused_and_left_alone()
    {
        await TestPostgres.ScalarAsync($"INSERT INTO {Store}.schema_migrations (version, description) VALUES (99, 'from the future');");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresJournal.OpenAsync(Options(Store)));

        Assert.Contains("version 99", refused.Message);
        Assert.Equal(3L, await TestPostgres.ScalarAsync($"SELECT count(*) FROM {Store}.schema_migrations;")); // its own two and the one from the future
    }

    [Theory]
    [InlineData("Schema", "UPPER")]
    [InlineData("Schema", "1abc")]
    [InlineData("Schema", "a;drop")]
    [InlineData("ConnectionString", "Host=x;NoSuchSetting=1")]
    public async Task Invalid_options_are_refused_naming_the_setting(string setting, string value)
    {
        var options = setting == "Schema" ? Options(value) : Options(Store, connectionString: value);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => PostgresJournal.OpenAsync(options));

        Assert.Contains($"PostgresJournalOptions.{setting}", error.Message);
    }

    [Fact]
    public async Task Appends_that_arrive_during_a_commit_share_the_next_one()
    {
        var journal = (PostgresJournal)Journal;
        await AppendTexts(Topic("held"), 0, "a");
        var commitsBefore = journal.Commits;

        // Another connection holds the topic's row lock: the writer's next group waits on it,
        // and every append submitted meanwhile queues behind that group.
        await using var foreign = new NpgsqlConnection(TestPostgres.ConnectionString);
        await foreign.OpenAsync();
        await using var transaction = await foreign.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand($"SELECT head FROM {Store}.topics WHERE name = 'held' FOR UPDATE;", foreign, transaction))
        {
            await hold.ExecuteScalarAsync();
        }

        var blocked = AppendTexts(Topic("held"), 1, "b");
        await WaitUntil(async () => (long)(await TestPostgres.ScalarAsync(
            $"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%{Store}.topics%'"))! == 1);
        var queued = Enumerable.Range(0, 100).Select(i => AppendTexts(Topic($"grouped.t{i}"), 0, $"e{i}")).ToList();
        await transaction.RollbackAsync();
        await Task.WhenAll(queued.Append(blocked));

        Assert.Equal(2, journal.Commits - commitsBefore);
        Assert.All(queued, append => Assert.Equal(1UL, append.Result.Head));
    }

    [Fact]
    public async Task While_the_database_is_down_writes_fail_at_once_and_the_journal_recovers_by_itself()
    {
        await using var server = await ThrowawayPostgres.StartAsync();
        await using var journal = await PostgresJournal.OpenAsync(Options("outage", server.ConnectionString));
        var topic = Topic("outage.t");
        Assert.Equal(1UL, (await journal.AppendAsync(new AppendRequest(topic, 0, [Event("before")]))).Head);

        await server.StopAsync();

        // The first write finds out. Its statement carried the commit, and a client cannot tell
        // whether a statement cut off on a dead connection ran, so it may say "outcome unknown"
        // (here it cannot have run: the server was gone before it was sent).
        await Assert.ThrowsAsync<JournalUnreachableException>(() => journal.AppendAsync(new AppendRequest(topic, 1, [Event("lost")])));
        Assert.False(journal.IsReachable);
        // Later ones fail before reaching the writer, and reads too, with a message that says what to do.
        var next = await Assert.ThrowsAsync<JournalUnreachableException>(() => journal.AppendAsync(new AppendRequest(topic, 1, [Event("refused")])));
        Assert.False(next.OutcomeUnknown);
        Assert.Contains("reconnects by itself", next.Message);
        await Assert.ThrowsAsync<JournalUnreachableException>(() => journal.ReadAsync(topic, 0, 10));

        await server.ResumeAsync();
        await WaitUntil(() => Task.FromResult(journal.IsReachable));

        var after = await journal.AppendAsync(new AppendRequest(topic, 1, [Event("after")]));
        var page = await journal.ReadAsync(topic, 0, 10);
        Assert.Equal(2UL, after.Head);
        Assert.Equal(["before", "after"], page.Events.Select(Text));
    }

    /// <summary>Polls a condition that another process makes true; fails after a minute rather than hanging.</summary>
    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within a minute");
            await Task.Delay(20);
        }
    }
}
