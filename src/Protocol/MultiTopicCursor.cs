using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace EventActors.Protocol;

/// <summary>
/// A position in every topic of a multi-topic stream, used as that stream's event id so that one
/// <c>Last-Event-ID</c> resumes all of its topics. Format:
/// <code>
/// m.{fingerprint}.{epoch}-{seq}.{epoch}-{seq}...      e.g. m.4rn84sdw.k3x9q2ab-sy.p0a8zz1c-0
/// </code>
/// <c>m.</c> marks the kind; the fingerprint (8 base-36 chars) identifies the
/// <see cref="TopicSet"/>; then one entry per topic in the set's canonical order: its epoch
/// (8 base-36 chars), '-', and its sequence in lowercase base 36 without leading zeros
/// (1 to 13 chars). Every character is in <c>[0-9a-z.-]</c>.
/// </summary>
public sealed class MultiTopicCursor
{
    /// <summary>
    /// Longest cursor we issue, in characters: "m." + fingerprint (10) plus 64 entries of at most
    /// '.' + epoch + '-' + 13 digits (23 each) = 1482. A typical cursor is far shorter (an entry
    /// with a sequence below 36^4 ≈ 1.7 million is 14 characters).
    /// </summary>
    public const int MaxLength = 2 + TopicSet.FingerprintLength + (TopicSet.MaxTopics * MaxEntryLength);

    private const string Prefix = "m.";
    private const int MaxEntryLength = 1 + TopicEpoch.Length + 1 + Base36.MaxUInt64Digits;
    private const int MinEntryLength = 1 + TopicEpoch.Length + 1 + 1;

    /// <exception cref="ArgumentException">There is not exactly one position per topic.</exception>
    public MultiTopicCursor(TopicSet topics, IEnumerable<EventCursor> positions)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(positions);
        var array = positions.ToImmutableArray();
        RequireOnePositionPerTopic(topics, array.AsSpan());
        Topics = topics;
        Positions = array;
    }

    private MultiTopicCursor(TopicSet topics, ImmutableArray<EventCursor> positions)
    {
        Topics = topics;
        Positions = positions;
    }

    public TopicSet Topics { get; }

    /// <summary>One position per topic, in the canonical order of <see cref="Topics"/>.</summary>
    public ImmutableArray<EventCursor> Positions { get; }

    /// <exception cref="ArgumentException"><paramref name="topic"/> is not in the set.</exception>
    public EventCursor PositionOf(TopicName topic) => Positions[RequireIndex(topic)];

    /// <summary>A copy of this cursor with <paramref name="topic"/> moved to <paramref name="position"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is not in the set.</exception>
    public MultiTopicCursor WithPosition(TopicName topic, EventCursor position) =>
        new(Topics, Positions.SetItem(RequireIndex(topic), position));

    /// <summary>The cursor as an event id; same as <see cref="ToString"/>.</summary>
    public string Format() => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten) =>
        TryFormat(Topics, Positions.AsSpan(), destination, out charsWritten);

    /// <summary>
    /// Formats the cursor made of <paramref name="topics"/> and <paramref name="positions"/>
    /// without building one, for a connection that keeps its positions in a mutable array.
    /// </summary>
    /// <exception cref="ArgumentException">There is not exactly one position per topic.</exception>
    public static bool TryFormat(TopicSet topics, ReadOnlySpan<EventCursor> positions, Span<char> destination, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(topics);
        RequireOnePositionPerTopic(topics, positions);
        charsWritten = 0;
        if (destination.Length < Prefix.Length + TopicSet.FingerprintLength)
        {
            return false;
        }

        Prefix.CopyTo(destination);
        topics.Fingerprint.CopyTo(destination[Prefix.Length..]);
        var written = Prefix.Length + TopicSet.FingerprintLength;
        foreach (var position in positions)
        {
            // Room for the longest possible entry is the cheap test; only near the end is the
            // entry measured.
            if (destination.Length - written < MaxEntryLength && destination.Length - written < EntryLength(position))
            {
                return false;
            }

            destination[written++] = '.';
            position.Epoch.TryFormat(destination[written..], out var epochLength);
            written += epochLength;
            destination[written++] = '-';
            written += Base36.Format(position.Sequence, destination[written..]);
        }

        charsWritten = written;
        return true;
    }

    /// <inheritdoc cref="TryParse(ReadOnlySpan{char}, TopicSet, out MultiTopicCursor?, out CursorError)"/>
    public static bool TryParse(string? text, TopicSet topics, [NotNullWhen(true)] out MultiTopicCursor? cursor, out CursorError error) =>
        TryParse(text.AsSpan(), topics, out cursor, out error);

    /// <summary>
    /// Parses a client's cursor for the stream over <paramref name="topics"/>. Never throws for
    /// any text. Accepts exactly what <see cref="Format"/> produces, one spelling per cursor.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, TopicSet topics, [NotNullWhen(true)] out MultiTopicCursor? cursor, out CursorError error)
    {
        ArgumentNullException.ThrowIfNull(topics);
        cursor = null;
        if (text.Length > MaxLength)
        {
            error = CursorError.Oversized;
            return false;
        }

        if (!TryReadShape(text, out var fingerprint, out var count))
        {
            error = EventCursor.TryParse(text, out _, out _) ? CursorError.WrongKind : CursorError.Malformed;
            return false;
        }

        if (count != topics.Count || !fingerprint.SequenceEqual(topics.Fingerprint))
        {
            error = CursorError.TopicSetMismatch;
            return false;
        }

        var positions = ImmutableArray.CreateBuilder<EventCursor>(count);
        var entries = text[(Prefix.Length + TopicSet.FingerprintLength)..];
        while (TryReadEntry(ref entries, out var position))
        {
            positions.Add(position);
        }

        cursor = new MultiTopicCursor(topics, positions.MoveToImmutable());
        error = CursorError.None;
        return true;
    }

    public override string ToString()
    {
        Span<char> text = stackalloc char[MaxLength];
        TryFormat(text, out var length);
        return new string(text[..length]);
    }

    /// <summary>Whether <paramref name="text"/> has the multi-topic shape, whatever its topic set.</summary>
    internal static bool IsWellFormed(ReadOnlySpan<char> text) => TryReadShape(text, out _, out _);

    private static bool TryReadShape(ReadOnlySpan<char> text, out ReadOnlySpan<char> fingerprint, out int count)
    {
        fingerprint = default;
        count = 0;
        if (text.Length < Prefix.Length + TopicSet.FingerprintLength + MinEntryLength
            || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        fingerprint = text.Slice(Prefix.Length, TopicSet.FingerprintLength);
        if (!TopicEpoch.TryParse(fingerprint, out _)) // same alphabet and width as an epoch
        {
            return false;
        }

        var entries = text[(Prefix.Length + TopicSet.FingerprintLength)..];
        while (!entries.IsEmpty)
        {
            if (!TryReadEntry(ref entries, out _))
            {
                return false;
            }

            count++;
        }

        return count > 0;
    }

    /// <summary>Reads one <c>.{epoch}-{seq}</c> entry from the front of <paramref name="rest"/>.</summary>
    private static bool TryReadEntry(ref ReadOnlySpan<char> rest, out EventCursor position)
    {
        position = default;
        if (rest.Length < MinEntryLength || rest[0] != '.' || rest[1 + TopicEpoch.Length] != '-'
            || !TopicEpoch.TryParse(rest.Slice(1, TopicEpoch.Length), out var epoch))
        {
            return false;
        }

        var digits = rest[(2 + TopicEpoch.Length)..];
        var end = digits.IndexOf('.');
        if (end < 0)
        {
            end = digits.Length;
        }

        if (end > Base36.MaxUInt64Digits || !Base36.TryParse(digits[..end], canonical: true, out var sequence))
        {
            return false;
        }

        position = new EventCursor(epoch, sequence);
        rest = digits[end..];
        return true;
    }

    private static int EntryLength(EventCursor position)
    {
        Span<char> digits = stackalloc char[Base36.MaxUInt64Digits];
        return 2 + TopicEpoch.Length + Base36.Format(position.Sequence, digits);
    }

    private static void RequireOnePositionPerTopic(TopicSet topics, ReadOnlySpan<EventCursor> positions)
    {
        if (positions.Length != topics.Count)
        {
            throw new ArgumentException(
                $"A multi-topic cursor needs one position per topic: {topics.Count} topics, {positions.Length} positions.",
                nameof(positions));
        }
    }

    private int RequireIndex(TopicName topic)
    {
        var index = Topics.IndexOf(topic);
        return index >= 0
            ? index
            : throw new ArgumentException($"Topic '{topic}' is not in this cursor's topic set.", nameof(topic));
    }
}
