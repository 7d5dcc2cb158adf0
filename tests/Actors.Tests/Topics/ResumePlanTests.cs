using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

public sealed class ResumePlanTests
{
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("k3x9q2ab");
    private static readonly TopicEpoch OtherEpoch = TopicEpoch.Parse("p0a8zz1c");

    // Head 100; events 1..40 were trimmed, 41..100 retained.
    private static readonly TopicPosition Topic = new(Epoch, Head: 100, EarliestRetained: 41);

    [Fact]
    public void No_id_starts_at_the_head() =>
        Assert.Equal(new ResumePlan(100, null), ResumePlan.Resolve(StartPosition.Live.Instance, Topic));

    [Fact]
    public void From_earliest_starts_before_the_oldest_retained_event() =>
        Assert.Equal(new ResumePlan(40, null), ResumePlan.Resolve(StartPosition.Earliest.Instance, Topic));

    [Theory]
    [InlineData(40UL)]
    [InlineData(41UL)]
    [InlineData(99UL)]
    [InlineData(100UL)]
    public void A_retained_id_resumes_exactly_after_it(ulong sequence) =>
        Assert.Equal(new ResumePlan(sequence, null), ResumePlan.Resolve(new StartPosition.After(new EventCursor(Epoch, sequence)), Topic));

    [Theory]
    [InlineData(0UL)]
    [InlineData(39UL)]
    public void An_id_before_the_retained_history_resets_to_the_oldest_retained_event(ulong sequence) =>
        Assert.Equal(new ResumePlan(40, ResetReason.HistoryTrimmed),
            ResumePlan.Resolve(new StartPosition.After(new EventCursor(Epoch, sequence)), Topic));

    [Fact]
    public void An_id_of_another_epoch_resets_to_the_start_of_the_current_one() =>
        Assert.Equal(new ResumePlan(40, ResetReason.StaleEpoch),
            ResumePlan.Resolve(new StartPosition.After(new EventCursor(OtherEpoch, 50)), Topic));

    [Fact]
    public void An_id_ahead_of_the_head_resets_to_the_head() =>
        Assert.Equal(new ResumePlan(100, ResetReason.AheadOfHead),
            ResumePlan.Resolve(new StartPosition.After(new EventCursor(Epoch, 101)), Topic));

    [Fact]
    public void An_unusable_id_resets_to_the_head() =>
        Assert.Equal(new ResumePlan(100, ResetReason.MalformedId),
            ResumePlan.Resolve(new StartPosition.Unusable(CursorError.Malformed, "garbage"), Topic));

    [Fact]
    public void An_empty_topic_resumes_from_zero()
    {
        var empty = new TopicPosition(Epoch, Head: 0, EarliestRetained: 1);
        Assert.Equal(new ResumePlan(0, null), ResumePlan.Resolve(new StartPosition.After(new EventCursor(Epoch, 0)), empty));
        Assert.Equal(new ResumePlan(0, null), ResumePlan.Resolve(StartPosition.Earliest.Instance, empty));
    }
}

public sealed class EventRingTests
{
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("k3x9q2ab");

    private static CommittedEvent Event(ulong sequence) => new(Epoch, sequence, null, "x"u8);

    [Fact]
    public void The_ring_keeps_the_newest_events_and_serves_readers_inside_its_range()
    {
        var ring = new EventRing(4);
        for (ulong s = 1; s <= 10; s++)
        {
            ring.Add(Event(s));
        }

        Assert.Equal(7UL, ring.OldestSequence);
        Assert.Equal(10UL, ring.NewestSequence);
        Assert.False(ring.CanServeAfter(5));                 // 6 is gone
        Assert.True(ring.CanServeAfter(6));
        Assert.Equal([7UL, 8UL], ring.After(6, 2).Select(e => e.Sequence));
        Assert.Equal([9UL, 10UL], ring.After(8, 100).Select(e => e.Sequence));
        Assert.Empty(ring.After(10, 100));                   // up to date: nothing to serve
    }

    [Fact]
    public void The_ring_drops_its_oldest_events_past_its_byte_limit_but_keeps_the_newest()
    {
        var size = Event(1).Frame.Length + Event(1).FrameWithoutId.Length;
        var ring = new EventRing(100, maxBytes: size * 3 + 2); // "-10" is a digit longer than "-1"
        for (ulong s = 1; s <= 10; s++)
        {
            ring.Add(Event(s));
        }

        Assert.Equal(3, ring.Count);
        Assert.Equal(8UL, ring.OldestSequence);
        Assert.True(ring.Bytes <= size * 3 + 2);

        var tiny = new EventRing(100, maxBytes: 1);
        tiny.Add(Event(1));
        tiny.Add(Event(2));
        Assert.Equal(1, tiny.Count);
        Assert.Equal(2UL, tiny.NewestSequence);
    }

    [Fact]
    public void The_ring_refuses_a_gap() =>
        Assert.Throws<InvalidOperationException>(() =>
        {
            var ring = new EventRing(4);
            ring.Add(Event(1));
            ring.Add(Event(3));
        });

    [Fact]
    public void The_same_encoded_bytes_carry_the_single_topic_id()
    {
        var committed = new CommittedEvent(Epoch, 42, "price", "{\"p\":1}"u8);
        Assert.Equal("event: price\nid: k3x9q2ab-42\ndata: {\"p\":1}\n\n", System.Text.Encoding.UTF8.GetString(committed.Frame.Utf8Bytes.Span));
        Assert.Equal("event: price\ndata: {\"p\":1}\n\n", System.Text.Encoding.UTF8.GetString(committed.FrameWithoutId.Utf8Bytes.Span));
    }
}
