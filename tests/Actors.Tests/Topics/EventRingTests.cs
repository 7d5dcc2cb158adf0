using EventActors.Actors.Topics;
using EventActors.Protocol;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Actors.Tests.Topics;

/// <summary>The ring of a topic's newest events: gap-free, bounded by count and by bytes, and what it can serve.</summary>
public sealed class EventRingTests
{
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("ringtest");

    private static CommittedEvent Event(ulong sequence, int dataLength = 1) =>
        new(Epoch, sequence, type: null, new string('x', dataLength).Select(c => (byte)c).ToArray());

    private static EventRing RingOf(int capacity, ulong first, ulong last, long maxBytes = long.MaxValue)
    {
        var ring = new EventRing(capacity, maxBytes);
        for (var sequence = first; sequence <= last; sequence++)
        {
            ring.Add(Event(sequence));
        }

        return ring;
    }

    private static long SizeOf(CommittedEvent committed) => CommittedEvent.MaxBytesOf(committed.Data.Length, committed.Type);

    private static ulong[] Sequences(IEnumerable<CommittedEvent> events) => events.Select(e => e.Sequence).ToArray();

    [Fact]
    public void An_event_that_does_not_follow_the_newest_one_is_refused_and_the_ring_is_unchanged()
    {
        var ring = RingOf(capacity: 8, first: 5, last: 7);

        Assert.Throws<InvalidOperationException>(() => ring.Add(Event(9)));  // a gap
        Assert.Throws<InvalidOperationException>(() => ring.Add(Event(7)));  // a repeat
        Assert.Throws<InvalidOperationException>(() => ring.Add(Event(3)));  // the past

        Assert.Equal((3, 5UL, 7UL), (ring.Count, ring.OldestSequence, ring.NewestSequence));
        ring.Add(Event(8));
        Assert.Equal([6UL, 7UL, 8UL], Sequences(ring.After(5, int.MaxValue)));
    }

    [Fact]
    public void The_first_event_of_an_empty_ring_may_have_any_sequence()
    {
        var ring = new EventRing(4);
        ring.Add(Event(1_000));

        Assert.Equal((1_000UL, 1_000UL), (ring.OldestSequence, ring.NewestSequence));
    }

    [Fact]
    public void Shrunk_back_the_ring_keeps_its_newest_event_in_one_slot_and_grows_again_with_the_next()
    {
        var ring = RingOf(capacity: 64, first: 1, last: 40);
        Assert.Equal(64, ring.Allocated);

        ring.ShrinkToNewest();

        Assert.Equal((1, 1, 40UL, 40UL), (ring.Allocated, ring.Count, ring.OldestSequence, ring.NewestSequence));
        Assert.Equal(SizeOf(Event(40)), ring.Bytes);
        Assert.False(ring.CanServeAfter(38)); // further behind: the journal
        Assert.Equal([40UL], Sequences(ring.After(39, int.MaxValue)));

        for (ulong sequence = 41; sequence <= 45; sequence++)
        {
            ring.Add(Event(sequence));
        }

        Assert.Equal([41UL, 42UL, 43UL, 44UL, 45UL], Sequences(ring.After(40, int.MaxValue)));
        Assert.Equal(8, ring.Allocated);
    }

    [Fact]
    public void An_empty_ring_shrinks_to_nothing_held()
    {
        var ring = new EventRing(16);
        ring.ShrinkToNewest();
        Assert.Equal((0, 0L), (ring.Count, ring.Bytes));
        ring.Add(Event(7));
        Assert.Equal(7UL, ring.NewestSequence);
    }

    [Fact]
    public void A_full_ring_evicts_its_oldest_event_for_each_new_one()
    {
        var ring = RingOf(capacity: 3, first: 1, last: 10);

        Assert.Equal((3, 8UL, 10UL), (ring.Count, ring.OldestSequence, ring.NewestSequence));
        Assert.Equal([8UL, 9UL, 10UL], Sequences(ring.After(7, int.MaxValue)));
        Assert.Equal(Sequences(ring.After(7, 3)).Sum(s => SizeOf(Event(s))), ring.Bytes);
    }

    [Fact]
    public void Past_its_byte_limit_the_ring_evicts_oldest_events_until_it_fits()
    {
        var size = SizeOf(Event(1, dataLength: 10));
        var ring = new EventRing(capacity: 100, maxBytes: (3 * size) + (size / 2)); // room for three and a half

        for (ulong sequence = 1; sequence <= 6; sequence++)
        {
            ring.Add(Event(sequence, dataLength: 10));
        }

        Assert.Equal((3, 4UL, 6UL, 3 * size), (ring.Count, ring.OldestSequence, ring.NewestSequence, ring.Bytes));
    }

    [Fact]
    public void The_newest_event_is_kept_whatever_its_size_and_everything_older_goes()
    {
        var ring = new EventRing(capacity: 100, maxBytes: 100);
        ring.Add(Event(1));
        ring.Add(Event(2));

        var large = Event(3, dataLength: 1_000);
        ring.Add(large);

        Assert.Equal((1, 3UL, 3UL, SizeOf(large)), (ring.Count, ring.OldestSequence, ring.NewestSequence, ring.Bytes));
        Assert.Same(large, Assert.Single(ring.After(2, 10)));

        ring.Add(Event(4)); // a small one after it: the large one no longer fits beside it
        Assert.Equal([4UL], Sequences(ring.After(3, 10)));
        Assert.False(ring.CanServeAfter(2));
    }

    [Fact]
    public void The_ring_grows_with_what_it_holds_up_to_its_capacity_and_starts_small_again_when_cleared()
    {
        var ring = new EventRing(capacity: 1_000);
        Assert.Equal(1, ring.Allocated);

        var allocated = new List<int>();
        for (ulong sequence = 1; sequence <= 1_500; sequence++)
        {
            ring.Add(Epoch, sequence, null, "x"u8.ToArray());
            allocated.Add(ring.Allocated);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_000], allocated.Distinct());
        Assert.Equal((1_000, 501UL, 1_500UL), (ring.Count, ring.OldestSequence, ring.NewestSequence));
        Assert.Equal(Enumerable.Range(501, 1_000).Select(s => (ulong)s), Sequences(ring.After(500, int.MaxValue)));

        ring.Clear();
        Assert.Equal((0, 1), (ring.Count, ring.Allocated));
    }

    [Fact]
    public void An_event_added_as_its_payload_is_made_once_and_every_reader_gets_that_one()
    {
        var ring = new EventRing(capacity: 8);
        ring.Add(Epoch, 1, "price", "{\"p\":1}"u8.ToArray());
        ring.Add(Epoch, 2, null, "{\"p\":2}"u8.ToArray());

        var first = ring.After(0, 10);
        var again = ring.After(0, 10);

        Assert.Same(first[0], again[0]);
        Assert.Same(first[1], again[1]);
        Assert.Equal((Epoch, 1UL, "price"), (first[0].Epoch, first[0].Sequence, first[0].Type));
        Assert.Equal("event: price\nid: ringtest-1\ndata: {\"p\":1}\n\n", System.Text.Encoding.UTF8.GetString(first[0].Frame.Utf8Bytes.Span));
    }

    [Fact]
    public void An_event_of_another_epoch_is_refused_until_the_ring_is_cleared()
    {
        var ring = RingOf(capacity: 4, first: 1, last: 2);
        var other = TopicEpoch.Parse("otherepo");

        Assert.Throws<InvalidOperationException>(() => ring.Add(other, 3, null, "x"u8.ToArray()));
        ring.Clear();
        ring.Add(other, 3, null, "x"u8.ToArray());
        Assert.Equal(other, Assert.Single(ring.After(2, 10)).Epoch);
    }

    [Fact]
    public void An_empty_ring_serves_nobody()
    {
        var ring = new EventRing(4);

        Assert.False(ring.CanServeAfter(0));
        Assert.False(ring.CanServeAfter(ulong.MaxValue));
        Assert.Empty(ring.After(0, 10));
    }

    [Fact]
    public void A_ring_serves_readers_from_just_before_its_oldest_event_up_to_its_newest()
    {
        var ring = RingOf(capacity: 4, first: 1, last: 10); // holds 7..10

        Assert.False(ring.CanServeAfter(5));  // 6 is gone
        Assert.True(ring.CanServeAfter(6));   // exactly oldest - 1: everything it needs is held
        Assert.True(ring.CanServeAfter(9));
        Assert.True(ring.CanServeAfter(10));  // up to date: nothing to send, but nothing is missing
        Assert.False(ring.CanServeAfter(11)); // beyond the newest: not a position this ring knows

        Assert.Empty(ring.After(5, 10));
        Assert.Equal([7UL, 8UL, 9UL, 10UL], Sequences(ring.After(6, 10)));
        Assert.Equal([10UL], Sequences(ring.After(9, 10)));
        Assert.Empty(ring.After(10, 10));
        Assert.Empty(ring.After(11, 10));
    }

    [Fact]
    public void After_takes_at_most_the_number_asked_for_and_none_for_zero()
    {
        var ring = RingOf(capacity: 8, first: 1, last: 8);

        Assert.Equal([3UL, 4UL], Sequences(ring.After(2, 2)));
        Assert.Empty(ring.After(2, 0));
        Assert.Empty(ring.After(2, -1));
    }

    [Fact]
    public void After_reads_across_the_point_where_the_ring_wraps_around()
    {
        var ring = RingOf(capacity: 4, first: 1, last: 6); // slots hold 5, 6, 3, 4 in storage order

        Assert.Equal([3UL, 4UL, 5UL, 6UL], Sequences(ring.After(2, 10)));
        Assert.Equal([4UL, 5UL], Sequences(ring.After(3, 2)));
    }

    [Fact]
    public void A_cleared_ring_is_empty_and_takes_any_sequence_next()
    {
        var ring = RingOf(capacity: 4, first: 1, last: 6);

        ring.Clear();

        Assert.Equal((0, 0L), (ring.Count, ring.Bytes));
        Assert.False(ring.CanServeAfter(5));
        Assert.Empty(ring.After(5, 10));
        ring.Add(Event(1)); // a new epoch starts again from 1
        Assert.Equal([1UL], Sequences(ring.After(0, 10)));
    }

    [Fact]
    public void A_ring_of_no_capacity_or_no_bytes_cannot_be_made()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventRing(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventRing(1, maxBytes: 0));
    }

    /// <summary>One case: a ring's limits, the events added to it, and a read.</summary>
    public sealed record RingCase(int Capacity, long MaxBytes, ulong First, int[] DataLengths, ulong After, int Max);

    private static readonly Gen<RingCase> Cases =
        from capacity in Gen.Choose(1, 12)
        from maxBytes in Gen.OneOf(Gen.Constant(long.MaxValue), Gen.Choose(1, 400).Select(b => (long)b))
        from first in Gen.Elements(1UL, 2UL, 1_000UL)
        from lengths in Gen.ListOf(Gen.Choose(0, 40)).Select(l => l.ToArray())
        from after in Gen.Choose(0, lengths.Length + 4).Select(offset => first - Math.Min(first, 2UL) + (ulong)offset) // from below the oldest to past the newest
        from max in Gen.Choose(-1, 15)
        select new RingCase(capacity, maxBytes, first, lengths, after, max);

    [Fact]
    public void After_returns_exactly_the_consecutive_held_events_that_follow_the_position() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var ring = new EventRing(c.Capacity, c.MaxBytes);
            var added = new List<CommittedEvent>();
            for (var i = 0; i < c.DataLengths.Length; i++)
            {
                added.Add(Event(c.First + (ulong)i, c.DataLengths[i]));
                ring.Add(added[^1]);
            }

            // What the ring must hold: the longest run of newest events within both limits, and
            // always the newest one.
            var held = new List<CommittedEvent>();
            long bytes = 0;
            for (var i = added.Count - 1; i >= 0; i--)
            {
                var size = SizeOf(added[i]);
                if (held.Count > 0 && (held.Count == c.Capacity || bytes + size > c.MaxBytes))
                {
                    break;
                }

                held.Insert(0, added[i]);
                bytes += size;
            }

            Assert.Equal((held.Count, bytes), (ring.Count, ring.Bytes));
            var servable = held.Count > 0 && c.After + 1 >= held[0].Sequence && c.After <= held[^1].Sequence;
            Assert.Equal(servable, ring.CanServeAfter(c.After));
            var expected = servable ? held.Where(e => e.Sequence > c.After).Take(Math.Max(c.Max, 0)).ToArray() : [];
            var actual = ring.After(c.After, c.Max);
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Same(expected[i], actual[i]); // the very instances: shared, never copied
            }
        }));
}
