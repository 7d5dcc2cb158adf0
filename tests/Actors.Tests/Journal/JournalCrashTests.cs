using System.Diagnostics;
using System.Globalization;
using System.Text;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Protocol;
using EventActors.Fixtures;
using Xunit;

namespace EventActors.Actors.Tests.Journal;

/// <summary>
/// Crash safety, for real, for both journals: a child process (tests/JournalCrashWriter) appends self-describing
/// batches and prints each batch only after the journal acknowledged it; the test kills it with
/// SIGKILL while it is still appending, reopens the database, and checks that every acknowledged
/// batch is there, whole, and that no batch is there in part.
/// </summary>
public sealed class JournalCrashTests : IDisposable
{
    /// <summary>Acknowledged batches to see before the kill: enough that the kill lands mid-stream with many group commits behind it.</summary>
    private const int AcknowledgementsBeforeKill = 200;

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    private readonly string _directory = TemporaryDirectory.Create("journal-crash");

    public void Dispose() => TemporaryDirectory.Delete(_directory);

    [Theory]
    [InlineData(SqliteSynchronousMode.Normal)]
    [InlineData(SqliteSynchronousMode.Full)]
    public async Task A_sqlite_writer_killed_while_appending_loses_no_acknowledged_event_and_leaves_no_partial_batch(SqliteSynchronousMode mode)
    {
        var database = Path.Combine(_directory, "journal.db");
        var acknowledged = await RunWriterUntilKilled("sqlite", database, mode.ToString());
        await using var journal = SqliteJournal.Open(new SqliteJournalOptions { Path = database });
        await CheckEveryAcknowledgedBatchIsWholeAndNoOtherIsPartial(journal, acknowledged);
    }

    [Fact]
    public async Task A_postgres_writer_killed_while_appending_loses_no_acknowledged_event_and_leaves_no_partial_batch()
    {
        var schema = TestPostgres.NewSchema("crash");
        try
        {
            var acknowledged = await RunWriterUntilKilled("postgres", TestPostgres.ConnectionString, schema);
            await using var journal = await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = TestPostgres.ConnectionString, Schema = schema });
            await CheckEveryAcknowledgedBatchIsWholeAndNoOtherIsPartial(journal, acknowledged);
        }
        finally
        {
            await TestPostgres.DropSchemaAsync(schema);
        }
    }

    private static async Task CheckEveryAcknowledgedBatchIsWholeAndNoOtherIsPartial(
        IEventJournal journal, List<(TopicName Topic, long Batch, int Size, ulong FirstSequence)> acknowledged)
    {
        var topics = await journal.ListTopicsAsync(null, 100);
        Assert.NotEmpty(topics);

        var found = new Dictionary<long, List<(TopicName Topic, ulong Sequence, int Size, int Index)>>();
        foreach (var topic in topics)
        {
            var sequence = 0UL;
            for (var after = 0UL; ;)
            {
                var page = await journal.ReadAsync(topic.Topic, after, 1_000);
                if (page.Events.Count == 0)
                {
                    break;
                }

                foreach (var stored in page.Events)
                {
                    // Gap-free: the journal never skips a sequence number, crash or not.
                    Assert.Equal(++sequence, stored.Sequence);
                    var (batch, size, index) = ParseEvent(stored);
                    if (!found.TryGetValue(batch, out var events))
                    {
                        found[batch] = events = [];
                    }

                    events.Add((topic.Topic, stored.Sequence, size, index));
                }

                after = page.Events[^1].Sequence;
            }

            Assert.Equal(topic.Head, sequence);
        }

        // No partial batch: every batch present has all its events, in order, consecutively.
        foreach (var (batch, events) in found)
        {
            var size = events[0].Size;
            Assert.True(events.Count == size, $"batch {batch} has {events.Count} of its {size} events");
            Assert.Equal(Enumerable.Range(0, size), events.Select(e => e.Index));
            Assert.Equal(Enumerable.Range(0, size).Select(i => events[0].Sequence + (ulong)i), events.Select(e => e.Sequence));
            Assert.All(events, e => Assert.Equal(events[0].Topic, e.Topic));
        }

        // No lost acknowledgement: every batch the writer confirmed is there, where it said.
        foreach (var ack in acknowledged)
        {
            Assert.True(found.TryGetValue(ack.Batch, out var events), $"acknowledged batch {ack.Batch} is missing after the crash");
            Assert.Equal((ack.Topic, ack.FirstSequence, ack.Size), (events[0].Topic, events[0].Sequence, events.Count));
        }
    }

    private static async Task<List<(TopicName Topic, long Batch, int Size, ulong FirstSequence)>> RunWriterUntilKilled(string kind, string store, string setting)
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

        var acknowledged = new List<(TopicName Topic, long Batch, int Size, ulong FirstSequence)>();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The crash writer did not start");
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var deadline = new CancellationTokenSource(Deadline);
            while (acknowledged.Count < AcknowledgementsBeforeKill)
            {
                var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
                if (line is null)
                {
                    Assert.Fail($"The crash writer exited (code {await ExitCode(process)}) after {acknowledged.Count} acknowledgements: {await errors}");
                }

                if (ParseAcknowledgement(line) is { } ack)
                {
                    acknowledged.Add(ack);
                }
            }

            // Still appending: it never stops on its own, so the kill lands mid-stream.
            if (process.HasExited)
            {
                Assert.Fail($"The crash writer exited early: {await errors}");
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL on Linux: no finally blocks, no flush, no clean close
            }

            await process.WaitForExitAsync();
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

    /// <summary>Parses <c>ACK topic batch size first-seq END</c>; a line cut short by the kill has no END and is ignored.</summary>
    private static (TopicName Topic, long Batch, int Size, ulong FirstSequence)? ParseAcknowledgement(string line)
    {
        var parts = line.Split(' ');
        return parts is ["ACK", var topic, var batch, var size, var first, "END"]
            ? (TopicName.Parse(topic), long.Parse(batch, CultureInfo.InvariantCulture), int.Parse(size, CultureInfo.InvariantCulture), ulong.Parse(first, CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>Parses <c>batch=B;size=S;index=I</c>.</summary>
    private static (long Batch, int Size, int Index) ParseEvent(StoredEvent stored)
    {
        var fields = Encoding.UTF8.GetString(stored.Data.Span).Split(';').Select(f => f.Split('=')[1]).ToArray();
        return (long.Parse(fields[0], CultureInfo.InvariantCulture), int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    private static async Task<int> ExitCode(Process process)
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>The dotnet host running these tests, so the child runs on the same runtime.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? path
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
