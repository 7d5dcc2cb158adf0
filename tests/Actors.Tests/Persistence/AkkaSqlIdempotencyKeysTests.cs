using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using EventActors.Actors.Journal;
using EventActors.Actors.Persistence.AkkaSql;
using EventActors.Actors.Tests.Journal;
using EventActors.Protocol;
using LinqToDB;
using LinqToDB.Data;
using Xunit;

namespace EventActors.Actors.Tests.Persistence;

/// <summary>
/// <see cref="AkkaSqlIdempotencyKeys"/> against a real database and a real actor system with
/// Akka.Persistence.Sql as its journal: events are persisted by <see cref="PluginWriter"/>, so a
/// key is only ever verified against what Akka.Persistence.Sql really stored. Run on each
/// database the "akka-sql" choice is tested with.
/// </summary>
public abstract class AkkaSqlIdempotencyKeysTests : IAsyncLifetime
{
    private static readonly TimeSpan s_window = TimeSpan.FromHours(24);

    private TestKit _kit = null!;
    private AkkaSqlIdempotencyKeys _keys = null!;

    private ManualClock Clock { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The linq2db provider name, as Akka.Persistence.Sql's <c>provider-name</c>.</summary>
    protected abstract string ProviderName { get; }

    /// <summary>The schema both Akka.Persistence.Sql's tables and the keys' table live in, or null.</summary>
    protected abstract string? Schema { get; }

    /// <summary>Starts the database and returns its connection string.</summary>
    protected abstract Task<string> StartDatabaseAsync();

    /// <summary>Removes the database, after the actor system has stopped.</summary>
    protected abstract Task StopDatabaseAsync();

    private string ConnectionString { get; set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await StartDatabaseAsync();
        var schema = Schema is null ? "" : $", default.schema-name = \"{Schema}\"";
        var plugin = $"connection-string = \"{ConnectionString}\", provider-name = \"{ProviderName}\"{schema}";
        var config = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.journal.sql { {{plugin}}, auto-initialize = true }
            akka.persistence.snapshot-store.sql { {{plugin}}, auto-initialize = true }
            akka.persistence.query.journal.sql { {{plugin}}, refresh-interval = 1s }
            akka.test.single-expect-default = 60s
            akka.test.default-timeout = 60s
            akka.loglevel = WARNING
            """).WithFallback(Actors.Persistence.TopicPersistence.Plugins).WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
        _kit = new TestKit(ActorSystem.Create("akka-sql-keys", config));
        _keys = await OpenAsync();
    }

    public async Task DisposeAsync()
    {
        await _keys.DisposeAsync();
        await _kit.Sys.Terminate();
        await StopDatabaseAsync();
    }

    [Fact]
    public async Task A_recorded_key_whose_event_was_persisted_is_found_with_its_sequence_number()
    {
        var topic = Start("news.world");
        await _keys.RecordAsync(Name("news.world"), [new("publish-1", 1)]);
        Assert.Equal(1, Persist(topic, ("first", "publish-1")));

        // Straight after the persist succeeded: the read journal sees what the journal committed.
        var found = await _keys.FindAsync(Name("news.world"), ["publish-1"], after: 0);

        Assert.Equal(new Dictionary<string, ulong> { ["publish-1"] = 1 }, found);
    }

    [Fact]
    public async Task A_recorded_key_whose_event_was_never_persisted_is_not_found()
    {
        var topic = Start("news.world");
        Assert.Equal(2, Persist(topic, ("one", null), ("two", null)));
        await _keys.RecordAsync(Name("news.world"), [new("lost", 3)]); // the persist of 3 "failed": it never happened

        Assert.Empty(await _keys.FindAsync(Name("news.world"), ["lost"], after: 0));
    }

    [Fact]
    public async Task A_recorded_key_whose_sequence_number_went_to_another_event_is_not_found()
    {
        var topic = Start("chat.room1");
        await _keys.RecordAsync(Name("chat.room1"), [new("lost", 1)]);
        // The persist of "lost" failed; the restarted topic numbered its next publishes 1 and 2 again.
        await _keys.RecordAsync(Name("chat.room1"), [new("kept", 1)]);
        Assert.Equal(1, Persist(topic, ("kept", "kept")));
        await _keys.RecordAsync(Name("chat.room1"), [new("lost-too", 2)]);
        Assert.Equal(2, Persist(topic, ("no key", null)));

        var found = await _keys.FindAsync(Name("chat.room1"), ["lost", "kept", "lost-too"], after: 0);

        Assert.Equal(new Dictionary<string, ulong> { ["kept"] = 1 }, found);
    }

    [Fact]
    public async Task A_confirmed_key_is_still_found_once_retention_has_deleted_its_event()
    {
        var topic = Start("news.sports");
        await _keys.RecordAsync(Name("news.sports"), [new("kept", 1), new("unconfirmed", 2)]);
        Assert.Equal(3, Persist(topic, ("1", "kept"), ("2", "unconfirmed"), ("3", null)));
        await _keys.ConfirmAsync(Name("news.sports"), [new("kept", 1)]);
        await _keys.ConfirmAsync(Name("news.sports"), [new("unconfirmed", 7)]); // not its sequence number: changes nothing

        topic.Tell(new PluginWriter.DeleteTo(2));
        _kit.ExpectMsg<Akka.Persistence.DeleteMessagesSuccess>();

        // The confirmed key outlives its event, as in our journals; an unconfirmed one cannot be
        // checked any more, so it is not trusted.
        Assert.Equal(new Dictionary<string, ulong> { ["kept"] = 1 }, await _keys.FindAsync(Name("news.sports"), ["kept", "unconfirmed"], after: 0));
    }

    [Fact]
    public async Task A_key_at_or_before_after_is_not_found()
    {
        var topic = Start("stocks.AAPL");
        await _keys.RecordAsync(Name("stocks.AAPL"), [new("a", 1), new("b", 2), new("c", 3)]);
        Assert.Equal(3, Persist(topic, ("1", "a"), ("2", "b"), ("3", "c")));

        var found = await _keys.FindAsync(Name("stocks.AAPL"), ["a", "b", "c"], after: 2);

        Assert.Equal(new Dictionary<string, ulong> { ["c"] = 3 }, found);
    }

    [Fact]
    public async Task A_key_older_than_the_window_is_not_found_and_purging_removes_it()
    {
        var topic = Start("news.sports");
        await _keys.RecordAsync(Name("news.sports"), [new("old", 1)]);
        Assert.Equal(1, Persist(topic, ("old", "old")));
        Clock.Advance(s_window / 2);
        await _keys.RecordAsync(Name("news.sports"), [new("new", 2)]);
        Assert.Equal(2, Persist(topic, ("new", "new")));

        Clock.Advance(s_window / 2 - TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, (await _keys.FindAsync(Name("news.sports"), ["old", "new"], after: 0)).Count);
        Assert.Equal(0, await _keys.PurgeAsync());

        Clock.Advance(TimeSpan.FromMilliseconds(1)); // "old" is now exactly a window old
        Assert.Equal(new Dictionary<string, ulong> { ["new"] = 2 }, await _keys.FindAsync(Name("news.sports"), ["old", "new"], after: 0));
        Assert.Equal(1, await _keys.PurgeAsync());
        Assert.Equal(1, await CountRowsAsync());
        Assert.Equal(new Dictionary<string, ulong> { ["new"] = 2 }, await _keys.FindAsync(Name("news.sports"), ["old", "new"], after: 0));
    }

    [Fact]
    public async Task Purging_deletes_a_backlog_in_several_statements_and_keeps_what_is_in_the_window()
    {
        await using var keys = await OpenAsync(purgeBatchSize: 10);
        for (var i = 0; i < 5; i++)
        {
            await keys.RecordAsync(Name("metrics.cpu"), [.. Enumerable.Range(1, 7).Select(k => new KeyValuePair<string, ulong>($"{i}-{k}", (ulong)(i * 7 + k)))]);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await keys.RecordAsync(Name("metrics.cpu"), [new("fresh", 36)]);
        Clock.Advance(s_window - TimeSpan.FromSeconds(1));

        Assert.Equal(35, await keys.PurgeAsync());
        Assert.Equal(1, await CountRowsAsync());
    }

    [Fact]
    public async Task Expired_keys_are_purged_in_the_background()
    {
        await using var keys = await OpenAsync(purgeInterval: TimeSpan.FromMilliseconds(50));
        await keys.RecordAsync(Name("news.world"), [new("a", 1), new("b", 2)]);
        Clock.Advance(s_window);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (await CountRowsAsync() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the expired keys were not purged within a minute");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Recording_the_same_key_again_replaces_the_old_record()
    {
        var topic = Start("orders.eu");
        await _keys.RecordAsync(Name("orders.eu"), [new("retry", 1)]);
        Assert.Equal(1, Persist(topic, ("first", "retry")));
        Clock.Advance(s_window); // forgotten: the topic appends it anew, and records it again
        await _keys.RecordAsync(Name("orders.eu"), [new("retry", 2)]);
        Assert.Equal(2, Persist(topic, ("second", "retry")));

        Assert.Equal(new Dictionary<string, ulong> { ["retry"] = 2 }, await _keys.FindAsync(Name("orders.eu"), ["retry"], after: 0));

        Clock.Advance(s_window - TimeSpan.FromMilliseconds(1)); // the new record's time counts, not the old one's
        Assert.Equal(new Dictionary<string, ulong> { ["retry"] = 2 }, await _keys.FindAsync(Name("orders.eu"), ["retry"], after: 0));

        await _keys.RecordAsync(Name("orders.eu"), [new("retry", 3)]); // a record whose persist fails
        Assert.Empty(await _keys.FindAsync(Name("orders.eu"), ["retry"], after: 0));
        Assert.Equal(1, await CountRowsAsync());
    }

    [Fact]
    public async Task Several_keys_at_once_are_found_where_their_events_carry_them()
    {
        var topic = Start("users.42.notifications");
        var other = Start("users.43.notifications");
        await _keys.RecordAsync(Name("users.42.notifications"), [new("a", 1), new("b", 2), new("c", 3), new("no-key-event", 4)]);
        Assert.Equal(4, Persist(topic, ("a", "a"), ("b", "b"), ("c", "c"), ("no key", null)));
        // A batch far ahead, so the verifying reads cover two runs of sequence numbers.
        var filler = Enumerable.Range(5, 195).Select(i => ($"filler {i}", (string?)null));
        await _keys.RecordAsync(Name("users.42.notifications"), [new("far", 200)]);
        Assert.Equal(200, Persist(topic, [.. filler, ("far", "far")]));
        await _keys.RecordAsync(Name("users.42.notifications"), [new("unpersisted", 201)]);
        await _keys.RecordAsync(Name("users.43.notifications"), [new("elsewhere", 1)]);
        Assert.Equal(1, Persist(other, ("elsewhere", "elsewhere")));

        var found = await _keys.FindAsync(Name("users.42.notifications"), ["a", "c", "far", "no-key-event", "unpersisted", "never-recorded", "elsewhere", "A"], after: 0);

        Assert.Equal(new Dictionary<string, ulong> { ["a"] = 1, ["c"] = 3, ["far"] = 200 }, found);
    }

    [Fact]
    public async Task Invalid_settings_are_refused_naming_the_setting()
    {
        Assert.Equal("IdempotencyWindow", (await Assert.ThrowsAsync<ArgumentException>(() => OpenAsync(window: TimeSpan.Zero))).ParamName);
        Assert.Equal("ProviderName", (await Assert.ThrowsAsync<ArgumentException>(() => AkkaSqlIdempotencyKeys.OpenAsync(_kit.Sys, Options() with { ProviderName = "NoSuchDatabase" }))).ParamName);
        Assert.Equal("Schema", (await Assert.ThrowsAsync<ArgumentException>(() => AkkaSqlIdempotencyKeys.OpenAsync(_kit.Sys, Options() with { Schema = "Bad-Schema" }))).ParamName);
        Assert.Equal("ReadJournalPluginId", (await Assert.ThrowsAsync<ArgumentException>(() =>
            AkkaSqlIdempotencyKeys.OpenAsync(_kit.Sys, Options() with { ReadJournalPluginId = "akka.persistence.query.journal.missing" }))).ParamName);
        await Assert.ThrowsAsync<ArgumentException>(() => _keys.RecordAsync(Name("news.world"), [new("", 1)]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _keys.RecordAsync(Name("news.world"), [new("k", 0)]));
    }

    private AkkaSqlIdempotencyKeysOptions Options() => new()
    {
        ProviderName = ProviderName,
        ConnectionString = ConnectionString,
        Schema = Schema,
        TimeProvider = Clock,
        // Long enough never to run during a test, unless the test asks for it.
        PurgeInterval = TimeSpan.FromHours(1),
    };

    private Task<AkkaSqlIdempotencyKeys> OpenAsync(TimeSpan? window = null, TimeSpan? purgeInterval = null, int? purgeBatchSize = null)
    {
        var options = Options();
        return AkkaSqlIdempotencyKeys.OpenAsync(_kit.Sys, options with
        {
            IdempotencyWindow = window ?? s_window,
            PurgeInterval = purgeInterval ?? options.PurgeInterval,
            PurgeBatchSize = purgeBatchSize ?? options.PurgeBatchSize,
        });
    }

    private async Task<long> CountRowsAsync()
    {
        await using var connection = new DataConnection(new DataOptions().UseConnectionString(ProviderName, ConnectionString));
        var table = Schema is null ? "eventactors_idempotency_keys" : $"{Schema}.eventactors_idempotency_keys";
        return await connection.ExecuteAsync<long>($"SELECT COUNT(*) FROM {table}");
    }

    private static TopicName Name(string topic) => TopicName.Parse(topic);

    private IActorRef Start(string topic)
    {
        var writer = _kit.Sys.ActorOf(PluginWriter.Props(topic, _kit.TestActor));
        _kit.ExpectMsg<PluginWriter.Recovered>();
        return writer;
    }

    /// <summary>Persists events carrying these keys (or none) in one batch; returns the last one's sequence number.</summary>
    private long Persist(IActorRef writer, params (string Text, string? Key)[] events)
    {
        writer.Tell(new PluginWriter.Write([.. events.Select(e => new NewEvent(System.Text.Encoding.UTF8.GetBytes(e.Text), idempotencyKey: e.Key))]));
        return _kit.ExpectMsg<PluginWriter.Written>().LastSequence;
    }
}
