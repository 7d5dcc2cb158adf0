using System.Globalization;
using System.Text;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Protocol;

// Appends batches to a journal (SQLite or PostgreSQL) until killed, and prints one line per batch AFTER the
// journal acknowledged it (so after COMMIT):
//
//   ACK <topic> <batch> <size> <first-seq> END
//
// Every event's data names its batch, the batch's size and its index in the batch, so whoever
// opens the database after the kill can check that every acknowledged batch is there and that
// no batch is there in part. Usage:
//   EventActors.JournalCrashWriter sqlite <database> <normal|full>
//   EventActors.JournalCrashWriter postgres <connection string> <schema>

const string Usage = "usage: EventActors.JournalCrashWriter sqlite <database> <normal|full> | postgres <connection string> <schema>";
var synchronous = SqliteSynchronousMode.Normal;
if (args.Length != 3 || args[0] is not ("sqlite" or "postgres")
    || (args[0] == "sqlite" && !Enum.TryParse(args[2], ignoreCase: true, out synchronous)))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

// Writers, each the single writer of its own topic (as a TopicActor is), so that group commits
// carry several topics and the kill can land in the middle of any of them.
const int Writers = 8;
IEventJournal journal = args[0] == "sqlite"
    ? SqliteJournal.Open(new SqliteJournalOptions { Path = args[1], Synchronous = synchronous })
    : await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = args[1], Schema = args[2] });
var nextBatch = 0L;
var stdout = Console.Out; // synchronized; each line is written whole

Console.Out.WriteLine("READY");
await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
{
    var topic = TopicName.Parse($"crash.w{writer}");
    var head = (await journal.GetTopicAsync(topic))?.Head ?? 0;
    while (true)
    {
        var batch = Interlocked.Increment(ref nextBatch);
        var size = 1 + (int)(batch % 7);
        var events = Enumerable.Range(0, size)
            .Select(index => new NewEvent(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"batch={batch};size={size};index={index}"))))
            .ToList();
        var result = await journal.AppendAsync(new AppendRequest(topic, head, events));
        head = result.Head;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACK {topic} {batch} {size} {result.Events[0].Sequence} END"));
    }
})));
return 0;
