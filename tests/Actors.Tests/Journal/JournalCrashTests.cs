using System.Diagnostics;
using System.Globalization;
using System.Text;
using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Actors.Persistence;
using EventActors.Actors.Topics;
using EventActors.Fixtures;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Journal;

/// <summary>
/// Crash safety, for real, for both journals, on the path a node takes: a child process
/// (tests/JournalCrashWriter) runs an actor system with our Akka.Persistence plugins and a
/// topics' shard region, publishes self-describing batches to its topics and prints each
/// batch only once its topic acknowledged it (<see cref="PublishAccepted"/>, sent after the
/// commit). The test kills it with SIGKILL while it is still publishing, then makes this test's
/// actor system the restarted node (the same plugins on the same database) and checks, through
/// the read journal, that every acknowledged batch is there, whole, at the sequence numbers it
/// was acknowledged with, that no batch is there in part, and that every topic recovers to the
/// head the journal holds and numbers on from it.
/// </summary>
public sealed class JournalCrashTests : ActorTest, IAsyncLifetime
{
    /// <summary>Acknowledged batches to see before the kill: enough that the kill lands mid-stream with many group commits behind it.</summary>
    private const int AcknowledgementsBeforeKill = 200;

    /// <summary>How long the writer may take to start and acknowledge that many: only a writer that hangs or fails gets near it.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private readonly string _directory = TemporaryDirectory.Create("journal-crash");
    private readonly TopicStorageSetup _storage;
    private IEventJournal? _journal;
    private string? _schema;

    public JournalCrashTests() : this(new TopicStorageSetup())
    {
    }

    // The journal is attached after the kill: the plugins start with the first topic, which is after that.
    private JournalCrashTests(TopicStorageSetup storage) : base(storage, null, TopicPersistence.AsDefault) => _storage = storage;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Shutdown(); // the plugins use the journal until the actor system has stopped
        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }

        if (_schema is not null)
        {
            await TestPostgres.DropSchemaAsync(_schema);
        }

        TemporaryDirectory.Delete(_directory);
    }

    [Theory]
    [InlineData(SqliteSynchronousMode.Normal)]
    [InlineData(SqliteSynchronousMode.Full)]
    public async Task A_sqlite_node_killed_while_publishing_loses_no_acknowledged_event_leaves_no_partial_batch_and_its_topics_recover(SqliteSynchronousMode mode)
    {
        var database = Path.Combine(_directory, "journal.db");
        var acknowledged = await RunWriterUntilKilled("sqlite", database, mode.ToString());
        var journal = SqliteJournal.Open(new SqliteJournalOptions { Path = database });
        _journal = journal;
        await CheckAfterTheCrash(journal, journal.Options.MaxEventsPerAppend, acknowledged);
    }

    [Fact]
    public async Task A_postgres_node_killed_while_publishing_loses_no_acknowledged_event_leaves_no_partial_batch_and_its_topics_recover()
    {
        _schema = TestPostgres.NewSchema("crash");
        var acknowledged = await RunWriterUntilKilled("postgres", TestPostgres.ConnectionString, _schema);
        var journal = await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = TestPostgres.ConnectionString, Schema = _schema });
        _journal = journal;
        await CheckAfterTheCrash(journal, journal.Options.MaxEventsPerAppend, acknowledged);
    }

    private async Task CheckAfterTheCrash(IEventJournal journal, int maxEventsPerAppend, List<Acknowledgement> acknowledged)
    {
        _storage.Attach(journal, maxEventsPerAppend);
        var history = new TopicHistory(Sys, TopicPersistence.QueryId);
        var services = new TopicServices(new JournalIdempotencyKeys(journal), history);
        var settings = new TopicSettings(RingSize: 64, RingMaxBytes: 1 << 20, IdleTimeout: TimeSpan.FromMinutes(10));

        // Which topics have events, and their heads, from the journal itself; the events from the read journal.
        var topics = await journal.ListTopicsAsync(null, 100);
        Assert.Subset(topics.Select(t => t.Topic).ToHashSet(), acknowledged.Select(a => a.Topic).ToHashSet());

        var found = new Dictionary<long, List<FoundEvent>>();
        foreach (var (topic, _, head, _, _) in topics)
        {
            // Gap-free from 1 to the head: nothing was trimmed, and a crash never skips a sequence number.
            var events = await ReadAllAsync(history, topic);
            Assert.Equal(Enumerable.Range(1, (int)head).Select(i => (ulong)i), events.Select(e => e.Sequence));
            foreach (var stored in events)
            {
                var (batch, size, index) = ParseEvent(stored);
                if (!found.TryGetValue(batch, out var batchEvents))
                {
                    found[batch] = batchEvents = [];
                }

                batchEvents.Add(new FoundEvent(topic, stored.Sequence, size, index));
            }

            await CheckTheTopicRecoversAndNumbersOn(Sys.ActorOf(TopicActor.Props(topic, services, settings)), topic, head, acknowledged.Where(a => a.Topic == topic).ToList());
        }

        // No partial batch: every batch present has all its events, once, in order, consecutively, in one topic.
        foreach (var (batch, events) in found)
        {
            var size = events[0].Size;
            Assert.True(events.Count == size, $"batch {batch} has {events.Count} events of its {size}");
            Assert.Equal(Enumerable.Range(0, size), events.Select(e => e.Index));
            Assert.Equal(Enumerable.Range(0, size).Select(i => events[0].Sequence + (ulong)i), events.Select(e => e.Sequence));
            Assert.All(events, e => Assert.Equal(events[0].Topic, e.Topic));
        }

        // No lost acknowledgement: every batch a topic acknowledged is there, where it said.
        foreach (var ack in acknowledged)
        {
            Assert.True(found.TryGetValue(ack.Batch, out var events), $"acknowledged batch {ack.Batch} is missing after the crash");
            Assert.Equal((ack.Topic, ack.FirstSequence, ack.Size), (events[0].Topic, events[0].Sequence, events.Count));
        }
    }

    /// <summary>
    /// A topic actor started on the killed database recovers to the head the journal holds, under
    /// the epoch its publishers were told (its saved state survived the kill: it was not adopted
    /// under a new one), and the next publish gets the next sequence number.
    /// </summary>
    private async Task CheckTheTopicRecoversAndNumbersOn(IActorRef topicActor, TopicName topic, ulong head, List<Acknowledgement> acknowledged)
    {
        var status = Assert.IsType<TopicStatus>(await topicActor.Ask<object>(new GetTopicStatus(topic), DefaultTimeout));
        Assert.Equal((topic, head, 1UL), (status.Info.Topic, status.Info.Head, status.Info.FirstSequence));
        Assert.All(acknowledged, ack => Assert.Equal(status.Info.Epoch, ack.Epoch));

        var after = new Publish(topic, [new NewEvent(Encoding.UTF8.GetBytes("after the crash"))]);
        var accepted = Assert.IsType<PublishAccepted>(await topicActor.Ask<object>(after, DefaultTimeout));
        Assert.Equal((status.Info.Epoch, head + 1), (accepted.Epoch, accepted.Events.Single().Sequence));
    }

    /// <summary>Every event of the topic, through the read journal, a page at a time.</summary>
    private static async Task<List<StoredEvent>> ReadAllAsync(TopicHistory history, TopicName topic)
    {
        var events = new List<StoredEvent>();
        while (true)
        {
            var page = await history.ReadAsync(topic, events.Count == 0 ? 0 : events[^1].Sequence, IEventJournal.MaxSequence, 1_000);
            if (page.Count == 0)
            {
                return events;
            }

            events.AddRange(page);
        }
    }

    private static async Task<List<Acknowledgement>> RunWriterUntilKilled(string kind, string store, string setting)
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "EventActors.JournalCrashWriter.dll");
        Assert.True(File.Exists(writer), $"The crash writer was not built next to the tests: {writer}");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", writer, kind, store, setting })
        {
            start.ArgumentList.Add(argument);
        }

        var acknowledged = new List<Acknowledgement>();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The crash writer did not start");
        var errors = process.StandardError.ReadToEndAsync();
        string? failure = null;
        var killed = false;
        try
        {
            using var deadline = new CancellationTokenSource(Deadline);
            while (failure is null && acknowledged.Count < AcknowledgementsBeforeKill)
            {
                if (await process.StandardOutput.ReadLineAsync(deadline.Token) is not { } line)
                {
                    failure = $"The crash writer exited after {acknowledged.Count} acknowledgements";
                }
                else if (ParseAcknowledgement(line) is { } ack)
                {
                    acknowledged.Add(ack);
                }
            }

            // Still publishing: it never stops on its own, so the kill lands mid-stream.
            if (failure is null && process.HasExited)
            {
                failure = "The crash writer exited early";
            }
        }
        catch (OperationCanceledException)
        {
            failure = $"The crash writer acknowledged {acknowledged.Count} batches of {AcknowledgementsBeforeKill} in {Deadline}";
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL on Linux: no finally blocks, no flush, no clean close
                killed = true;
            }

            await process.WaitForExitAsync();
        }

        if (failure is not null)
        {
            Assert.Fail($"{failure}{(killed ? "" : $" (exit code {process.ExitCode})")}: {await errors}");
        }

        // Lines that were already in the pipe were acknowledged too: count them.
        while (await process.StandardOutput.ReadLineAsync() is { } rest)
        {
            if (ParseAcknowledgement(rest) is { } ack)
            {
                acknowledged.Add(ack);
            }
        }

        return acknowledged;
    }

    /// <summary>Parses <c>ACK topic epoch batch size first-seq END</c>; a line cut short by the kill has no END and is ignored.</summary>
    private static Acknowledgement? ParseAcknowledgement(string line) =>
        line.Split(' ') is ["ACK", var topic, var epoch, var batch, var size, var first, "END"]
            ? new Acknowledgement(TopicName.Parse(topic), TopicEpoch.Parse(epoch), long.Parse(batch, CultureInfo.InvariantCulture),
                int.Parse(size, CultureInfo.InvariantCulture), ulong.Parse(first, CultureInfo.InvariantCulture))
            : null;

    /// <summary>Parses <c>batch=B;size=S;index=I</c>.</summary>
    private static (long Batch, int Size, int Index) ParseEvent(StoredEvent stored)
    {
        var fields = Encoding.UTF8.GetString(stored.Data.Span).Split(';').Select(f => f.Split('=')[1]).ToArray();
        return (long.Parse(fields[0], CultureInfo.InvariantCulture), int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    /// <summary>The dotnet host running these tests, so the child runs on the same runtime.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? path
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>A batch the writer printed as acknowledged: its topic told it the epoch and the first event's sequence number.</summary>
    private sealed record Acknowledgement(TopicName Topic, TopicEpoch Epoch, long Batch, int Size, ulong FirstSequence);

    /// <summary>An event read back after the crash, with what its data says about its batch.</summary>
    private sealed record FoundEvent(TopicName Topic, ulong Sequence, int Size, int Index);
}
