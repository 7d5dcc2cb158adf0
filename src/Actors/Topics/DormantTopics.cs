using Akka.Actor;
using EventActors.Actors.Persistence;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// Topics whose actors passivated while idle, held as their state alone: one entry instead of an
/// Akka persistent actor (~4 KB of RSS with Akka's share), so a node can keep a million
/// notification topics warm. The next message for such a topic starts its actor from the entry,
/// without reading its snapshot or events back from the journal. One table per node, shared by
/// its topic actors; bounded in bytes, past which an idle topic passivates as before (its state
/// read from the journal when it comes back).
/// </summary>
/// <remarks>
/// An entry is only as good as the certainty that nobody wrote the topic since. It names the
/// shard actor that hosted the topic: while that same shard actor lives, Sharding routed every
/// message of the topic here, so this node was its only writer. A topic whose shard moved away
/// and came back has a new shard actor, and its entry is ignored. The actor that takes an entry
/// checks it against the journal's head, and the journal fences whatever slips past both (a
/// partition): an append at a sequence number already taken fails.
/// </remarks>
public sealed class DormantTopics
{
    /// <summary>
    /// What an entry costs besides its name and payload (the entry, its table slot, the state, the
    /// event's object, the heap's slack): a million dormant topics with a 100-byte event and a
    /// 25-character name took 579 B of RSS each (docs/benchmarks.md, dormant topics).
    /// </summary>
    internal const int EntryOverheadBytes = 400;

    private const int SegmentCount = 64; // topic actors on every dispatcher thread put and take at once

    private readonly Segment[] _segments;
    private readonly long _maxBytes;
    private long _bytes;

    /// <param name="maxBytes">Most bytes the entries may hold (estimated); 0 keeps none.</param>
    public DormantTopics(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        _maxBytes = maxBytes;
        _segments = new Segment[SegmentCount];
        for (var i = 0; i < SegmentCount; i++)
        {
            _segments[i] = new Segment();
        }
    }

    /// <summary>The default bound: a million topics with a small event each.</summary>
    public const long DefaultMaxBytes = 1024L * 1024 * 1024;

    /// <summary>Topics held dormant now (counted when asked: /health asks, topic actors put and take).</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var segment in _segments)
            {
                lock (segment)
                {
                    count += segment.Entries.Count;
                }
            }

            return count;
        }
    }

    /// <summary>Keeps <paramref name="topic"/> dormant; false when that would pass the bound (the topic then passivates cold).</summary>
    internal bool TryPut(TopicName topic, DormantTopic dormant)
    {
        var bytes = dormant.EstimatedBytes(topic);
        if (Interlocked.Add(ref _bytes, bytes) > _maxBytes)
        {
            Interlocked.Add(ref _bytes, -bytes);
            return false;
        }

        var segment = SegmentOf(topic);
        lock (segment)
        {
            if (segment.Entries.Remove(topic.Value, out var replaced))
            {
                Release(topic, replaced); // cannot happen while the shard lets one actor of a topic live at a time
            }

            segment.Entries.Add(topic.Value, dormant);
        }

        return true;
    }

    /// <summary>Takes <paramref name="topic"/>'s entry out, if it has one: an actor of it is starting.</summary>
    internal DormantTopic? TryTake(TopicName topic)
    {
        var segment = SegmentOf(topic);
        DormantTopic? taken;
        lock (segment)
        {
            if (!segment.Entries.Remove(topic.Value, out taken))
            {
                return null;
            }
        }

        Release(topic, taken);
        return taken;
    }

    private void Release(TopicName topic, DormantTopic dormant) => Interlocked.Add(ref _bytes, -dormant.EstimatedBytes(topic));

    private Segment SegmentOf(TopicName topic) => _segments[(uint)topic.Value.GetHashCode() % SegmentCount];

    private sealed class Segment
    {
        public readonly Dictionary<string, DormantTopic> Entries = new(StringComparer.Ordinal);
    }
}

/// <summary>
/// What a topic actor needs to carry on where the last one stopped: its state, its head, its
/// newest event for readers one behind, and its bookkeeping of snapshots, deletes and retention.
/// </summary>
/// <param name="Shard">The shard actor that hosted it: the entry is good only under the same one.</param>
internal sealed record DormantTopic(
    IActorRef Shard,
    TopicSnapshot State,
    ulong Head,
    long LastSnapshotSequence,
    ulong DeletedThrough,
    long AgeTrimDue,
    CommittedEvent? Newest)
{
    public long EstimatedBytes(TopicName topic) =>
        DormantTopics.EntryOverheadBytes + 2L * topic.Value.Length + (Newest is null ? 0 : Newest.Data.Length + 2L * (Newest.Type?.Length ?? 0));
}
