using System.Net.ServerSentEvents;
using System.Text;
using EventActors.Protocol.Tests.Support;
using Xunit;

namespace EventActors.Protocol.Tests;

/// <summary>
/// The event-stream examples of the WHATWG HTML "Server-sent events" section: we encode the events
/// each example describes and check the bytes (where the spec writes fields the way we do) and
/// what a parser makes of them, fed all at once and trickled.
/// </summary>
public sealed class SseSpecExampleTests
{
    public static TheoryData<int> ChunkSizes() => [.. SseWire.ChunkSizes];

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Introduction_example_three_messages_one_of_two_lines(int chunkSize)
    {
        // Spec: "data: This is the first message.\n\ndata: This is the second message, it\n
        // data: has two lines.\n\ndata: This is the third message."
        var wire = SseWire.Concat(
            SseFrame.Encode("This is the first message."),
            SseFrame.Encode("This is the second message, it\nhas two lines."),
            SseFrame.Encode("This is the third message."));

        Assert.Equal(
            "data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n",
            Encoding.UTF8.GetString(wire));
        Assert.Equal(
            ["This is the first message.", "This is the second message, it\nhas two lines.", "This is the third message."],
            SseWire.Parse(wire, chunkSize).Events.Select(e => e.Data));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Introduction_example_two_event_types_add_and_remove(int chunkSize)
    {
        var add = new SseEventType("add");
        var remove = new SseEventType("remove");
        var wire = SseWire.Concat(SseFrame.Encode("73857293", add), SseFrame.Encode("2153", remove), SseFrame.Encode("113411", add));

        Assert.Equal(
            "event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
            Encoding.UTF8.GetString(wire));
        Assert.Equal(
            [("add", "73857293"), ("remove", "2153"), ("add", "113411")],
            SseWire.Parse(wire, chunkSize).Events.Select(e => (e.EventType, e.Data)));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Stock_example_one_event_of_three_lines(int chunkSize)
    {
        // Spec: "The following event stream, once followed by a blank line: data: YHOO / data: +2 /
        // data: 10 ... would cause an event message with the interface MessageEvent to be dispatched
        // on the EventSource object. The event's data attribute would contain the string
        // "YHOO\n+2\n10" (where "\n" represents a newline)."
        var frame = SseFrame.Encode("YHOO\n+2\n10");

        Assert.Equal("data: YHOO\ndata: +2\ndata: 10\n\n", SseWire.Text(frame));
        Assert.Equal("YHOO\n+2\n10", Assert.Single(SseWire.Parse(frame, chunkSize).Events).Data);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Test_stream_example_comment_then_ids_set_and_reset_and_a_kept_leading_space(int chunkSize)
    {
        // Spec: ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event"
        // "The first block fires events with the data set to the string "first event", and the last
        // event ID set to "1". The second fires an event with the data "second event" and resets
        // the last event ID to the empty string. The third fires an event with the data " third
        // event" (with a single leading space character)."
        var comment = SseFrame.Comment("test stream");
        var third = SseFrame.Encode(" third event");
        var wire = SseWire.Concat(
            comment,
            SseFrame.Encode("first event", id: new SseEventId("1")),
            SseFrame.Encode("second event", id: new SseEventId(string.Empty)),
            third);

        Assert.Equal(": test stream\n\n", SseWire.Text(comment));
        Assert.Equal("data:  third event\n\n", SseWire.Text(third));
        var parsed = SseWire.Parse(wire, chunkSize);
        Assert.Equal(
            [("first event", "1"), ("second event", string.Empty), (" third event", null)],
            parsed.Events.Select(e => (e.Data, e.EventId)));
        Assert.Equal(string.Empty, parsed.LastEventId);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Empty_data_example_an_empty_event_and_an_event_of_one_newline(int chunkSize)
    {
        // Spec: "data\n\ndata\ndata\n\ndata:" "The first block fires an event with the data set to
        // the empty string, as would the last block if it was followed by a blank line. The middle
        // block fires an event with the data set to a single newline character. The last block is
        // discarded because it is not followed by a blank line."
        var wire = SseWire.Concat(SseFrame.Encode(string.Empty), SseFrame.Encode("\n"), SseFrame.Encode(string.Empty));

        Assert.Equal("data: \n\ndata: \ndata: \n\ndata: \n\n", Encoding.UTF8.GetString(wire));
        Assert.Equal([string.Empty, "\n", string.Empty], SseWire.Parse(wire, chunkSize).Events.Select(e => e.Data));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Space_after_colon_example_both_spellings_are_the_one_we_write(int chunkSize)
    {
        // Spec: "data:test\n\ndata: test\n\n" "would cause two identical events to be dispatched.
        // This is because the space after the colon is ignored if present."
        var frame = SseFrame.Encode("test");

        Assert.Equal("data: test\n\n", SseWire.Text(frame));
        Assert.Equal(["test", "test"], SseWire.Parse(SseWire.Concat(frame, frame), chunkSize).Events.Select(e => e.Data));
    }

    [Fact]
    public void Events_without_a_type_arrive_as_message_events() =>
        Assert.Equal(SseParser.EventTypeDefault, Assert.Single(SseWire.Parse(SseFrame.Encode("x")).Events).EventType);
}
