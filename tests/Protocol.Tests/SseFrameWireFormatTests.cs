using System.Text;
using EventActors.Protocol.Tests.Support;
using Xunit;

namespace EventActors.Protocol.Tests;

/// <summary>The exact bytes we put on the wire.</summary>
public sealed class SseFrameWireFormatTests
{
    [Theory]
    [InlineData("hello", "data: hello\n\n")]
    [InlineData("a\nb", "data: a\ndata: b\n\n")]
    [InlineData("a\rb", "data: a\ndata: b\n\n")]
    [InlineData("a\r\nb", "data: a\ndata: b\n\n")]
    [InlineData("a\rb\nc\r\nd", "data: a\ndata: b\ndata: c\ndata: d\n\n")]
    [InlineData("a\n\rb", "data: a\ndata: \ndata: b\n\n")]
    [InlineData("a\r\rb", "data: a\ndata: \ndata: b\n\n")]
    [InlineData("a\r\n\r\nb", "data: a\ndata: \ndata: b\n\n")]
    public void Data_is_split_into_one_data_line_per_line_whatever_ends_the_line(string payload, string expected)
    {
        Assert.Equal(expected, SseWire.Text(SseFrame.Encode(payload)));
        Assert.Equal(expected, SseWire.Text(SseFrame.Encode(Encoding.UTF8.GetBytes(payload))));
    }

    [Fact]
    public void Empty_data_still_produces_one_data_line_so_the_event_dispatches() =>
        Assert.Equal("data: \n\n", SseWire.Text(SseFrame.Encode(string.Empty)));

    [Theory]
    [InlineData("a\n", "data: a\ndata: \n\n")]
    [InlineData("a\r", "data: a\ndata: \n\n")]
    [InlineData("a\r\n", "data: a\ndata: \n\n")]
    [InlineData("\n", "data: \ndata: \n\n")]
    [InlineData("\na", "data: \ndata: a\n\n")]
    public void A_line_break_at_either_end_of_the_data_becomes_an_empty_data_line(string payload, string expected) =>
        Assert.Equal(expected, SseWire.Text(SseFrame.Encode(payload)));

    [Fact]
    public void Data_lines_that_start_with_spaces_keep_them_after_the_one_separator_space() =>
        Assert.Equal("data:   two spaces\ndata:  one\n\n", SseWire.Text(SseFrame.Encode("  two spaces\n one")));

    [Fact]
    public void Type_and_id_come_before_the_data_lines_each_on_one_line() =>
        Assert.Equal(
            "event: price\nid: k3x9q2ab-7\ndata: {\"p\":1}\n\n",
            SseWire.Text(SseFrame.Encode("{\"p\":1}", new SseEventType("price"), new SseEventId("k3x9q2ab-7"))));

    [Fact]
    public void An_empty_id_is_written_so_that_it_clears_the_clients_last_event_id() =>
        Assert.Equal("id: \ndata: x\n\n", SseWire.Text(SseFrame.Encode("x", id: new SseEventId(string.Empty))));

    [Fact]
    public void Non_ascii_text_is_written_as_utf8() =>
        Assert.Equal("data: ok\u2026 😀\n\n"u8.ToArray(), SseFrame.Encode("ok\u2026 😀").Utf8Bytes.ToArray());

    [Fact]
    public void A_lone_surrogate_in_text_data_is_written_as_the_replacement_character() =>
        Assert.Equal("data: a\uFFFDb\n\n"u8.ToArray(), SseFrame.Encode("a\uD800b").Utf8Bytes.ToArray());

    [Fact]
    public void Heartbeat_is_a_comment_only_frame() =>
        Assert.Equal(": heartbeat\n\n", SseWire.Text(SseFrame.Heartbeat));

    [Theory]
    [InlineData("", ": \n\n")]
    [InlineData("hi", ": hi\n\n")]
    [InlineData("one\rtwo\nthree\r\nfour", ": one\n: two\n: three\n: four\n\n")]
    public void Comment_text_becomes_one_comment_line_per_line(string text, string expected)
    {
        Assert.Equal(expected, SseWire.Text(SseFrame.Comment(text)));
        Assert.Equal(expected, Encoding.UTF8.GetString(SseWire.Written(w => SseFrame.WriteComment(w, text))));
    }

    [Theory]
    [InlineData(0, "retry: 0\n\n")]
    [InlineData(9, "retry: 9\n\n")]
    [InlineData(10, "retry: 10\n\n")]
    [InlineData(3000, "retry: 3000\n\n")]
    [InlineData(int.MaxValue, "retry: 2147483647\n\n")]
    public void Retry_frame_holds_the_milliseconds_as_plain_digits(int milliseconds, string expected)
    {
        Assert.Equal(expected, SseWire.Text(SseFrame.Retry(milliseconds)));
        Assert.Equal(expected, Encoding.UTF8.GetString(SseWire.Written(w => SseFrame.WriteRetry(w, milliseconds))));
    }

    [Fact]
    public void A_negative_retry_cannot_be_written_because_a_sign_is_not_a_digit()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SseFrame.Retry(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SseWire.Written(w => SseFrame.WriteRetry(w, -1)));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { (byte)'a', 0xE2, 0x80 })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public void Data_bytes_that_are_not_utf8_are_refused(byte[] payload)
    {
        Assert.Throws<ArgumentException>(() => SseFrame.Encode(payload));
        Assert.Throws<ArgumentException>(() => SseWire.Written(w => SseFrame.Write(w, payload)));
    }

    [Fact]
    public void Encoded_frames_report_whether_they_dispatch_and_carry_an_id()
    {
        var withId = SseFrame.Encode("x", id: new SseEventId("1"));
        var withoutId = SseFrame.Encode("x");
        Assert.True(withId.DispatchesEvent && withId.HasId);
        Assert.True(withoutId.DispatchesEvent && !withoutId.HasId);
        Assert.False(SseFrame.Heartbeat.DispatchesEvent || SseFrame.Heartbeat.HasId);
        Assert.False(SseFrame.Retry(1).DispatchesEvent || SseFrame.Retry(1).HasId);
    }

    [Fact]
    public void A_per_connection_id_is_written_as_an_id_line_in_front_of_the_shared_frame()
    {
        var shared = SseFrame.Encode("x", new SseEventType("tick"));
        var wire = SseWire.Written(w => SseFrame.WriteWithId(w, shared, new SseEventId("abc")));
        Assert.Equal("id: abc\nevent: tick\ndata: x\n\n", Encoding.UTF8.GetString(wire));
    }

    [Fact]
    public void A_per_connection_id_cannot_be_added_to_a_frame_that_has_one_or_dispatches_nothing()
    {
        var id = new SseEventId("abc");
        Assert.Throws<ArgumentException>(() => SseWire.Written(w => SseFrame.WriteWithId(w, SseFrame.Encode("x", id: id), id)));
        Assert.Throws<ArgumentException>(() => SseWire.Written(w => SseFrame.WriteWithId(w, SseFrame.Heartbeat, id)));
        Assert.Throws<ArgumentException>(() => SseWire.Written(w => SseFrame.WriteWithId(w, SseFrame.Retry(5), id)));
    }

    [Fact]
    public void A_default_event_type_or_id_is_refused_rather_than_written_empty()
    {
        Assert.Throws<InvalidOperationException>(() => SseFrame.Encode("x", type: default(SseEventType)));
        Assert.Throws<InvalidOperationException>(() => SseFrame.Encode("x", id: default(SseEventId)));
    }

    [Fact]
    public void Writing_into_a_writer_gives_the_same_bytes_as_encoding_once()
    {
        const string payload = "a\r\nb\rc\n";
        var type = new SseEventType("t");
        var id = new SseEventId("i");
        var encoded = SseFrame.Encode(payload, type, id).Utf8Bytes.ToArray();
        Assert.Equal(encoded, SseWire.Written(w => SseFrame.Write(w, payload, type, id)));
        Assert.Equal(encoded, SseWire.Written(w => SseFrame.Write(w, Encoding.UTF8.GetBytes(payload), type, id)));
        Assert.Equal(encoded, SseWire.Written(w => SseFrame.Encode(payload, type, id).WriteTo(w)));
    }

    [Fact]
    public void Large_payloads_are_written_in_pieces_even_into_a_writer_that_gives_the_least_room_allowed()
    {
        // Multi-byte characters on every boundary the 16 KiB pieces could fall on, and lines longer than a piece.
        var payload = string.Concat(Enumerable.Repeat("é😀…x", 20_000)) + "\r\n" + new string('y', 40_000) + "\r" + "end";
        var expected = SseFrame.Encode(Encoding.UTF8.GetBytes(payload), new SseEventType("big")).Utf8Bytes.ToArray();

        var stingy = new StingyBufferWriter();
        SseFrame.Write(stingy, payload, new SseEventType("big"));
        Assert.Equal(expected, stingy.Written);
        Assert.True(stingy.SpansHandedOut > 3);

        Assert.Equal(expected, SseFrame.Encode(payload, new SseEventType("big")).Utf8Bytes.ToArray());
        Assert.Equal(SseWire.AsClientSeesIt(payload), Assert.Single(SseWire.Parse(expected).Events).Data);
    }

    [Fact]
    public void Encoded_frame_bytes_end_with_its_only_blank_line()
    {
        var frames = new[]
        {
            SseFrame.Encode(string.Empty), SseFrame.Encode("\n\n\n"), SseFrame.Encode("a\r\n\r\nb", new SseEventType("e"), new SseEventId(string.Empty)),
            SseFrame.Comment("\n\n"), SseFrame.Heartbeat, SseFrame.Retry(0),
        };
        foreach (var frame in frames)
        {
            var text = SseWire.Text(frame);
            Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
            Assert.Equal(text.Length - 2, text.IndexOf("\n\n", StringComparison.Ordinal));
        }
    }
}
