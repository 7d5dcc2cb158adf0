using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

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
}
