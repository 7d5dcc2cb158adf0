using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using EventActors.Actors.Connections;
using EventActors.Actors.Journal;
using EventActors.Actors.Persistence;
using Akka.Actor;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Bench;

/// <summary>
/// The fan-out path without sockets: publishes through the topics' shard region (journal included) to
/// connection actors whose responses are counting sinks, and reports deliveries per second and,
/// above all, bytes allocated per delivered event. Allocation counts are exact and repeatable
/// where socket benchmarks are noisy, so this is where fan-out path fixes show their effect.
/// </summary>
internal sealed class FanoutPathBenchmark : IBenchmark
{
    public string Description => "In-process fan-out: publish -> topic actor -> connection actors -> SSE bytes; deliveries/s and bytes allocated per delivery";

    public string Usage => "[--topics 1] [--subscribers 1000] [--events 2000] [--batch 10] [--size 100] [--repeat 3] [--akka \"HOCON\"] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        var topicCount = options.Int("topics", 1);
        var subscribers = options.Int("subscribers", 1000);
        var events = options.Int("events", 2000);
        var batch = options.Int("batch", 10);
        var size = options.Int("size", 100);
        var repeat = options.Int("repeat", 3);
        var akka = options.String("akka") ?? ""; // Akka.NET settings to try, e.g. "akka.actor.default-dispatcher.throughput = 100"
        if (topicCount < 1 || subscribers < topicCount || events < batch || batch < 1 || repeat < 1)
        {
            throw new BenchmarkOptionException("need --topics >= 1, --subscribers >= --topics, --events >= --batch >= 1, --repeat >= 1");
        }

        var runs = new List<(double DeliveriesPerSecond, double BytesPerDelivery)>();
        for (var run = 0; run <= repeat; run++)
        {
            var result = await RunOnceAsync(topicCount, subscribers, events, batch, size, akka);
            if (run > 0)
            {
                runs.Add(result); // run 0 warms the JIT up
            }
        }

        var deliveries = Median(runs.Select(r => r.DeliveriesPerSecond));
        var allocated = Median(runs.Select(r => r.BytesPerDelivery));
        options.Report(
            new { benchmark = "fanout-path", topics = topicCount, subscribers, events, batch, eventBytes = size, repeat, deliveriesPerSecond = deliveries, bytesAllocatedPerDelivery = allocated },
            string.Create(CultureInfo.InvariantCulture,
                $"fanout-path: {topicCount} topics, {subscribers} subscribers, {events} events in batches of {batch}, {size}-byte events: " +
                $"{deliveries:N0} deliveries/s, {allocated:F1} bytes allocated per delivery (median of {repeat})"));
        return 0;
    }

    private static async Task<(double, double)> RunOnceAsync(int topicCount, int subscribers, int events, int batch, int size, string akka)
    {
        var directory = Directory.CreateTempSubdirectory("eventactors-fanout-path-").FullName;
        var journal = SqliteJournal.Open(new SqliteJournalOptions { Path = Path.Combine(directory, "journal.db") });
        await using var _ = journal;
        var system = BenchActorSystem.WithOurJournal("fanout-path", new TopicStorageSetup(journal, journal.Options.MaxEventsPerAppend), akka);
        try
        {
            var history = new TopicHistory(system, TopicPersistence.QueryId);
            var services = new TopicServices(new JournalIdempotencyKeys(journal), history);
            var registry = await BenchActorSystem.StartTopicsAsync(system, services, new TopicSettings(1024, 8 * 1024 * 1024, TimeSpan.FromHours(1)));
            var settings = new ConnectionSettings(Credit: 256, HeartbeatInterval: TimeSpan.FromHours(1), RetryMilliseconds: 2000, CatchUpPageSize: 500);
            var topics = Enumerable.Range(0, topicCount).Select(i => TopicName.Parse($"bench.t{i}")).ToArray();
            var perTopic = events / topicCount;
            var expected = (long)perTopic * subscribers;
            var delivered = new DeliveryCount();
            var sinks = new List<CountingSink>();
            for (var s = 0; s < subscribers; s++)
            {
                var topic = topics[s % topicCount];
                var sink = new CountingSink(delivered);
                sinks.Add(sink);
                var request = new StreamRequest(TopicSet.Create(topic), [StartPosition.Live.Instance], MultiTopic: false, RequestedId: null);
                system.ActorOf(ConnectionActor.Props(request, PipeWriter.Create(sink), registry, history, settings, CancellationToken.None,
                    new StreamLifetime(CancellationToken.None)));
            }

            // Every connection subscribed (its retry field flushed) before the clock starts.
            while (sinks.Any(sink => sink.Writes == 0))
            {
                await Task.Delay(10);
            }

            var payload = new byte[size];
            Array.Fill(payload, (byte)'x');
            var batchEvents = Enumerable.Range(0, batch).Select(_ => new NewEvent(payload)).ToArray();
            delivered.Reset();
            GC.Collect();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var stopwatch = Stopwatch.StartNew();
            var publishes = new List<Task>();
            foreach (var topic in topics)
            {
                publishes.Add(Task.Run(async () =>
                {
                    for (var sent = 0; sent < perTopic; sent += batch)
                    {
                        await registry.Ask<PublishAccepted>(new Publish(topic, batchEvents), TimeSpan.FromSeconds(30));
                    }
                }));
            }

            await Task.WhenAll(publishes);
            while (delivered.Value < expected)
            {
                await Task.Delay(1);
            }

            var elapsed = stopwatch.Elapsed.TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            return (expected / elapsed, (double)allocated / expected);
        }
        finally
        {
            await system.Terminate();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private sealed class DeliveryCount
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add(long count) => Interlocked.Add(ref _value, count);

        public void Reset() => Interlocked.Exchange(ref _value, 0);
    }

    /// <summary>A response body that keeps nothing and counts SSE events (frames with an id line).</summary>
    private sealed class CountingSink(DeliveryCount delivered) : Stream
    {
        private const int InLine = 0, LineStart = 1, SawI = 2, SawId = 3;
        private int _state = LineStart;
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            // Counts lines that start with "id:" (one per event frame), with the matching state
            // kept across writes, since the pipe may split a frame anywhere.
            var events = 0;
            foreach (var b in buffer)
            {
                _state = (_state, b) switch
                {
                    (_, (byte)'\n') => LineStart,
                    (LineStart, (byte)'i') => SawI,
                    (SawI, (byte)'d') => SawId,
                    (SawId, (byte)':') => Counted(ref events),
                    _ => InLine,
                };
            }

            delivered.Add(events);
            Interlocked.Increment(ref _writes);
        }

        private static int Counted(ref int events)
        {
            events++;
            return InLine;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
