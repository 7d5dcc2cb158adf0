using EventActors.Protocol;

namespace EventActors.Actors.Journal;

/// <summary>The outcome of a committed append.</summary>
/// <param name="Epoch">The topic's epoch (new when this append created the topic).</param>
/// <param name="Head">The topic's head after the append.</param>
/// <param name="Timestamp">The timestamp stored with every event this append wrote.</param>
/// <param name="Events">One entry per event of the request, in request order.</param>
public sealed record AppendResult(TopicEpoch Epoch, ulong Head, DateTimeOffset Timestamp, IReadOnlyList<AppendedEvent> Events)
{
    /// <summary>How many events this append wrote (the ones that were not duplicates).</summary>
    public int AppendedCount => Events.Count(e => !e.Duplicate);
}

/// <summary>Where one event of an append ended up.</summary>
/// <param name="Sequence">Its sequence number; for a duplicate, the one its idempotency key was first appended with.</param>
/// <param name="Duplicate">True when its idempotency key was seen within the window, so nothing was written for it.</param>
public readonly record struct AppendedEvent(ulong Sequence, bool Duplicate);
