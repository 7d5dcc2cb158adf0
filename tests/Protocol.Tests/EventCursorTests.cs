using EventActors.Protocol.Tests.Support;
using Xunit;

namespace EventActors.Protocol.Tests;

public sealed class EventCursorTests
{
    private static readonly TopicEpoch s_epoch = TopicEpoch.Parse("k3x9q2ab");

    [Theory]
    [InlineData(0UL, "k3x9q2ab-0")]
    [InlineData(1UL, "k3x9q2ab-1")]
    [InlineData(1042UL, "k3x9q2ab-1042")]
    [InlineData(ulong.MaxValue, "k3x9q2ab-18446744073709551615")]
    public void Cursor_is_the_epoch_a_dash_and_the_decimal_sequence(ulong sequence, string expected)
    {
        var cursor = new EventCursor(s_epoch, sequence);
        Assert.Equal(expected, cursor.ToString());
        Assert.True(EventCursor.TryParse(expected, out var parsed, out var error));
        Assert.Equal((cursor, CursorError.None), (parsed, error));
    }

    [Fact]
    public void The_longest_cursor_is_MaxLength_characters() =>
        Assert.Equal(EventCursor.MaxLength, new EventCursor(s_epoch, ulong.MaxValue).ToString().Length);

    [Theory]
    [InlineData("")]
    [InlineData("1042")]
    [InlineData("k3x9q2ab")]
    [InlineData("k3x9q2ab-")]
    [InlineData("k3x9q2ab1042")]
    [InlineData("k3x9q2ab_1042")]
    [InlineData("K3X9Q2AB-1042")]
    [InlineData("k3x9q2a-1042")]
    [InlineData("k3x9q2abc-1042")]
    [InlineData("k3x9q2ab-01")]
    [InlineData("k3x9q2ab-00")]
    [InlineData("k3x9q2ab-+1")]
    [InlineData("k3x9q2ab--1")]
    [InlineData("k3x9q2ab-1e3")]
    [InlineData("k3x9q2ab-1 ")]
    [InlineData(" k3x9q2ab-1")]
    [InlineData("k3x9q2ab-1\n")]
    [InlineData("k3x9q2ab-\u0661")]
    [InlineData("k3x9q2ab-18446744073709551616")]
    [InlineData("k3x9q2ab-99999999999999999999")]
    [InlineData("k3x9q2ab-1-2")]
    [InlineData("m.k3x9q2ab")]
    public void Text_that_is_not_a_cursor_we_issue_is_malformed(string text)
    {
        Assert.False(EventCursor.TryParse(text, out var cursor, out var error));
        Assert.Equal((default(EventCursor), CursorError.Malformed), (cursor, error));
    }

    [Fact]
    public void Null_is_malformed()
    {
        Assert.False(EventCursor.TryParse((string?)null, out _, out var error));
        Assert.Equal(CursorError.Malformed, error);
    }

    [Fact]
    public void A_multi_topic_cursor_is_the_wrong_kind()
    {
        var set = TopicSet.Create(TopicName.Parse("a"), TopicName.Parse("b"));
        var multi = new MultiTopicCursor(set, [new EventCursor(s_epoch, 1), new EventCursor(s_epoch, 2)]);
        Assert.False(EventCursor.TryParse(multi.Format(), out _, out var error));
        Assert.Equal(CursorError.WrongKind, error);
    }

    [Fact]
    public void Text_longer_than_any_cursor_is_oversized_before_anything_else_is_checked()
    {
        var justTooLong = "k3x9q2ab-1" + new string('0', EventCursor.MaxAcceptedLength - 9);
        Assert.Equal(EventCursor.MaxAcceptedLength + 1, justTooLong.Length);
        Assert.False(EventCursor.TryParse(justTooLong, out _, out var error));
        Assert.Equal(CursorError.Oversized, error);

        Assert.False(EventCursor.TryParse(justTooLong[..^1], out _, out error));
        Assert.Equal(CursorError.Malformed, error);

        Assert.False(EventCursor.TryParse(new string('x', 10_000_000), out _, out error));
        Assert.Equal(CursorError.Oversized, error);
    }

    [Fact]
    public void As_an_event_id_the_cursor_comes_back_from_the_client_unchanged()
    {
        var cursor = new EventCursor(s_epoch, 1042);
        var parsed = SseWire.Parse(SseFrame.Encode("x", id: cursor.ToEventId()), chunkSize: 1);
        Assert.True(EventCursor.TryParse(parsed.LastEventId, out var resumed, out _));
        Assert.Equal(cursor, resumed);
    }

    [Fact]
    public void Start_is_sequence_zero_of_the_epoch() =>
        Assert.Equal("k3x9q2ab-0", EventCursor.Start(s_epoch).ToString());

    [Fact]
    public void TryFormat_reports_a_destination_that_is_too_small()
    {
        var cursor = new EventCursor(s_epoch, 1042);
        Assert.False(cursor.TryFormat(new char[12], out var written));
        Assert.Equal(0, written);
        Assert.False(cursor.TryFormat(new char[8], out _));
        Assert.True(cursor.TryFormat(new char[13], out written));
        Assert.Equal(13, written);
    }
}
