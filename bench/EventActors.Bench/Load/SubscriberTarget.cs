using System.Net;
using System.Text;

namespace EventActors.Bench.Load;

/// <summary>Where one topic's subscribers connect, and the request they send, encoded once per topic (once per connection when each carries a token).</summary>
internal sealed class SubscriberTarget
{
    private readonly string _requestHead; // everything but the final blank line

    public SubscriberTarget(Uri uri, IPAddress address, string? bearerToken = null)
    {
        Endpoint = new IPEndPoint(address, uri.Port);
        // An SSE request as a browser's EventSource makes it: HTTP/1.1, Accept: text/event-stream,
        // no caching (spec), and a Host with the port when it is not the default.
        _requestHead =
            $"GET {uri.PathAndQuery} HTTP/1.1\r\n" +
            $"Host: {uri.Authority}\r\n" +
            "Accept: text/event-stream\r\n" +
            "Cache-Control: no-cache\r\n" +
            "User-Agent: EventActors.Bench\r\n" +
            (bearerToken is null ? "" : $"Authorization: Bearer {bearerToken}\r\n");
        Request = Encoding.ASCII.GetBytes(_requestHead + "\r\n");
    }

    public IPEndPoint Endpoint { get; }

    public byte[] Request { get; }

    /// <summary>The request of a reconnecting client. The id came from an SSE line, so it holds no CR or LF.</summary>
    public byte[] RequestResumingAfter(ReadOnlySpan<byte> lastEventId)
    {
        var head = Encoding.ASCII.GetBytes(_requestHead + "Last-Event-ID: ");
        var request = new byte[head.Length + lastEventId.Length + 4];
        head.CopyTo(request, 0);
        lastEventId.CopyTo(request.AsSpan(head.Length));
        "\r\n\r\n"u8.CopyTo(request.AsSpan(head.Length + lastEventId.Length));
        return request;
    }
}
