using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Threading.Channels;

// The floor our design's overhead is measured against: the simplest fast SSE server, as a competent
// engineer writes it in an afternoon. No actors, no journal, no history, no resume (Last-Event-ID is
// ignored). A publish gets the topic's next in-memory sequence number, is encoded to SSE bytes once
// and is handed to every current subscriber of the topic; 201 means "queued to every subscriber".
//
//   dotnet bench/MinimalSse/bin/Release/net10.0/EventActors.MinimalSse.dll --urls http://127.0.0.1:5090
//   POST /topics/{topic}/events   the body is the event's data, byte for byte
//   GET  /topics/{topic}/stream   text/event-stream: "id: <seq>\ndata: <body>\n\n" per event
//
// Options: --urls (Kestrel), --subscriber-buffer N (events queued per subscriber, default 1,024).

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // no line per request, as in src/Host

// 64 KiB, the host's MaxEventBytes: a publish is held in memory whole. Kestrel answers 413 beyond it.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64 * 1024);

// Events (shared frames, not copies) queued for one subscriber that it has not written yet. Bounds
// what a stalled subscriber costs: at most this many references, and the frames they keep alive.
var subscriberBuffer = builder.Configuration.GetValue("subscriber-buffer", 1024);

// Topics live as long as the process: a peer for benchmarks, not a server for arbitrary clients.
var topics = new ConcurrentDictionary<string, Topic>(StringComparer.Ordinal);
var app = builder.Build();

app.MapPost("/topics/{topic}/events", async (string topic, HttpContext context) =>
{
    var body = context.Request.BodyReader;
    ReadResult read;
    try
    {
        while (!(read = await body.ReadAsync(context.RequestAborted)).IsCompleted)
        {
            body.AdvanceTo(read.Buffer.Start, read.Buffer.End); // keep everything, ask for more
        }
    }
    catch (BadHttpRequestException tooLarge)
    {
        return Results.StatusCode(tooLarge.StatusCode); // 413 over MaxRequestBodySize
    }

    var data = read.Buffer;
    var target = topics.GetOrAdd(topic, static _ => new Topic());
    var sequence = data.IsSingleSegment ? target.Publish(data.FirstSpan) : target.Publish(data.ToArray());
    body.AdvanceTo(data.End);
    return Results.Text($$"""{"sequence":{{sequence}}}""", "application/json", statusCode: StatusCodes.Status201Created);
});

app.MapGet("/topics/{topic}/stream", async (string topic, HttpContext context) =>
{
    var queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(subscriberBuffer)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; Topic.Publish then closes it
    });
    var source = topics.GetOrAdd(topic, static _ => new Topic());
    source.Add(queue.Writer); // before the headers: a client that has them gets the next publish

    // Streams end when shutdown begins; open ones would otherwise hold it up for 30 s.
    using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
    var aborted = ended.Token;
    try
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(aborted);

        // StartAsync only queues the head; without a flush a client sees nothing until the
        // first event (or heartbeat), and a load generator's connect times out.
        var output = response.BodyWriter;
        await output.FlushAsync(aborted);
        while (await queue.Reader.WaitToReadAsync(aborted))
        {
            while (queue.Reader.TryRead(out var frame))
            {
                output.Write(frame.Span);
            }

            if ((await output.FlushAsync(aborted)).IsCompleted) // one flush per batch of queued events
            {
                break;
            }
        }
    }
    catch (OperationCanceledException) when (aborted.IsCancellationRequested)
    {
        // The client went away, or the server is stopping.
    }
    finally
    {
        source.Remove(queue.Writer);
    }
});

// Spec: a line starting with ':' is a comment. Every 15 s, so proxies and load balancers see traffic
// and keep idle streams open; queued like an event, so it never interleaves with a frame.
var heartbeat = ": heartbeat\n\n"u8.ToArray();
using var heartbeats = new Timer(_ =>
{
    foreach (var topic in topics.Values)
    {
        topic.Heartbeat(heartbeat);
    }
}, null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));

app.Run();

/// <summary>One topic: its sequence number and its current subscribers, under one lock, so that
/// every subscriber receives the topic's events in sequence order.</summary>
internal sealed class Topic
{
    private readonly Lock _gate = new();
    private readonly HashSet<ChannelWriter<ReadOnlyMemory<byte>>> _subscribers = [];
    private long _sequence;

    public void Add(ChannelWriter<ReadOnlyMemory<byte>> subscriber)
    {
        lock (_gate) { _subscribers.Add(subscriber); }
    }

    public void Remove(ChannelWriter<ReadOnlyMemory<byte>> subscriber)
    {
        lock (_gate) { _subscribers.Remove(subscriber); }
    }

    public long Publish(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            var sequence = ++_sequence;
            var frame = Encode(sequence, data); // once, whatever the number of subscribers

            // A subscriber whose buffer is full is closed: not waited for (one stalled client would
            // hold up the topic) and not skipped (a silent gap). It still writes what it has queued,
            // then its stream ends and the client sees the cut. Memory per subscriber stays bounded.
            _subscribers.RemoveWhere(subscriber =>
            {
                if (subscriber.TryWrite(frame))
                {
                    return false;
                }

                subscriber.TryComplete();
                return true;
            });
            return sequence;
        }
    }

    public void Heartbeat(ReadOnlyMemory<byte> comment)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.TryWrite(comment); // a full buffer has bytes to send anyway
            }
        }
    }

    // Spec: CRLF, LF and CR each end a line, and a line break inside data needs a "data:" line per
    // line, so "a\nb" is sent as "data: a\ndata: b\n" and a client's parser gives back "a\nb"
    // (a CRLF in the body comes back as LF, as every SSE parser gives it).
    private static ReadOnlyMemory<byte> Encode(long sequence, ReadOnlySpan<byte> data)
    {
        var frame = new ArrayBufferWriter<byte>(data.Length + 32);
        frame.Write("id: "u8);
        sequence.TryFormat(frame.GetSpan(20), out var digits, provider: CultureInfo.InvariantCulture);
        frame.Advance(digits);
        frame.Write("\n"u8);
        while (true)
        {
            frame.Write("data: "u8);
            var end = data.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                frame.Write(data);
                frame.Write("\n\n"u8);
                return frame.WrittenMemory;
            }

            frame.Write(data[..end]);
            frame.Write("\n"u8);
            data = data[(end + (data[end] == '\r' && end + 1 < data.Length && data[end + 1] == '\n' ? 2 : 1))..];
        }
    }
}
