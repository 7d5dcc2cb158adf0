using EventActors.Protocol;

namespace EventActors.Actors.Journal;

/// <summary>A topic's committed state.</summary>
/// <param name="Topic">Its name.</param>
/// <param name="Epoch">Its current incarnation.</param>
/// <param name="Head">The last sequence number assigned (0 before the first event). Never lowered by trimming.</param>
/// <param name="FirstSequence">
/// The earliest sequence number still retained; events [<paramref name="FirstSequence"/>,
/// <paramref name="Head"/>] are present. Head + 1 when none are (nothing appended yet, or all trimmed).
/// </param>
/// <param name="CreatedAt">When this incarnation was created.</param>
public sealed record TopicInfo(TopicName Topic, TopicEpoch Epoch, ulong Head, ulong FirstSequence, DateTimeOffset CreatedAt)
{
    /// <summary>How many events are retained.</summary>
    public ulong RetainedCount => Head + 1 - FirstSequence;

    /// <summary>The position after the last event: what a subscriber that is up to date holds.</summary>
    public EventCursor HeadCursor => new(Epoch, Head);

    /// <summary>
    /// True when a reader that has every event up to <paramref name="after"/> has missed events
    /// that are no longer retained: it has to be told that history was trimmed.
    /// </summary>
    public bool IsTrimmedAfter(ulong after) => after < Head && after + 1 < FirstSequence;
}

/// <summary>A topic's name, and when its oldest retained event was appended (null when it retains none).</summary>
public sealed record TopicAge(TopicName Topic, DateTimeOffset? OldestEventAt);
