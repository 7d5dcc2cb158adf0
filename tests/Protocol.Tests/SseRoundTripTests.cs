using System.Text;
using EventActors.Protocol.Tests.Support;
using Xunit;

namespace EventActors.Protocol.Tests;

/// <summary>
/// Formatter to parser: every newline style in the payload, crossed with trickling the encoded
/// bytes to System.Net.ServerSentEvents.SseParser in chunks down to one byte.
/// </summary>
public sealed class SseRoundTripTests
{
    private static readonly string[] s_payloads =
    [
        string.Empty, "plain", "lf\nlf", "cr\rcr", "crlf\r\ncrlf", "mixed\rcr\nlf\r\ncrlf", "lf-cr\n\rx",
        "\n", "\r", "\r\n", "\n\n", "\r\r", "\r\n\r\n", "\r\r\n", "trailing\n", "trailing\r", "trailing\r\n",
        "\nleading", "\rleading", "\r\nleading", " space", "  two\n   three", ":colon", "data: looks like a field",
        "nul\0inside", "\0", "é…😀 multi-byte", "😀\r😀\n😀",
    ];

    public static TheoryData<string, int> PayloadsByChunkSize()
    {
        var data = new TheoryData<string, int>();
        foreach (var payload in s_payloads)
        {
            foreach (var chunkSize in SseWire.ChunkSizes)
            {
                data.Add(payload, chunkSize);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PayloadsByChunkSize))]
    public void Text_payload_arrives_with_every_line_ending_as_LF(string payload, int chunkSize)
    {
        var item = Assert.Single(SseWire.Parse(SseFrame.Encode(payload), chunkSize).Events);
        Assert.Equal(SseWire.AsClientSeesIt(payload), item.Data);
    }

    [Theory]
    [MemberData(nameof(PayloadsByChunkSize))]
    public void Utf8_payload_arrives_with_every_line_ending_as_LF(string payload, int chunkSize)
    {
        var item = Assert.Single(SseWire.Parse(SseFrame.Encode(Encoding.UTF8.GetBytes(payload)), chunkSize).Events);
        Assert.Equal(SseWire.AsClientSeesIt(payload), item.Data);
    }

    [Theory]
    [MemberData(nameof(PayloadsByChunkSize))]
    public void Type_id_and_data_all_arrive_together(string payload, int chunkSize)
    {
        var frame = SseFrame.Encode(payload, new SseEventType("some.type"), new SseEventId("k3x9q2ab-42"));
        var parsed = SseWire.Parse(frame, chunkSize);
        var item = Assert.Single(parsed.Events);
        Assert.Equal(("some.type", "k3x9q2ab-42", SseWire.AsClientSeesIt(payload)), (item.EventType, item.EventId, item.Data));
        Assert.Equal("k3x9q2ab-42", parsed.LastEventId);
    }

    [Theory]
    [MemberData(nameof(PayloadsByChunkSize))]
    public void No_raw_CR_reaches_the_wire(string payload, int chunkSize)
    {
        _ = chunkSize;
        Assert.DoesNotContain((byte)'\r', SseFrame.Encode(payload, new SseEventType("t"), new SseEventId("i")).Utf8Bytes.ToArray());
        Assert.DoesNotContain((byte)'\r', SseFrame.Comment(payload).Utf8Bytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(PayloadsByChunkSize))]
    public void Many_frames_in_one_stream_each_arrive_whole_and_in_order(string payload, int chunkSize)
    {
        var wire = SseWire.Concat(
            SseFrame.Retry(1500), SseFrame.Encode(payload, id: new SseEventId("1")), SseFrame.Heartbeat,
            SseFrame.Encode(payload, new SseEventType("second")), SseFrame.Comment(payload), SseFrame.Encode("end", id: new SseEventId("3")));
        var parsed = SseWire.Parse(wire, chunkSize);
        var expected = SseWire.AsClientSeesIt(payload);
        Assert.Equal(
            [("message", expected, "1"), ("second", expected, null), ("message", "end", "3")],
            parsed.Events.Select(e => (e.EventType, e.Data, e.EventId)));
        Assert.Equal(("3", TimeSpan.FromMilliseconds(1500)), (parsed.LastEventId, parsed.ReconnectionInterval));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    public void A_per_connection_id_and_a_shared_frame_arrive_as_one_event(int chunkSize)
    {
        var shared = SseFrame.Encode("a\r\nb", new SseEventType("tick"));
        var wire = SseWire.Written(w =>
        {
            SseFrame.WriteWithId(w, shared, new SseEventId("first"));
            SseFrame.WriteWithId(w, shared, new SseEventId("second"));
        });
        var parsed = SseWire.Parse(wire, chunkSize);
        Assert.Equal([("tick", "a\nb", "first"), ("tick", "a\nb", "second")], parsed.Events.Select(e => (e.EventType, e.Data, e.EventId)));
    }
}
