using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using EventActors.Protocol;

namespace EventActors.Protocol.Tests.Support;

/// <summary>What a spec-following client (System.Net.ServerSentEvents.SseParser) made of a stream.</summary>
internal sealed record ParsedStream(IReadOnlyList<SseItem<string>> Events, string LastEventId, TimeSpan ReconnectionInterval);

internal static class SseWire
{
    /// <summary>Chunk sizes to feed the parser: byte by byte, awkward small sizes, all at once.</summary>
    public static readonly int[] ChunkSizes = [1, 2, 3, 7, int.MaxValue];

    public static string Text(EncodedSseEvent frame) => Encoding.UTF8.GetString(frame.Utf8Bytes.Span);

    public static byte[] Concat(params EncodedSseEvent[] frames) => frames.SelectMany(f => f.Utf8Bytes.ToArray()).ToArray();

    public static ParsedStream Parse(EncodedSseEvent frame, int chunkSize = int.MaxValue) => Parse(frame.Utf8Bytes.ToArray(), chunkSize);

    public static ParsedStream Parse(byte[] wire, int chunkSize = int.MaxValue)
    {
        var parser = SseParser.Create(new TricklingStream(wire, chunkSize));
        var events = parser.Enumerate().ToList();
        return new ParsedStream(events, parser.LastEventId, parser.ReconnectionInterval);
    }

    /// <summary>
    /// What a client's data is for a payload we send: every CRLF and every lone CR becomes LF
    /// (each ends a line, and the parser joins data lines with LF), and a lone surrogate becomes
    /// U+FFFD (the stream is UTF-8, which cannot carry one).
    /// </summary>
    public static string AsClientSeesIt(string payload) =>
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(payload)).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    public static byte[] Written(Action<IBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A human-readable rendering of control characters for assertion messages.</summary>
    public static string Visible(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
}
