using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// Publishes that go into one atomic write of a topic: taken from the waiting list whole (each
/// publisher's events stay together), planned against the idempotency keys already recorded,
/// then acknowledged together once committed.
/// </summary>
internal sealed class PublishBatch
{
    private readonly List<(Publish Publish, IActorRef ReplyTo)> _publishers;
    private AppendedEvent[] _outcomes = [];

    private PublishBatch(List<(Publish Publish, IActorRef ReplyTo)> publishers, IReadOnlyCollection<string> keys)
    {
        _publishers = publishers;
        Keys = keys;
    }

    public IReadOnlyList<(Publish Publish, IActorRef ReplyTo)> Publishers => _publishers;

    /// <summary>The distinct idempotency keys the batch carries.</summary>
    public IReadOnlyCollection<string> Keys { get; }

    /// <summary>The events to write (the batch's events less its duplicates), in order; set by <see cref="Plan"/>.</summary>
    public List<NewEvent> NewEvents { get; } = [];

    /// <summary>The keys of <see cref="NewEvents"/> with the sequence numbers they get.</summary>
    public List<KeyValuePair<string, ulong>> KeysToRecord { get; } = [];

    /// <summary>The sequence number of the first of <see cref="NewEvents"/>.</summary>
    public ulong FirstSequence { get; private set; }

    /// <summary>Set once the batch's publishers have been answered with a failure.</summary>
    public bool Failed { get; set; }

    /// <summary>
    /// Everything waiting that fits in one write: at least the first publish, then whole
    /// publishes while the events stay within <paramref name="maxEvents"/>.
    /// </summary>
    public static PublishBatch Take(List<(Publish Publish, IActorRef ReplyTo)> waiting, int maxEvents)
    {
        var taken = 0;
        var events = 0;
        while (taken < waiting.Count && (events == 0 || events + waiting[taken].Publish.Events.Count <= maxEvents))
        {
            events += waiting[taken].Publish.Events.Count;
            taken++;
        }

        var publishers = waiting.GetRange(0, taken);
        waiting.RemoveRange(0, taken);
        HashSet<string>? keys = null;
        foreach (var (publish, _) in publishers)
        {
            foreach (var item in publish.Events)
            {
                if (item.IdempotencyKey is { } key)
                {
                    (keys ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
                }
            }
        }

        return new PublishBatch(publishers, keys ?? (IReadOnlyCollection<string>)[]);
    }

    /// <summary>
    /// Decides each event's fate: a key recorded already is a duplicate of its original; a key
    /// repeated within the batch is a duplicate of its first occurrence; every other event is
    /// new and numbered from <paramref name="firstSequence"/>, in batch order.
    /// </summary>
    public void Plan(IReadOnlyDictionary<string, ulong> recorded, ulong firstSequence)
    {
        FirstSequence = firstSequence;
        _outcomes = new AppendedEvent[_publishers.Sum(p => p.Publish.Events.Count)];
        Dictionary<string, ulong>? inBatch = null;
        var index = 0;
        foreach (var (publish, _) in _publishers)
        {
            foreach (var item in publish.Events)
            {
                if (item.IdempotencyKey is { } key)
                {
                    if (recorded.TryGetValue(key, out var original) || (inBatch?.TryGetValue(key, out original) ?? false))
                    {
                        _outcomes[index++] = new AppendedEvent(original, Duplicate: true);
                        continue;
                    }

                    var sequence = firstSequence + (ulong)NewEvents.Count;
                    (inBatch ??= new Dictionary<string, ulong>(StringComparer.Ordinal))[key] = sequence;
                    KeysToRecord.Add(new KeyValuePair<string, ulong>(key, sequence));
                }

                _outcomes[index++] = new AppendedEvent(firstSequence + (ulong)NewEvents.Count, Duplicate: false);
                NewEvents.Add(item);
            }
        }
    }

    /// <summary>Tells each publisher where its events ended up, in its own order.</summary>
    public void Acknowledge(TopicName topic, TopicEpoch epoch, IActorRef topicActor)
    {
        var offset = 0;
        foreach (var (publish, replyTo) in _publishers)
        {
            var count = publish.Events.Count;
            // A window on the batch's outcomes, not a copy: nothing writes them once acknowledged.
            replyTo.Tell(new PublishAccepted(topic, epoch, new ArraySegment<AppendedEvent>(_outcomes, offset, count)), topicActor);
            offset += count;
        }
    }
}
