using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using EventActors.Actors.Journal;
using Xunit;

namespace EventActors.Actors.Tests.Persistence;

/// <summary>
/// What the host relies on from an Akka.Persistence journal, run against each journal it can
/// use: our SQLite and PostgreSQL plugins and Akka.Persistence.Sql. Everything goes through
/// Akka.Persistence (a persistent actor, the read journal); nothing here knows how a journal
/// stores its data.
/// </summary>
public abstract class PluginContractTests : IAsyncLifetime
{
    private const string TestKitDefaults = """
        akka.test.single-expect-default = 60s
        akka.test.default-timeout = 60s
        akka.loglevel = WARNING
        """;

    private TestKit _kit = null!;

    /// <summary>The actor system's config for this journal: its plugins as the defaults.</summary>
    protected abstract Task<(Config Config, Setup? Setup)> StartJournalAsync();

    /// <summary>The read journal's plugin id.</summary>
    protected abstract string QueryPluginId { get; }

    /// <summary>Disposes the journal and removes its store, after the actor system has stopped.</summary>
    protected abstract Task StopJournalAsync();

    protected TestKit Kit => _kit;

    public async Task InitializeAsync()
    {
        var (config, setup) = await StartJournalAsync();
        var bootstrap = BootstrapSetup.Create().WithConfig(config.WithFallback(ConfigurationFactory.ParseString(TestKitDefaults)));
        var system = ActorSystem.Create("plugin-contract", setup is null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, setup));
        _kit = new TestKit(system);
    }

    public async Task DisposeAsync()
    {
        await Kit.Sys.Terminate();
        await StopJournalAsync();
    }

    [Fact]
    public async Task Batches_recover_in_order_with_consecutive_sequence_numbers()
    {
        var writer = Start("news.world");
        Assert.Equal(5, await WriteAsync(writer, "a", "b", "c", "d", "e"));
        Assert.Equal(7, await WriteAsync(writer, "f", "g"));

        var recovered = await RestartAsync(writer, "news.world");

        Assert.Equal([(1L, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e"), (6, "f"), (7, "g")], recovered.Events);
        Assert.Equal(7, recovered.LastSequence);
    }

    [Fact]
    public async Task A_second_writer_of_the_same_topic_is_turned_away()
    {
        var first = Start("chat.room1");
        var second = Start("chat.room1"); // both recovered at 0: each believes it is the writer
        Assert.Equal(1, await WriteAsync(first, "from the first"));

        second.Tell(PluginWriter.Write.Of("from the second"));

        var refused = Kit.ExpectMsg<object>();
        Assert.True(refused is PluginWriter.PersistFailed or PluginWriter.PersistRejected, $"expected a failed or rejected write, got {refused}");
        var recovered = await RecoverAsync("chat.room1");
        Assert.Equal([(1L, "from the first")], recovered.Events);
    }

    [Fact]
    public async Task A_query_reads_from_a_sequence_number_in_order()
    {
        var writer = Start("stocks.AAPL");
        Assert.Equal(10, await WriteAsync(writer, [.. Enumerable.Range(1, 10).Select(i => $"tick {i}")]));

        var envelopes = await ReadJournal<ICurrentEventsByPersistenceIdQuery>()
            .CurrentEventsByPersistenceId("stocks.AAPL", 4, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), Kit.Sys.Materializer());

        Assert.Equal(Enumerable.Range(4, 7).Select(i => (long)i), envelopes.Select(e => e.SequenceNr));
        Assert.Equal(Enumerable.Range(4, 7).Select(i => $"tick {i}"), envelopes.Select(e => PluginWriter.Text((NewEvent)e.Event)));
    }

    [Fact]
    public async Task Deleting_a_prefix_leaves_the_rest_and_the_highest_sequence_number()
    {
        var writer = Start("news.sports");
        Assert.Equal(10, await WriteAsync(writer, [.. Enumerable.Range(1, 10).Select(i => $"e{i}")]));

        writer.Tell(new PluginWriter.DeleteTo(4));
        Kit.ExpectMsg<DeleteMessagesSuccess>();

        var recovered = await RestartAsync(writer, "news.sports");
        Assert.Equal(Enumerable.Range(5, 6).Select(i => ((long)i, $"e{i}")), recovered.Events);
        var fromStart = await ReadJournal<ICurrentEventsByPersistenceIdQuery>()
            .CurrentEventsByPersistenceId("news.sports", 1, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), Kit.Sys.Materializer());
        Assert.Equal(Enumerable.Range(5, 6).Select(i => (long)i), fromStart.Select(e => e.SequenceNr));
    }

    [Fact]
    public async Task Deleting_everything_keeps_numbering_after_the_old_head()
    {
        var writer = Start("users.42.notifications");
        Assert.Equal(3, await WriteAsync(writer, "one", "two", "three"));
        writer.Tell(new PluginWriter.DeleteTo(3));
        Kit.ExpectMsg<DeleteMessagesSuccess>();

        var restarted = Start("users.42.notifications", out var recovered, after: writer);
        Assert.Empty(recovered.Events);
        Assert.Equal(3, recovered.LastSequence);
        Assert.Equal(4, await WriteAsync(restarted, "four"));
    }

    [Fact]
    public async Task Recovery_starts_from_the_latest_snapshot_and_replays_only_what_follows()
    {
        var writer = Start("dashboards.cpu");
        Assert.Equal(5, await WriteAsync(writer, "1", "2", "3", "4", "5"));
        writer.Tell(new PluginWriter.TakeSnapshot("state at 5"));
        Assert.Equal(5, Kit.ExpectMsg<SaveSnapshotSuccess>().Metadata.SequenceNr);
        Assert.Equal(8, await WriteAsync(writer, "6", "7", "8"));

        var recovered = await RestartAsync(writer, "dashboards.cpu");

        Assert.Equal("state at 5", recovered.Snapshot);
        Assert.Equal(5, recovered.SnapshotSequence);
        Assert.Equal([(6L, "6"), (7, "7"), (8, "8")], recovered.Events);
    }

    [Fact]
    public async Task A_live_query_delivers_events_committed_after_it_started()
    {
        var writer = Start("news.live");
        Assert.Equal(1, await WriteAsync(writer, "before"));

        var received = ReadJournal<IEventsByPersistenceIdQuery>()
            .EventsByPersistenceId("news.live", 1, long.MaxValue)
            .Take(3)
            .RunWith(Sink.Seq<EventEnvelope>(), Kit.Sys.Materializer());
        Assert.Equal(3, await WriteAsync(writer, "after 1", "after 2"));

        var envelopes = await received.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(["before", "after 1", "after 2"], envelopes.Select(e => PluginWriter.Text((NewEvent)e.Event)));
    }

    private T ReadJournal<T>() where T : IReadJournal => PersistenceQuery.Get(Kit.Sys).ReadJournalFor<T>(QueryPluginId);

    protected IActorRef Start(string persistenceId) => Start(persistenceId, out _);

    protected IActorRef Start(string persistenceId, out PluginWriter.Recovered recovered, IActorRef? after = null)
    {
        if (after is not null)
        {
            Kit.Watch(after);
            Kit.Sys.Stop(after);
            Kit.ExpectTerminated(after);
        }

        var writer = Kit.Sys.ActorOf(PluginWriter.Props(persistenceId, Kit.TestActor));
        recovered = Kit.ExpectMsg<PluginWriter.Recovered>();
        return writer;
    }

    protected Task<PluginWriter.Recovered> RestartAsync(IActorRef writer, string persistenceId)
    {
        Start(persistenceId, out var recovered, after: writer);
        return Task.FromResult(recovered);
    }

    protected Task<PluginWriter.Recovered> RecoverAsync(string persistenceId)
    {
        Start(persistenceId, out var recovered);
        return Task.FromResult(recovered);
    }

    protected Task<long> WriteAsync(IActorRef writer, params string[] texts)
    {
        writer.Tell(PluginWriter.Write.Of(texts));
        return Task.FromResult(Kit.ExpectMsg<PluginWriter.Written>().LastSequence);
    }
}
