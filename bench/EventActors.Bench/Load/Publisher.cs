using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;

namespace EventActors.Bench.Load;

/// <summary>
/// Publishes events by HTTP POST to the publish URL of each topic. Publishing is split into
/// lanes: a lane belongs to one topic and has at most one publish in flight, so the server
/// necessarily commits a lane's events in the order the lane numbered them, and subscribers can
/// check that order exactly (see <see cref="SequenceChecker"/>). <c>--in-flight</c> lanes run at
/// once (at least one per topic).
///
/// Closed loop (<c>--rate max</c>): each of <c>--in-flight</c> workers publishes on its lanes
/// one after the other as fast as the server acknowledges, stamping the real send time.
/// Open loop (<c>--rate N</c>): a pacer creates N events per second at their intended times,
/// round robin over the lanes, whether or not the server keeps up; an event carries its intended
/// time, so a server that falls behind shows as latency instead of as a slower publisher (no
/// coordinated omission). Events still queued when publishing ends are counted, not sent.
///
/// A publish answered with anything but 2xx, or not answered, is counted and its sequence number
/// is used again by the lane's next publish: nothing was acknowledged, so subscribers must not
/// expect it. (A publish that timed out may still have been committed; it then shows as a
/// duplicate, and the publish error count says why.)
/// </summary>
internal sealed class Publisher : IDisposable
{
    private static readonly MediaTypeHeaderValue TextPlain = new("text/plain");

    private readonly HttpClient _client;
    private readonly Uri[] _topicUris;
    private readonly Lane[] _lanes;     // lane j of topic k at j * topics + k: consecutive lanes are different topics
    private readonly int _topics;
    private readonly int _payloadBytes;
    private readonly int _inFlight;
    private readonly double? _rate;
    private readonly LoadWindow _window;
    private readonly ConcurrentDictionary<int, long> _statusCounts = new();
    private long _sent;
    private long _acked;
    private long _ackedInWindow;
    private long _errors;
    private long _notSent;
    private string? _firstError;

    public Publisher(LoadOptions options, LoadWindow window)
    {
        _topics = options.Topics;
        _payloadBytes = options.PayloadBytes;
        _inFlight = options.InFlight;
        _rate = options.Rate;
        _window = window;
        LanesPerTopic = options.LanesPerTopic;
        _topicUris = Enumerable.Range(0, _topics).Select(options.PubUri).ToArray();
        _lanes = new Lane[_topics * LanesPerTopic];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = new Lane(Topic: i % _topics, Index: i / _topics)
            {
                Authorization = options.SigningKey is { } key ? new AuthenticationHeaderValue("Bearer", BenchToken.Mint(key, $"bench-publisher-{i}")) : null,
            };
        }

        _client = new HttpClient(new SocketsHttpHandler
        {
            // One connection per concurrent publish, kept for the whole run: connection set-up
            // is not what is measured.
            MaxConnectionsPerServer = _inFlight,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public int LanesPerTopic { get; }

    /// <summary>Acknowledged ack latency: from the (intended) send time to the answer, for events sent in the window.</summary>
    public LatencyRecorder AckLatency { get; } = new();

    public long Sent => Interlocked.Read(ref _sent);

    public long Acked => Interlocked.Read(ref _acked);

    public long AckedInWindow => Interlocked.Read(ref _ackedInWindow);

    public long Errors => Interlocked.Read(ref _errors);

    public long NotSent => Interlocked.Read(ref _notSent);

    public string? FirstError => _firstError;

    /// <summary>Answers other than 2xx, by status code.</summary>
    public IReadOnlyDictionary<int, long> Non2xx => _statusCounts;

    /// <summary>The highest sequence number acknowledged on a lane of a topic: lanes acknowledge 1, 2, 3, … without gaps.</summary>
    public long AckedSequence(int topic, int lane) => Volatile.Read(ref _lanes[lane * _topics + topic].Acked);

    public long AckedForTopic(int topic)
    {
        long total = 0;
        for (var lane = 0; lane < LanesPerTopic; lane++)
        {
            total += AckedSequence(topic, lane);
        }

        return total;
    }

    /// <summary>Publishes from now until <paramref name="endMicros"/>, then waits for the publishes in flight.</summary>
    public Task RunAsync(long endMicros) => _rate is { } rate ? OpenLoopAsync(rate, endMicros) : ClosedLoopAsync(endMicros);

    private Task ClosedLoopAsync(long endMicros)
    {
        var workers = Math.Min(_inFlight, _lanes.Length);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            // Worker w owns lanes w, w + workers, …: each lane is only ever used by one worker.
            for (var i = worker; LoadClock.Micros() < endMicros; i += workers)
            {
                if (i >= _lanes.Length)
                {
                    i = worker;
                }

                await PublishAsync(_lanes[i], LoadClock.Micros());
            }
        })));
    }

    private async Task OpenLoopAsync(double rate, long endMicros)
    {
        var channels = _lanes.Select(_ => Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true })).ToArray();
        var senders = _lanes.Select((lane, i) => Task.Run(async () =>
        {
            await foreach (var intended in channels[i].Reader.ReadAllAsync())
            {
                if (LoadClock.Micros() >= endMicros)
                {
                    Interlocked.Increment(ref _notSent); // the server fell this far behind: counted, not sent
                    continue;
                }

                await PublishAsync(lane, intended);
            }
        })).ToArray();

        // Pacer: every event is due at start + n / rate; each tick releases all that are due, so
        // a late tick sends a burst (as an open-loop load would) and keeps the intended times.
        var start = LoadClock.Micros();
        var intervalMicros = 1_000_000.0 / rate;
        long next = 0;
        while (true)
        {
            var now = LoadClock.Micros();
            long due;
            while ((due = start + (long)(next * intervalMicros)) <= now && due < endMicros)
            {
                channels[next % channels.Length].Writer.TryWrite(due);
                next++;
            }

            if (due >= endMicros)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMicroseconds(Math.Max(1000, due - now)));
        }

        foreach (var channel in channels)
        {
            channel.Writer.Complete();
        }

        await Task.WhenAll(senders);
    }

    private async Task PublishAsync(Lane lane, long sentMicros)
    {
        var sequence = lane.NextSequence;
        var body = EventPayload.Create(new EventPayload.Fields(lane.Topic, lane.Index, sequence, sentMicros), _payloadBytes);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = TextPlain;
        using var request = new HttpRequestMessage(HttpMethod.Post, _topicUris[lane.Topic]) { Content = content };
        request.Headers.Authorization = lane.Authorization; // with authorization on, every publish is validated
        Interlocked.Increment(ref _sent);
        try
        {
            using var response = await _client.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                lane.NextSequence = sequence + 1;
                Volatile.Write(ref lane.Acked, sequence);
                Interlocked.Increment(ref _acked);
                var now = LoadClock.Micros();
                if (_window.Contains(now))
                {
                    Interlocked.Increment(ref _ackedInWindow);
                }

                if (_window.Contains(sentMicros))
                {
                    AckLatency.Record(now - sentMicros);
                }
            }
            else
            {
                _statusCounts.AddOrUpdate(status, 1, (_, count) => count + 1);
            }
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException)
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, error.GetBaseException().Message, null);
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        AckLatency.Dispose();
    }

    /// <summary>One ordered publisher into one topic. NextSequence is touched only by the lane's single sender.</summary>
    private sealed class Lane(int Topic, int Index)
    {
        public int Topic { get; } = Topic;

        public int Index { get; } = Index;

        /// <summary>This lane's token, when the node has authorization on.</summary>
        public AuthenticationHeaderValue? Authorization { get; init; }

        public long NextSequence = 1;
        public long Acked;
    }
}
