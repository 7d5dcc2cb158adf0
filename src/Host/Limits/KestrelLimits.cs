using EventActors.Protocol;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EventActors.Host.Limits;

/// <summary>Kestrel's own limits, each set deliberately rather than left to its defaults.</summary>
internal static class KestrelLimits
{
    /// <summary>
    /// All request headers together, in bytes: Kestrel's default, 32 KiB. Room for a cookie and a
    /// bearer token of a few KiB each and a multi-topic Last-Event-ID (at most
    /// <see cref="MultiTopicCursor.MaxLength"/> characters); guards memory per connection.
    /// </summary>
    public const int MaxRequestHeadersTotalSize = 32 * 1024;

    /// <summary>
    /// The request line, in bytes: the longest stream URL the API allows, <c>/stream</c> with
    /// <see cref="TopicSet.MaxTopics"/> topics of <see cref="TopicName.MaxLength"/> characters and a
    /// <c>lastEventId</c>, and 1 KiB for the method, version and an access token later. Kestrel's
    /// default, 8 KiB, refuses such a stream with 414.
    /// </summary>
    public static readonly int MaxRequestLineSize = 1024 + (TopicSet.MaxTopics * ("&topic=".Length + TopicName.MaxLength)) + "&lastEventId=".Length + MultiTopicCursor.MaxLength;

    /// <summary>
    /// Slowloris on bodies: a publish body must arrive at 240 bytes/s on average after a 5 s grace
    /// (Kestrel's default rate, set here so it is a decision): a client trickling a 1 MiB batch
    /// otherwise holds its request, its buffer and a journal wait for as long as it likes.
    /// </summary>
    public static readonly MinDataRate MinRequestBodyDataRate = new(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));

    public static void Apply(KestrelServerLimits kestrel, ServerOptions options)
    {
        kestrel.MaxRequestHeadersTotalSize = MaxRequestHeadersTotalSize;
        kestrel.MaxRequestLineSize = MaxRequestLineSize;
        kestrel.RequestHeadersTimeout = options.Limits.RequestHeadersTimeout;
        kestrel.KeepAliveTimeout = options.Limits.KeepAliveTimeout;
        kestrel.MinRequestBodyDataRate = MinRequestBodyDataRate;

        // The largest body the API accepts and Kestrel's request buffer beyond it: the publish
        // route refuses a larger body itself, by its Content-Length or by counting as it reads,
        // with its 413 that names the setting. Kestrel counts a chunked body as it parses it,
        // up to a buffer ahead of the reader: at MaxBatchBytes + 1 its bare 413 came first.
        kestrel.MaxRequestBodySize = options.MaxBatchBytes + (kestrel.MaxRequestBufferSize ?? 1024 * 1024);

        // Off: an SSE stream writes a heartbeat every HeartbeatInterval and little else while
        // idle, and a client that reads slowly (a phone, a background tab) is already bounded by
        // SubscriberCredit: it holds a few events, not a growing buffer. Kestrel's check (240
        // bytes/s while a write is pending) would cut such a stream after 5 s, and the browser's
        // reconnect would cost more than the stream. A client that is gone is found by the
        // heartbeat's failing write.
        kestrel.MinResponseDataRate = null;
    }
}
