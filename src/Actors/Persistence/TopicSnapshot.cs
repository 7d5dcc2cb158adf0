using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// What a topic keeps besides its events, saved as its Akka.Persistence snapshot whenever it
/// changes (creation, retention, delete) and every so many events: the events themselves carry
/// no epoch, and Akka.Persistence has no way to ask for the lowest retained sequence number.
/// </summary>
/// <param name="Epoch">The current incarnation (a delete starts a new one).</param>
/// <param name="EpochStart">
/// The last sequence number of the previous incarnations (0 for the first): this incarnation's
/// events are numbered from <c>EpochStart + 1</c>. Sequence numbers never restart, because
/// Akka.Persistence numbers on from the highest it has ever written, deleted or not.
/// </param>
/// <param name="FirstRetained">The oldest sequence number still retained; past the head when none is.</param>
/// <param name="CreatedAt">When this incarnation began.</param>
public sealed record TopicSnapshot(TopicEpoch Epoch, ulong EpochStart, ulong FirstRetained, DateTimeOffset CreatedAt)
{
    /// <summary>A new topic's first incarnation, numbered from 1.</summary>
    public static TopicSnapshot New(DateTimeOffset now) => new(TopicEpoch.NewRandom(), 0, 1, Truncate(now));

    /// <summary>The incarnation that follows a delete at <paramref name="head"/>: a new epoch, nothing retained.</summary>
    public TopicSnapshot NextIncarnation(ulong head, DateTimeOffset now) => new(TopicEpoch.NewRandom(), head, head + 1, Truncate(now));

    /// <summary>The topic's state as the API describes it, at <paramref name="head"/>.</summary>
    public TopicInfo Describe(TopicName topic, ulong head) => new(topic, Epoch, head, Math.Min(FirstRetained, head + 1), CreatedAt);

    // Stored to the millisecond: the snapshot keeps what it can read back exactly.
    private static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
