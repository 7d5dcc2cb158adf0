using EventActors.Protocol;

namespace EventActors.Actors.Journal;

/// <summary>Base of the errors a journal reports by type.</summary>
public abstract class JournalException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// An append stated a head (or epoch) that is not the topic's: another writer got there first,
/// or the caller's view is stale. Nothing of the append was written. The owner of a topic
/// reacts by re-reading the topic's state (and, in a cluster, by checking it still owns it).
/// </summary>
public sealed class AppendConflictException(TopicName topic, ulong? expectedHead, TopicEpoch? expectedEpoch, TopicInfo? actual, Exception? inner = null)
    : JournalException(Describe(topic, expectedHead, expectedEpoch, actual), inner)
{
    public TopicName Topic { get; } = topic;

    public ulong? ExpectedHead { get; } = expectedHead;

    public TopicEpoch? ExpectedEpoch { get; } = expectedEpoch;

    /// <summary>The topic's state as the journal saw it, or null when it did not exist.</summary>
    public TopicInfo? Actual { get; } = actual;

    private static string Describe(TopicName topic, ulong? expectedHead, TopicEpoch? expectedEpoch, TopicInfo? actual) =>
        $"Append to topic '{topic}' expected " +
        (expectedEpoch is { } epoch ? $"epoch {epoch} and " : "") + $"head {expectedHead?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(any)"}, but " +
        (actual is null ? "the topic does not exist" : $"it is at epoch {actual.Epoch}, head {actual.Head}") + "; nothing was appended.";
}

/// <summary>
/// The journal has as many writes waiting as its limit allows; this one was refused and nothing
/// of it was written. Retry later (an HTTP layer answers 503 with Retry-After).
/// </summary>
public sealed class JournalOverloadedException(int limit)
    : JournalException($"The journal already has {limit} writes waiting, its limit; this write was refused and nothing was written. Retry later.")
{
    /// <summary>The limit that was reached, in waiting writes.</summary>
    public int Limit { get; } = limit;
}

/// <summary>
/// The journal's database cannot be reached (PostgreSQL down, network cut). The journal fails
/// writes at once while this lasts, and finds the database again by itself. Retry later (an
/// HTTP layer answers 503 with Retry-After).
/// </summary>
/// <remarks>
/// <see cref="OutcomeUnknown"/> is false for a write that was refused before it reached the
/// database: nothing of it was written. It is true for a write whose connection broke while it
/// was being committed: it may have been committed. A retry with the same idempotency keys is
/// safe either way.
/// </remarks>
public sealed class JournalUnreachableException(string message, bool outcomeUnknown, Exception? inner = null)
    : JournalException(message, inner)
{
    /// <summary>True when the write may have been committed before the connection broke.</summary>
    public bool OutcomeUnknown { get; } = outcomeUnknown;
}
