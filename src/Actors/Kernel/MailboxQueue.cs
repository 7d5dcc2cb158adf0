namespace EventActors.Actors.Kernel;

/// <summary>
/// The user-message queue of one actor: many producers, exactly one consumer (the actor's turn
/// on the dispatcher). FIFO per producer, lock-free, and allocation-free in steady state.
/// </summary>
/// <remarks>
/// Storage is a chain of ring segments, each a bounded multi-producer ring in the style of
/// Dmitry Vyukov's sequence-numbered slots. A new actor gets a tiny ring because most actors
/// are idle most of the time (the idle-actor budget is well under 1 KB); a ring that fills is
/// frozen and a ring twice its size is linked after it, so an actor that keeps a backlog ends up
/// in one ring large enough for it and from then on enqueues without allocating. Rings stop
/// growing at <see cref="MaxSegmentCapacity"/>: past that a backlog costs one new ring per
/// <see cref="MaxSegmentCapacity"/> messages, and the memory of a slow consumer's backlog is
/// released as the consumer drains it instead of being held by one huge array forever.
/// A struct so that it lives inside its actor's cell: one object fewer per actor. Never copy it.
/// </remarks>
internal struct MailboxQueue<T>
{
    // Two, not one: with a single slot "published at position p" (sequence p + 1) and "free for
    // position p + 1" (sequence p + 1) would be the same number, and a producer would overwrite
    // an item the consumer has not taken yet.
    private const int InitialSegmentCapacity = 2;

    /// <summary>Largest ring, in slots (24 bytes each for an envelope): 96 KiB.</summary>
    private const int MaxSegmentCapacity = 4096;

    private Segment _head;           // consumer only
    private volatile Segment _tail;  // producers

    public MailboxQueue()
    {
        _head = _tail = new Segment(InitialSegmentCapacity);
    }

    public void Enqueue(T item)
    {
        while (true)
        {
            var tail = _tail;
            if (tail.TryEnqueue(item))
            {
                return;
            }

            // Full: freeze the ring so no producer can slip an item into it after items that go
            // into the next ring (that would reorder one producer's messages), then move on.
            tail.Freeze();
            var next = tail.Next;
            if (next is null)
            {
                var grown = new Segment(Math.Min(tail.Capacity * 2, MaxSegmentCapacity));
                next = Interlocked.CompareExchange(ref tail.Next, grown, null) ?? grown;
            }
#pragma warning disable CS0420 // Interlocked on a volatile field is still a full fence.
            Interlocked.CompareExchange(ref _tail, next, tail);
#pragma warning restore CS0420
        }
    }

    /// <summary>Consumer only.</summary>
    public bool TryDequeue(out T item)
    {
        var head = _head;
        while (true)
        {
            if (head.TryDequeue(out item))
            {
                return true;
            }

            var next = Volatile.Read(ref head.Next);
            if (next is null || !head.IsFrozenAndDrained)
            {
                return false;
            }

            _head = head = next;
        }
    }

    /// <summary>
    /// Whether an item is waiting or on its way. Consumer side. Counts reserved slots, not only
    /// published ones: a producer reserves with a locked CAS before it checks whether the actor
    /// is scheduled, so a turn that ends (with a locked status change) and then asks this cannot
    /// miss a producer that in turn missed the end of the turn. May answer true spuriously (a
    /// slot reserved but not yet written, a frozen ring with a successor): the cost is one extra
    /// turn, never a lost message.
    /// </summary>
    public bool HasItems
    {
        get
        {
            var head = _head;
            return head.HasReservedItems || Volatile.Read(ref head.Next) is not null;
        }
    }

    private sealed class Segment
    {
        // Set on the enqueue position when the ring is frozen: every later CAS on the old
        // position fails, and the position reads as "full" to every producer from then on.
        private const long FrozenBit = 1L << 62;

        private readonly Slot[] _slots;
        private readonly int _mask;
        private long _enqueuePosition;   // producers, via CAS
        private long _dequeuePosition;   // consumer only
        public Segment? Next;

        public Segment(int capacity)
        {
            _slots = new Slot[capacity];
            _mask = capacity - 1;
            for (var i = 0; i < capacity; i++)
            {
                _slots[i].Sequence = i;
            }
        }

        public int Capacity => _slots.Length;

        public bool TryEnqueue(T item)
        {
            var slots = _slots;
            while (true)
            {
                var position = Volatile.Read(ref _enqueuePosition);
                if ((position & FrozenBit) != 0)
                {
                    return false;
                }

                ref var slot = ref slots[position & _mask];
                var sequence = Volatile.Read(ref slot.Sequence);
                var difference = sequence - position;
                if (difference == 0)
                {
                    if (Interlocked.CompareExchange(ref _enqueuePosition, position + 1, position) == position)
                    {
                        slot.Item = item;
                        // Publishing the sequence is what hands the item to the consumer.
                        Volatile.Write(ref slot.Sequence, position + 1);
                        return true;
                    }
                }
                else if (difference < 0)
                {
                    return false; // the slot still holds an item from the previous lap: full
                }
                // difference > 0: another producer took this position first; read it again.
            }
        }

        public bool TryDequeue(out T item)
        {
            var position = _dequeuePosition;
            ref var slot = ref _slots[position & _mask];
            if (Volatile.Read(ref slot.Sequence) == position + 1)
            {
                item = slot.Item;
                slot.Item = default!; // let the message be collected as soon as it is handled
                Volatile.Write(ref slot.Sequence, position + _slots.Length);
                _dequeuePosition = position + 1;
                return true;
            }

            item = default!;
            return false;
        }

        /// <summary>A producer has reserved a slot the consumer has not taken yet (written or not).</summary>
        public bool HasReservedItems => (Volatile.Read(ref _enqueuePosition) & ~FrozenBit) != _dequeuePosition;

        public void Freeze() => Interlocked.Or(ref _enqueuePosition, FrozenBit);

        /// <summary>Frozen, and every position reserved before the freeze was consumed.</summary>
        public bool IsFrozenAndDrained
        {
            get
            {
                var position = Volatile.Read(ref _enqueuePosition);
                return (position & FrozenBit) != 0 && (position & ~FrozenBit) == _dequeuePosition;
            }
        }

        private struct Slot
        {
            public T Item;
            public long Sequence;
        }
    }
}
