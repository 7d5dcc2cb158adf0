namespace EventActors.Actors.Journal;

/// <summary>How much of a topic's history to keep; a limit left null does not apply.</summary>
public sealed record Retention
{
    /// <summary>Keep at most this many of the newest events (0 removes them all; the head stays).</summary>
    public ulong? MaxEvents { get; init; }

    /// <summary>
    /// Remove the oldest events appended longer ago than this. Trimming removes a prefix: it stops
    /// at the first event young enough to keep, so the retained range stays contiguous.
    /// </summary>
    public TimeSpan? MaxAge { get; init; }
}

/// <summary>The outcome of a trim.</summary>
/// <param name="Topic">The topic's state after the trim, or null when it does not exist.</param>
/// <param name="RemovedEvents">How many events the trim removed.</param>
public sealed record TrimResult(TopicInfo? Topic, ulong RemovedEvents);
