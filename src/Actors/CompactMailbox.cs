using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace EventActors.Actors;

/// <summary>
/// An unbounded mailbox that costs next to nothing while empty, for the actors there are tens of
/// thousands of (one per open stream, one per live topic). Akka's default keeps a
/// <c>ConcurrentQueue</c> whose first segment is 32 envelopes, about 1 KB per actor whether it
/// ever holds a message (measured with dotnet-gcdump: <c>Slot&lt;Envelope&gt;[]</c> and its
/// segment, 1,024 B of a stream's ~13 KB of heap, docs/benchmarks.md). This one keeps its
/// envelopes in an array made on the first message and grown as needed, behind a lock
/// (uncontended in practice: an actor's senders rarely collide), and lets a large array go once it
/// is drained, so a burst does not stay with the actor. It is double-ended, so actors with a
/// stash (Akka.Persistence's) may use it too.
/// </summary>
/// <remarks>
/// Select it with <c>Props.WithMailbox(CompactMailbox.Id)</c>; the actor system's configuration
/// must hold <see cref="Definition"/>.
/// </remarks>
public sealed class CompactMailbox : MailboxType, IProducesMessageQueue<CompactMailbox.MessageQueue>
{
    /// <summary>Where the mailbox is defined in the configuration.</summary>
    public const string Id = "eventactors.compact-mailbox";

    /// <summary>Its definition, for the actor system's configuration.</summary>
    public static readonly string Definition =
        $"{Id}.mailbox-type = \"{typeof(CompactMailbox).FullName}, {typeof(CompactMailbox).Assembly.GetName().Name}\"";

    public CompactMailbox(Settings settings, Config config) : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new MessageQueue();

    /// <summary>
    /// Many producers, one consumer (the actor), as every Akka message queue; the consumer alone
    /// puts envelopes back in front (<see cref="EnqueueFirst"/>, when it unstashes).
    /// </summary>
    public sealed class MessageQueue : IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
    {
        private const int InitialSlots = 4;

        /// <summary>A drained array larger than this is let go.</summary>
        private const int KeptSlots = 16;

        private Envelope[]? _slots; // a ring: _count envelopes from _head
        private int _head;
        private volatile int _count;

        public bool HasMessages => _count > 0;

        public int Count => _count;

        public void Enqueue(IActorRef receiver, Envelope envelope)
        {
            lock (this)
            {
                var slots = Room();
                slots[(_head + _count) % slots.Length] = envelope;
                _count++;
            }
        }

        public void EnqueueFirst(Envelope envelope)
        {
            lock (this)
            {
                var slots = Room();
                _head = (_head - 1 + slots.Length) % slots.Length;
                slots[_head] = envelope;
                _count++;
            }
        }

        public bool TryDequeue(out Envelope envelope)
        {
            if (_count == 0)
            {
                envelope = default;
                return false;
            }

            lock (this)
            {
                if (_count == 0 || _slots is not { } slots)
                {
                    envelope = default;
                    return false;
                }

                envelope = slots[_head];
                slots[_head] = default; // the message is the actor's now, not the mailbox's
                _head = (_head + 1) % slots.Length;
                _count--;
                if (_count == 0)
                {
                    _head = 0;
                    if (slots.Length > KeptSlots)
                    {
                        _slots = null;
                    }
                }

                return true;
            }
        }

        public void CleanUp(IActorRef owner, IMessageQueue deadletters)
        {
            while (TryDequeue(out var envelope))
            {
                deadletters.Enqueue(owner, envelope);
            }
        }

        /// <summary>The array, with room for one more envelope. Called under the lock.</summary>
        private Envelope[] Room()
        {
            if (_slots is null)
            {
                return _slots = new Envelope[InitialSlots];
            }

            if (_count < _slots.Length)
            {
                return _slots;
            }

            var grown = new Envelope[_slots.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                grown[i] = _slots[(_head + i) % _slots.Length];
            }

            _head = 0;
            return _slots = grown;
        }
    }
}
