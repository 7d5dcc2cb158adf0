namespace EventActors.Actors.Topics;

/// <summary>
/// The newest committed events of one topic, consecutive by sequence number, so subscribers that
/// are only a little behind catch up from memory instead of the journal. Owned by one topic actor.
/// </summary>
internal sealed class EventRing
{
    private readonly CommittedEvent?[] _slots;
    private readonly long _maxBytes;
    private int _start; // index of the oldest event
    private int _count;
    private long _bytes;

    /// <param name="capacity">Most events kept.</param>
    /// <param name="maxBytes">
    /// Most encoded bytes kept (the newest event is kept whatever its size): the event count alone
    /// would let a topic of large events hold capacity x 64 KiB x 2 encodings.
    /// </param>
    public EventRing(int capacity, long maxBytes = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _slots = new CommittedEvent?[capacity];
        _maxBytes = maxBytes;
    }

    /// <summary>Encoded bytes held.</summary>
    public long Bytes => _bytes;

    public int Count => _count;

    /// <summary>Sequence of the oldest event held; meaningless when empty.</summary>
    public ulong OldestSequence => _slots[_start]!.Sequence;

    public ulong NewestSequence => _slots[(_start + _count - 1) % _slots.Length]!.Sequence;

    /// <summary>Appends the next event; its sequence must follow the newest one's.</summary>
    public void Add(CommittedEvent committed)
    {
        if (_count > 0 && committed.Sequence != NewestSequence + 1)
        {
            throw new InvalidOperationException(
                $"Event {committed.Sequence} does not follow {NewestSequence}: the ring must stay gap-free");
        }

        if (_count == _slots.Length)
        {
            RemoveOldest();
        }

        _slots[(_start + _count) % _slots.Length] = committed;
        _count++;
        _bytes += SizeOf(committed);
        while (_bytes > _maxBytes && _count > 1)
        {
            RemoveOldest();
        }
    }

    private void RemoveOldest()
    {
        _bytes -= SizeOf(_slots[_start]!);
        _slots[_start] = null;
        _start = (_start + 1) % _slots.Length;
        _count--;
    }

    private static long SizeOf(CommittedEvent committed) => committed.MaxBytes;

    public void Clear()
    {
        Array.Clear(_slots);
        _start = 0;
        _count = 0;
        _bytes = 0;
    }

    /// <summary>
    /// Whether every event after <paramref name="after"/> up to the newest is held, so a reader
    /// at <paramref name="after"/> can be served from memory.
    /// </summary>
    public bool CanServeAfter(ulong after) => _count == 0 ? false : after + 1 >= OldestSequence && after <= NewestSequence;

    /// <summary>Copies up to <paramref name="max"/> events that follow <paramref name="after"/>.</summary>
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
            result[i] = _slots[(_start + skip + i) % _slots.Length]!;
        }

        return result;
    }
}
