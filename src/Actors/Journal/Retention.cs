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

    /// <summary>
    /// Remove every event with a sequence number up to this one (Akka.Persistence's
    /// <c>DeleteMessagesTo</c>). Beyond the head it removes everything; the head stays.
    /// </summary>
    public ulong? Through { get; init; }

    /// <summary>The first sequence number this retention keeps, given the topic's head and current first retained sequence.</summary>
    internal ulong KeepFrom(ulong head, ulong first)
    {
        if (MaxEvents is { } maxEvents)
        {
            // Keep [head - maxEvents + 1, head]; computed without overflow for any maxEvents.
            first = Math.Max(first, maxEvents >= head ? 1 : head - maxEvents + 1);
        }

        if (Through is { } through)
        {
            first = Math.Max(first, Math.Min(through, head) + 1);
        }

        return first;
    }
}

/// <summary>The outcome of a trim.</summary>
/// <param name="Topic">The topic's state after the trim, or null when it does not exist.</param>
/// <param name="RemovedEvents">How many events the trim removed.</param>
public sealed record TrimResult(TopicInfo? Topic, ulong RemovedEvents);
