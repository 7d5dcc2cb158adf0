using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// The newest committed events of one topic, consecutive by sequence number, so subscribers that
/// are only a little behind catch up from memory instead of the journal. Owned by one topic actor.
/// </summary>
/// <remarks>
/// <para>An event is kept as its payload in a slot of the ring's own array, not as an object of
/// its own: a topic that nobody reads (the common case for notification topics) holds no object
/// per event, and the collector has that much less to carry from generation to generation. The
/// shared <see cref="CommittedEvent"/> a subscriber is handed is made when one first needs it
/// (or given by the topic when it pushed the event as it was committed) and kept in the slot, so
/// every subscriber reading the ring gets the same instance and its frames are encoded once.</para>
/// <para>The array grows with what the ring holds, doubling up to its capacity: a topic with a
/// few events costs a few slots, not <see cref="EventRing(int, long)"/>'s capacity. A quiet
/// topic shrinks it back (<see cref="ShrinkToNewest"/>): a reader behind reads the journal.</para>
/// </remarks>
internal sealed class EventRing
{
    /// <summary>Slots a ring starts with: a notification topic often holds one event (docs/benchmarks.md, the topics scenario).</summary>
    private const int InitialSlots = 1;

    private readonly int _capacity;
    private readonly long _maxBytes;
    private Slot[] _slots;
    private TopicEpoch _epoch; // every event held belongs to it (the ring is cleared when the topic starts a new epoch)
    private int _start; // index of the oldest event
    private int _count;
    private long _bytes;

    /// <param name="capacity">Most events kept.</param>
    /// <param name="maxBytes">
    /// Most bytes kept, counting each event's payload and both its encodings (the newest event is
    /// kept whatever its size): the event count alone would let a topic of large events hold
    /// capacity x 64 KiB x 3.
    /// </param>
    public EventRing(int capacity, long maxBytes = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _capacity = capacity;
        _maxBytes = maxBytes;
        _slots = SmallestArray();
    }

    /// <summary>Bytes held, as <see cref="CommittedEvent.MaxBytesOf"/> counts them.</summary>
    public long Bytes => _bytes;

    public int Count => _count;

    /// <summary>Slots allocated: grows with <see cref="Count"/>, up to the capacity.</summary>
    public int Allocated => _slots.Length;

    /// <summary>Sequence of the oldest event held; meaningless when empty.</summary>
    public ulong OldestSequence => _slots[_start].Sequence;

    public ulong NewestSequence => _slots[(_start + _count - 1) % _slots.Length].Sequence;

    /// <summary>Appends the next event, already shared with subscribers; its sequence must follow the newest one's.</summary>
    public void Add(CommittedEvent committed) =>
        Add(committed.Epoch, committed.Sequence, committed.Type, committed.Data, committed);

    /// <summary>Appends the next event, which nobody has been handed yet; its sequence must follow the newest one's.</summary>
    public void Add(TopicEpoch epoch, ulong sequence, string? type, ReadOnlyMemory<byte> data) =>
        Add(epoch, sequence, type, data, shared: null);

    private void Add(TopicEpoch epoch, ulong sequence, string? type, ReadOnlyMemory<byte> data, CommittedEvent? shared)
    {
        if (_count > 0 && sequence != NewestSequence + 1)
        {
            throw new InvalidOperationException($"Event {sequence} does not follow {NewestSequence}: the ring must stay gap-free");
        }

        if (_count > 0 && epoch != _epoch)
        {
            throw new InvalidOperationException($"Event {sequence} is of epoch {epoch}, the ring's of {_epoch}: clear it first");
        }

        if (_count == _slots.Length)
        {
            if (_slots.Length < _capacity)
            {
                Grow();
            }
            else
            {
                RemoveOldest();
            }
        }

        var bytes = CommittedEvent.MaxBytesOf(data.Length, type);
        _epoch = epoch;
        _slots[(_start + _count) % _slots.Length] = new Slot(sequence, type, data, shared, bytes);
        _count++;
        _bytes += bytes;
        while (_bytes > _maxBytes && _count > 1)
        {
            RemoveOldest();
        }
    }

    private void Grow()
    {
        var grown = new Slot[Math.Min(_capacity, _slots.Length * 2)];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = _slots[(_start + i) % _slots.Length];
        }

        _slots = grown;
        _start = 0;
    }

    private void RemoveOldest()
    {
        _bytes -= _slots[_start].Bytes;
        _slots[_start] = default; // lets go of the payload and the shared event
        _start = (_start + 1) % _slots.Length;
        _count--;
    }

    /// <summary>
    /// Keeps only the newest event, in the smallest array: what a quiet topic still holds for the
    /// readers that are only one event behind. A reader further behind is sent to the journal,
    /// as for events the ring had evicted; the ring grows again with the next events.
    /// </summary>
    public void ShrinkToNewest()
    {
        if (_slots.Length <= InitialSlots)
        {
            return;
        }

        var newest = _count > 0 ? _slots[(_start + _count - 1) % _slots.Length] : default;
        _slots = SmallestArray();
        _start = 0;
        _count = Math.Min(_count, 1);
        _slots[0] = newest;
        _bytes = _count > 0 ? newest.Bytes : 0;
    }

    private Slot[] SmallestArray() => new Slot[Math.Min(_capacity, InitialSlots)];

    public void Clear()
    {
        _slots = SmallestArray();
        _start = 0;
        _count = 0;
        _bytes = 0;
    }

    /// <summary>The newest event held, as the instance every reader gets; null when empty.</summary>
    public CommittedEvent? Newest() => _count == 0 ? null : After(NewestSequence - 1, 1)[0];

    /// <summary>
    /// Whether every event after <paramref name="after"/> up to the newest is held, so a reader
    /// at <paramref name="after"/> can be served from memory.
    /// </summary>
    public bool CanServeAfter(ulong after) => _count != 0 && after + 1 >= OldestSequence && after <= NewestSequence;

    /// <summary>Up to <paramref name="max"/> of the events that follow <paramref name="after"/>, each the one instance every reader gets.</summary>
    public CommittedEvent[] After(ulong after, int max)
    {
        if (!CanServeAfter(after) || max <= 0)
        {
            return [];
        }

        var skip = (int)(after + 1 - OldestSequence);
        var take = Math.Min(max, _count - skip);
        var result = new CommittedEvent[take];
        for (var i = 0; i < take; i++)
        {
            ref var slot = ref _slots[(_start + skip + i) % _slots.Length];
            slot.Shared ??= new CommittedEvent(_epoch, slot.Sequence, slot.Type, slot.Data);
            result[i] = slot.Shared;
        }

        return result;
    }

    /// <summary>One event held: its payload, and the shared event once a subscriber has needed one.</summary>
    private struct Slot(ulong sequence, string? type, ReadOnlyMemory<byte> data, CommittedEvent? shared, long bytes)
    {
        public readonly ulong Sequence = sequence;
        public readonly string? Type = type;
        public readonly ReadOnlyMemory<byte> Data = data;
        public readonly long Bytes = bytes;
        public CommittedEvent? Shared = shared;
    }
}
