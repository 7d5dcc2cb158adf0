using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using EventActors.Actors;
using EventActors.Actors.Journal;
using EventActors.Actors.Journal.Postgres;
using EventActors.Actors.Persistence;
using EventActors.Actors.Topics;
using EventActors.Protocol;

// Publishes batches the way a node does, through Akka.Persistence: an actor system with our
// plugins on the chosen journal (SQLite or PostgreSQL), the topics' shard region in a cluster of
// one, and publishers that send Publish to it. It runs until killed and prints one line per batch AFTER the topic acknowledged
// it (PublishAccepted, which a topic sends only once the journal has committed):
//
//   ACK <topic> <epoch> <batch> <size> <first-seq> END
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

// Topics written at once, so that the journal's group commits carry several topics and the kill
// can land in the middle of any of them.
const int Topics = 8;
// Publishers per topic, each with one publish in flight: while a topic writes one batch, the
// publishes of the others wait and go into its next write together, as under load on a node.
const int PublishersPerTopic = 3;

IEventJournal journal;
int maxEventsPerAppend;
if (args[0] == "sqlite")
{
    var sqlite = SqliteJournal.Open(new SqliteJournalOptions { Path = args[1], Synchronous = synchronous });
    (journal, maxEventsPerAppend) = (sqlite, sqlite.Options.MaxEventsPerAppend);
}
else
{
    var postgres = await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = args[1], Schema = args[2] });
    (journal, maxEventsPerAppend) = (postgres, postgres.Options.MaxEventsPerAppend);
}

// Akka logs to stdout; at WARNING it says nothing unless something is wrong, and what it says
// is not an ACK line, so the test skips it.
var bootstrap = BootstrapSetup.Create()
    .WithConfig(ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ConfigurationFactory.ParseString(TopicSharding.ClusterOfOneConfig))
        .WithFallback(TopicPersistence.AsDefault));
var system = ActorSystem.Create("crash-writer", ActorSystemSetup.Create(bootstrap, new TopicStorageSetup(journal, maxEventsPerAppend)));
SchedulerStart.Now(system);
var services = new TopicServices(new JournalIdempotencyKeys(journal), new TopicHistory(system, TopicPersistence.QueryId),
    () => journal is not PostgresJournal { IsReachable: false }, TimeProvider.System);
// A snapshot every 10 events (the default is 1,000): topics save their state and delete the
// older snapshot all the time, so the kill can land in those writes too, and the recovery that
// follows starts from a snapshot and replays what came after it.
var settings = new TopicSettings(RingSize: 64, RingMaxBytes: 1 << 20, IdleTimeout: TimeSpan.FromMinutes(10), maxEventsPerAppend, SnapshotEvery: 10);
if (!await TopicSharding.JoinSelfAsync(system, TimeSpan.FromMinutes(1)))
{
    Console.Error.WriteLine("The crash writer's actor system did not see itself up in its cluster of one.");
    return 1;
}

var topics = await TopicSharding.StartAsync(system, services, settings, shards: 10);

var nextBatch = 0L;
var stdout = Console.Out; // synchronized; each line is written whole
stdout.WriteLine("READY");
try
{
    await Task.WhenAll(
        from topic in Enumerable.Range(0, Topics).Select(t => TopicName.Parse($"crash.w{t}"))
        from publisher in Enumerable.Range(0, PublishersPerTopic)
        select Task.Run(() => PublishUntilKilled(topic)));
}
catch (Exception failure)
{
    Console.Error.WriteLine($"The crash writer stopped publishing: {failure}");
    return 1;
}

return 0;

async Task PublishUntilKilled(TopicName topic)
{
    while (true)
    {
        var batch = Interlocked.Increment(ref nextBatch);
        var size = 1 + (int)(batch % 7);
        var events = Enumerable.Range(0, size)
            .Select(index => new NewEvent(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"batch={batch};size={size};index={index}"))))
            .ToList();
        // No ask timeout: the writer publishes until it is killed, and the test's own deadline
        // catches a publish that is never answered.
        switch (await topics.Ask<object>(new Publish(topic, events)))
        {
            case PublishAccepted accepted:
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACK {topic} {accepted.Epoch} {batch} {size} {accepted.Events[0].Sequence} END"));
                break;
            case PublishRejected rejected:
                throw new InvalidOperationException($"Batch {batch} to {topic} was rejected: {rejected.Reason}");
            case var other:
                throw new InvalidOperationException($"Batch {batch} to {topic} was answered with {other}.");
        }
    }
}
