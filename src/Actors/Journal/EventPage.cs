namespace EventActors.Actors.Journal;

/// <summary>A page of events and the state of their topic, read from one snapshot.</summary>
/// <param name="Topic">The topic's state, or null when it does not exist (then there are no events).</param>
/// <param name="Events">The events, in sequence order.</param>
public sealed record EventPage(TopicInfo? Topic, IReadOnlyList<StoredEvent> Events)
{
    /// <summary>The page of a topic that does not exist.</summary>
    public static EventPage Missing { get; } = new(null, []);
}
