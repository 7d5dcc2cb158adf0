using EventActors.Protocol.Tests.Support;
using Xunit;

namespace EventActors.Protocol.Tests;

public sealed class MultiTopicCursorTests
{
    private static readonly TopicEpoch s_e1 = TopicEpoch.Parse("k3x9q2ab");
    private static readonly TopicEpoch s_e2 = TopicEpoch.Parse("p0a8zz1c");
    private static readonly TopicSet s_set = TopicSet.Create(TopicName.Parse("stocks.AAPL"), TopicName.Parse("news.world"));

    // Canonical order is news.world, stocks.AAPL.
    private static MultiTopicCursor Sample() => new(s_set, [new EventCursor(s_e1, 1042), new EventCursor(s_e2, 0)]);

    [Fact]
    public void Format_is_the_marker_the_fingerprint_and_each_topics_epoch_and_base36_sequence_in_canonical_order()
    {
        Assert.Equal($"m.{s_set.Fingerprint}.k3x9q2ab-sy.p0a8zz1c-0", Sample().Format());
        Assert.Equal(Sample().Format(), Sample().ToString());
    }

    [Fact]
    public void Format_parses_back_to_the_same_positions()
    {
        Assert.True(MultiTopicCursor.TryParse(Sample().Format(), s_set, out var parsed, out var error));
        Assert.Equal(CursorError.None, error);
        Assert.Equal(Sample().Positions.ToArray(), parsed.Positions.ToArray());
        Assert.Same(s_set, parsed.Topics);
    }

    [Fact]
    public void Positions_are_looked_up_and_replaced_by_topic()
    {
        var cursor = Sample();
        Assert.Equal(new EventCursor(s_e2, 0), cursor.PositionOf(TopicName.Parse("stocks.AAPL")));
        var moved = cursor.WithPosition(TopicName.Parse("stocks.AAPL"), new EventCursor(s_e2, 7));
        Assert.Equal(new EventCursor(s_e2, 7), moved.PositionOf(TopicName.Parse("stocks.AAPL")));
        Assert.Equal(new EventCursor(s_e2, 0), cursor.PositionOf(TopicName.Parse("stocks.AAPL")));
        Assert.Throws<ArgumentException>(() => cursor.PositionOf(TopicName.Parse("other")));
    }

    [Fact]
    public void There_must_be_exactly_one_position_per_topic()
    {
        Assert.Throws<ArgumentException>(() => new MultiTopicCursor(s_set, [new EventCursor(s_e1, 1)]));
        Assert.Throws<ArgumentException>(() => MultiTopicCursor.TryFormat(s_set, new EventCursor[3], new char[100], out _));
    }

    [Fact]
    public void The_longest_cursor_is_MaxLength_characters()
    {
        var set = TopicSet.Create(Enumerable.Range(0, TopicSet.MaxTopics).Select(i => TopicName.Parse($"t{i}")));
        var longest = new MultiTopicCursor(set, Enumerable.Repeat(new EventCursor(s_e1, ulong.MaxValue), set.Count));
        Assert.Equal(MultiTopicCursor.MaxLength, longest.Format().Length);
        Assert.Equal(1482, MultiTopicCursor.MaxLength);
        Assert.True(MultiTopicCursor.TryParse(longest.Format(), set, out _, out _));
    }

    [Fact]
    public void TryFormat_reports_a_destination_that_is_too_small()
    {
        var text = Sample().Format();
        Assert.False(Sample().TryFormat(new char[text.Length - 1], out var written));
        Assert.Equal(0, written);
        Assert.True(Sample().TryFormat(new char[text.Length], out written));
        Assert.Equal(text.Length, written);
    }

    [Fact]
    public void A_cursor_from_another_topic_set_is_a_mismatch()
    {
        var other = TopicSet.Create(TopicName.Parse("stocks.AAPL"), TopicName.Parse("news.sport"));
        Assert.False(MultiTopicCursor.TryParse(Sample().Format(), other, out var cursor, out var error));
        Assert.Equal((null, CursorError.TopicSetMismatch), (cursor, error));
    }

    [Fact]
    public void A_cursor_from_before_a_topic_was_added_is_a_mismatch()
    {
        var grown = TopicSet.Create([.. s_set, TopicName.Parse("users.42.notifications")]);
        Assert.False(MultiTopicCursor.TryParse(Sample().Format(), grown, out _, out var error));
        Assert.Equal(CursorError.TopicSetMismatch, error);
    }

    [Fact]
    public void A_cursor_with_the_right_fingerprint_but_the_wrong_number_of_entries_is_a_mismatch()
    {
        var oneEntryTooFew = $"m.{s_set.Fingerprint}.k3x9q2ab-sy";
        var oneEntryTooMany = $"m.{s_set.Fingerprint}.k3x9q2ab-sy.p0a8zz1c-0.p0a8zz1c-0";
        Assert.False(MultiTopicCursor.TryParse(oneEntryTooFew, s_set, out _, out var error));
        Assert.Equal(CursorError.TopicSetMismatch, error);
        Assert.False(MultiTopicCursor.TryParse(oneEntryTooMany, s_set, out _, out error));
        Assert.Equal(CursorError.TopicSetMismatch, error);
    }

    [Fact]
    public void A_single_topic_cursor_is_the_wrong_kind()
    {
        Assert.False(MultiTopicCursor.TryParse("k3x9q2ab-1042", s_set, out _, out var error));
        Assert.Equal(CursorError.WrongKind, error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m.")]
    [InlineData("m.abcdefgh")]
    [InlineData("m.abcdefgh.")]
    [InlineData("m.abcdefgh..k3x9q2ab-1")]
    [InlineData("m.abcdefgh.k3x9q2ab-1.")]
    [InlineData("m.abcdefgh.k3x9q2ab-")]
    [InlineData("m.abcdefgh.k3x9q2ab")]
    [InlineData("m.abcdefgh.k3x9q2ab-01")]
    [InlineData("m.abcdefgh.k3x9q2ab-A")]
    [InlineData("m.abcdefgh.K3X9Q2AB-1")]
    [InlineData("m.abcdefgh.k3x9q2ab-3w5e11264sgsg")]
    [InlineData("m.abcdefgh.k3x9q2ab-10000000000000")]
    [InlineData("m.abcdefg.k3x9q2ab-1")]
    [InlineData("m.ABCDEFGH.k3x9q2ab-1")]
    [InlineData("M.abcdefgh.k3x9q2ab-1")]
    [InlineData("x.abcdefgh.k3x9q2ab-1")]
    [InlineData("m.abcdefgh.k3x9q2ab-1 ")]
    [InlineData("m.abcdefgh.k3x9q2ab~1")]
    [InlineData("m.abcdefgh,k3x9q2ab-1")]
    [InlineData("k3x9q2ab-01")]
    public void Text_that_is_not_a_cursor_we_issue_is_malformed(string text)
    {
        Assert.False(MultiTopicCursor.TryParse(text, s_set, out var cursor, out var error));
        Assert.Equal((null, CursorError.Malformed), (cursor, error));
    }

    [Fact]
    public void The_largest_base36_sequence_is_accepted_and_one_more_is_not()
    {
        var set = TopicSet.Create(TopicName.Parse("a"));
        Assert.True(MultiTopicCursor.TryParse($"m.{set.Fingerprint}.k3x9q2ab-3w5e11264sgsf", set, out var cursor, out _));
        Assert.Equal(ulong.MaxValue, cursor.Positions[0].Sequence);
        Assert.False(MultiTopicCursor.TryParse($"m.{set.Fingerprint}.k3x9q2ab-3w5e11264sgsg", set, out _, out var error));
        Assert.Equal(CursorError.Malformed, error);
    }

    [Fact]
    public void Text_longer_than_any_cursor_is_oversized_before_anything_else_is_checked()
    {
        var tooLong = Sample().Format() + new string('0', MultiTopicCursor.MaxLength);
        Assert.False(MultiTopicCursor.TryParse(tooLong, s_set, out _, out var error));
        Assert.Equal(CursorError.Oversized, error);
        Assert.False(MultiTopicCursor.TryParse(new string('m', MultiTopicCursor.MaxLength + 1), s_set, out _, out error));
        Assert.Equal(CursorError.Oversized, error);
        Assert.False(MultiTopicCursor.TryParse(new string('m', MultiTopicCursor.MaxLength), s_set, out _, out error));
        Assert.Equal(CursorError.Malformed, error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    public void As_a_per_connection_event_id_the_cursor_comes_back_from_the_client_unchanged(int chunkSize)
    {
        var shared = SseFrame.Encode("{\"p\":1}", new SseEventType("price"));
        var positions = Sample().Positions.ToArray();
        var wire = SseWire.Written(w =>
        {
            SseFrame.WriteWithId(w, shared, Sample());
            positions[0] = new EventCursor(s_e1, 1043);
            SseFrame.WriteWithId(w, shared, s_set, positions);
        });

        var parsed = SseWire.Parse(wire, chunkSize);
        Assert.Equal([Sample().Format(), new MultiTopicCursor(s_set, positions).Format()], parsed.Events.Select(e => e.EventId));
        Assert.All(parsed.Events, e => Assert.Equal(("price", "{\"p\":1}"), (e.EventType, e.Data)));
        Assert.True(MultiTopicCursor.TryParse(parsed.LastEventId, s_set, out var resumed, out _));
        Assert.Equal(positions, resumed.Positions.ToArray());
    }
}
