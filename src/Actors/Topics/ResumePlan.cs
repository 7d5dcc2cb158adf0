using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>Where a subscriber asked to start in one topic.</summary>
public abstract record StartPosition
{
    private StartPosition() { }

    /// <summary>No id: live events only.</summary>
    public sealed record Live : StartPosition
    {
        public static readonly Live Instance = new();
    }

    /// <summary><c>?from=earliest</c>: the retained history first.</summary>
    public sealed record Earliest : StartPosition
    {
        public static readonly Earliest Instance = new();
    }

    /// <summary>A <c>Last-Event-ID</c> that parsed: resume after it.</summary>
    public sealed record After(EventCursor Cursor) : StartPosition;

    /// <summary>A <c>Last-Event-ID</c> that did not parse (or belongs to another topic set).</summary>
    public sealed record Unusable(CursorError Error, string Text) : StartPosition;
}

/// <summary>Why a stream could not resume exactly where the client asked.</summary>
public enum ResetReason
{
    /// <summary>The id is not one this server issues, is too long, or is for another set of topics.</summary>
    MalformedId,

    /// <summary>The topic was deleted and created again since the id was issued.</summary>
    StaleEpoch,

    /// <summary>The events after the id were trimmed by retention.</summary>
    HistoryTrimmed,

    /// <summary>The id is ahead of the topic's head: not an id this incarnation issued.</summary>
    AheadOfHead,

    /// <summary>The topic was deleted while the stream was open.</summary>
    TopicDeleted,
}

/// <summary>The state of a topic a start position is resolved against.</summary>
/// <param name="EarliestRetained">Sequence of the oldest retained event; head + 1 when none is retained.</param>
public readonly record struct TopicPosition(TopicEpoch Epoch, ulong Head, ulong EarliestRetained);

/// <summary>Where a subscription starts: deliver every event after <paramref name="After"/>.</summary>
/// <param name="Reset">Set when the client must be told it did not get what it asked for.</param>
public readonly record struct ResumePlan(ulong After, ResetReason? Reset)
{
    /// <summary>
    /// The resume rules of docs/api.md, in one place: exact resume when possible; otherwise an
    /// explicit reset and the nearest position that loses nothing still retained (never a
    /// silent gap, never an error that would stop a browser's EventSource for good).
    /// </summary>
    public static ResumePlan Resolve(StartPosition start, TopicPosition topic)
    {
        var beforeRetained = topic.EarliestRetained - 1;
        return start switch
        {
            StartPosition.Live => new ResumePlan(topic.Head, null),
            StartPosition.Earliest => new ResumePlan(beforeRetained, null),
            StartPosition.Unusable => new ResumePlan(topic.Head, ResetReason.MalformedId),
            StartPosition.After { Cursor: var cursor } when cursor.Epoch != topic.Epoch =>
                new ResumePlan(beforeRetained, ResetReason.StaleEpoch),
            StartPosition.After { Cursor: var cursor } when cursor.Sequence > topic.Head =>
                new ResumePlan(topic.Head, ResetReason.AheadOfHead),
            StartPosition.After { Cursor: var cursor } when cursor.Sequence < beforeRetained =>
                new ResumePlan(beforeRetained, ResetReason.HistoryTrimmed),
            StartPosition.After { Cursor: var cursor } => new ResumePlan(cursor.Sequence, null),
            _ => throw new ArgumentOutOfRangeException(nameof(start), start, "Unknown start position"),
        };
    }
}
