using System.Buffers.Binary;
using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace EventActors.Protocol;

/// <summary>
/// The topics one stream subscribes to, in canonical form: de-duplicated and sorted ordinally, so
/// <c>{b, a, b}</c> and <c>{a, b}</c> are the same set with the same <see cref="Fingerprint"/>.
/// A <see cref="MultiTopicCursor"/> lists one position per topic in this order.
/// </summary>
public sealed class TopicSet : IReadOnlyList<TopicName>
{
    /// <summary>
    /// Most distinct topics in one stream. Bounds the work of one connection (a subscription and a
    /// ring-buffer position per topic) and the length of its cursor, which must fit in a
    /// <c>Last-Event-ID</c> header and a URL (see <see cref="MultiTopicCursor.MaxLength"/>).
    /// </summary>
    public const int MaxTopics = 64;

    /// <summary>Characters in <see cref="Fingerprint"/>.</summary>
    public const int FingerprintLength = 8;

    private readonly ImmutableArray<TopicName> _topics;

    private TopicSet(ImmutableArray<TopicName> topics)
    {
        _topics = topics;
        Fingerprint = ComputeFingerprint(topics);
    }

    /// <summary>
    /// 8 lowercase base-36 characters derived from SHA-256 of the canonical names, carried in a
    /// multi-topic cursor so that a cursor issued for another set of topics is recognised. Not a
    /// security measure: it only has to make accidental matches negligible (about 1 in 2.8 × 10^12).
    /// </summary>
    public string Fingerprint { get; }

    public int Count => _topics.Length;

    public TopicName this[int index] => _topics[index];

    /// <summary>
    /// Builds the canonical set from names a client asked for. Never throws for client input;
    /// on failure <paramref name="error"/> is fit for a 400 response.
    /// </summary>
    public static bool TryCreate(IEnumerable<TopicName> topics, [NotNullWhen(true)] out TopicSet? set, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var canonical = new SortedSet<TopicName>();
        foreach (var topic in topics)
        {
            if (topic == default)
            {
                throw new ArgumentException("default(TopicName) holds no name and cannot be subscribed to.", nameof(topics));
            }

            canonical.Add(topic);
            if (canonical.Count > MaxTopics)
            {
                set = null;
                error = $"A stream can subscribe to at most {MaxTopics} distinct topics.";
                return false;
            }
        }

        if (canonical.Count == 0)
        {
            set = null;
            error = "A stream must subscribe to at least one topic.";
            return false;
        }

        set = new TopicSet([.. canonical]);
        error = null;
        return true;
    }

    /// <exception cref="ArgumentException">No topics, or more than <see cref="MaxTopics"/> distinct ones.</exception>
    public static TopicSet Create(IEnumerable<TopicName> topics) =>
        TryCreate(topics, out var set, out var error) ? set : throw new ArgumentException(error, nameof(topics));

    /// <inheritdoc cref="Create(IEnumerable{TopicName})"/>
    public static TopicSet Create(params ReadOnlySpan<TopicName> topics) => Create((IEnumerable<TopicName>)topics.ToArray());

    /// <summary>The canonical index of <paramref name="topic"/>, or -1 if it is not in the set.</summary>
    public int IndexOf(TopicName topic)
    {
        if (_topics.Length == 1)
        {
            return _topics[0] == topic ? 0 : -1; // the common case, on every delivery: no search
        }

        var index = _topics.BinarySearch(topic);
        return index >= 0 ? index : -1;
    }

    public bool Contains(TopicName topic) => IndexOf(topic) >= 0;

    public ImmutableArray<TopicName>.Enumerator GetEnumerator() => _topics.GetEnumerator();

    IEnumerator<TopicName> IEnumerable<TopicName>.GetEnumerator() => ((IEnumerable<TopicName>)_topics).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)_topics).GetEnumerator();

    public override string ToString() => string.Join(",", _topics);

    private static string ComputeFingerprint(ImmutableArray<TopicName> topics)
    {
        // '\n' cannot occur in a topic name, so the joined text has exactly one reading.
        var canonical = Encoding.ASCII.GetBytes(string.Join('\n', topics));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonical, hash);
        // Big-endian so every node derives the same fingerprint whatever its byte order.
        var value = BinaryPrimitives.ReadUInt64BigEndian(hash) % 2_821_109_907_456UL; // 36^8
        return string.Create(FingerprintLength, value, static (text, v) => Base36.FormatFixed(v, text));
    }
}
