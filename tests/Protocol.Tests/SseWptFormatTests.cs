using System.Text;
using EventActors.Protocol.Tests.Support;
using Xunit;

namespace EventActors.Protocol.Tests;

/// <summary>
/// The web-platform-tests <c>eventsource/format-*</c> cases that concern what a server sends, turned
/// around: each case's expected client-side result is encoded by us and must come out of a parser
/// unchanged.
/// </summary>
public sealed class SseWptFormatTests
{
    public static TheoryData<int> ChunkSizes() => [.. SseWire.ChunkSizes];

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_field_data_empty_then_newline_then_text(int chunkSize)
    {
        // format-field-data: "data:\n\ndata\ndata\n\ndata:test" dispatches "", "\n", "test".
        var wire = SseWire.Concat(SseFrame.Encode(string.Empty), SseFrame.Encode("\n"), SseFrame.Encode("test"));
        Assert.Equal([string.Empty, "\n", "test"], SseWire.Parse(wire, chunkSize).Events.Select(e => e.Data));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_newlines_crlf_lf_and_cr_in_one_payload(int chunkSize)
    {
        // format-newlines: "data:test\r\ndata\ndata:test\r\n\r" dispatches "test\n\ntest".
        var frame = SseFrame.Encode("test\r\n\ntest");
        Assert.DoesNotContain((byte)'\r', frame.Utf8Bytes.ToArray());
        Assert.Equal("test\n\ntest", Assert.Single(SseWire.Parse(frame, chunkSize).Events).Data);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_leading_space_tab_and_empty_lines_survive(int chunkSize)
    {
        // format-leading-space: "data:\ttest\rdata: \ndata:test" dispatches "\ttest\n\ntest".
        var frame = SseFrame.Encode("\ttest\r\n\ntest");
        Assert.Equal("\ttest\n\ntest", Assert.Single(SseWire.Parse(frame, chunkSize).Events).Data);
        Assert.Equal("   three", Assert.Single(SseWire.Parse(SseFrame.Encode("   three"), chunkSize).Events).Data);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_null_character_in_data_is_delivered(int chunkSize)
    {
        // format-null-character: "data:\0\n\n" dispatches "\0".
        Assert.Equal("\0", Assert.Single(SseWire.Parse(SseFrame.Encode("\0"), chunkSize).Events).Data);
        Assert.Equal("a\0b\0", Assert.Single(SseWire.Parse(SseFrame.Encode("a\0b\0"u8), chunkSize).Events).Data);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_field_parsing_result_round_trips(int chunkSize)
    {
        // format-field-parsing expects the data "\0\n 2\n1\n3\n\n4".
        const string expected = "\0\n 2\n1\n3\n\n4";
        Assert.Equal(expected, Assert.Single(SseWire.Parse(SseFrame.Encode(expected), chunkSize).Events).Data);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_utf8_data_is_utf8_on_the_wire(int chunkSize)
    {
        // format-utf-8: "data:ok…" is always decoded as UTF-8, whatever the charset parameter says.
        var frame = SseFrame.Encode("ok\u2026");
        Assert.Equal([.. "data: ok"u8, 0xE2, 0x80, 0xA6, (byte)'\n', (byte)'\n'], frame.Utf8Bytes.ToArray());
        Assert.Equal("ok\u2026", Assert.Single(SseWire.Parse(frame, chunkSize).Events).Data);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_field_id_non_ascii_id_becomes_the_last_event_id(int chunkSize)
    {
        // format-field-id: the id "…" is the event's lastEventId.
        var parsed = SseWire.Parse(SseFrame.Encode("hello", id: new SseEventId("\u2026")), chunkSize);
        Assert.Equal("\u2026", Assert.Single(parsed.Events).EventId);
        Assert.Equal("\u2026", parsed.LastEventId);
    }

    [Theory]
    [InlineData("\0\0")]
    [InlineData("x\0")]
    [InlineData("\0x")]
    [InlineData("x\0x")]
    [InlineData(" \0")]
    public void Format_field_id_null_an_id_a_browser_would_ignore_cannot_be_made(string id)
    {
        // format-field-id-null: browsers ignore an id field that contains NUL.
        Assert.False(SseEventId.TryCreate(id, out _));
        Assert.Throws<ArgumentException>(() => new SseEventId(id));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_field_retry_sets_the_reconnection_time_without_dispatching(int chunkSize)
    {
        // format-field-retry: "retry:03000" means 3000 ms; we write it without the leading zero.
        var parsed = SseWire.Parse(SseWire.Concat(SseFrame.Retry(3000), SseFrame.Encode("x")), chunkSize);
        Assert.Equal(TimeSpan.FromMilliseconds(3000), parsed.ReconnectionInterval);
        Assert.Equal("x", Assert.Single(parsed.Events).Data);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_field_event_sets_the_type(int chunkSize)
    {
        // format-field-event: "event:test\ndata:x" dispatches an event of type "test".
        var item = Assert.Single(SseWire.Parse(SseFrame.Encode("x", new SseEventType("test")), chunkSize).Events);
        Assert.Equal(("test", "x"), (item.EventType, item.Data));
    }

    [Fact]
    public void Format_field_event_empty_an_empty_type_cannot_be_made()
    {
        // format-field-event-empty: "event: " leaves the type "message"; say so by omitting it.
        Assert.False(SseEventType.TryCreate(string.Empty, out _));
        Assert.Throws<ArgumentException>(() => new SseEventType(string.Empty));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_comments_between_events_change_nothing(int chunkSize)
    {
        // format-comments: comments of any length, with CR or LF endings, between data lines.
        var longText = new string('x', 2049);
        var wire = SseWire.Concat(
            SseFrame.Encode("1"), SseFrame.Comment("\0"), SseFrame.Comment(string.Empty), SseFrame.Encode("2"),
            SseFrame.Comment(longText + "\rdata:fail\r" + longText), SseFrame.Heartbeat, SseFrame.Encode("3"));
        Assert.Equal(["1", "2", "3"], SseWire.Parse(wire, chunkSize).Events.Select(e => e.Data));
    }

    [Fact]
    public void Format_data_before_final_empty_line_every_frame_is_complete_on_its_own()
    {
        // format-data-before-final-empty-line: a block without its blank line is never dispatched,
        // so a stream cut right after any frame we wrote has delivered all of it.
        var parsed = SseWire.Parse(SseFrame.Encode("last", id: new SseEventId("9")));
        Assert.Equal(("last", "9"), (Assert.Single(parsed.Events).Data, parsed.LastEventId));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Format_bom_a_byte_order_mark_in_the_first_payload_is_data_not_a_stream_bom(int chunkSize)
    {
        // format-bom: only a BOM at the very start of the stream is stripped; ours start with a field.
        var wire = SseWire.Concat(SseFrame.Encode("\uFEFFx"), SseFrame.Encode("\uFEFF"));
        Assert.Equal(["\uFEFFx", "\uFEFF"], SseWire.Parse(wire, chunkSize).Events.Select(e => e.Data));
        Assert.NotEqual(0xEF, wire[0]);
    }

    [Fact]
    public void Comment_text_cannot_smuggle_in_a_field_or_an_event()
    {
        var parsed = SseWire.Parse(SseFrame.Comment("x\rdata: injected\n\nid: 666\r\nretry: 1\n"));
        Assert.Empty(parsed.Events);
        Assert.Equal(string.Empty, parsed.LastEventId);
        Assert.NotEqual(TimeSpan.FromMilliseconds(1), parsed.ReconnectionInterval);
        Assert.Equal(": x\n: data: injected\n: \n: id: 666\n: retry: 1\n: \n\n", Encoding.UTF8.GetString(SseFrame.Comment("x\rdata: injected\n\nid: 666\r\nretry: 1\n").Utf8Bytes.Span));
    }
}
