using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>The names of the topics a journal holds, for listing them in name order.</summary>
public interface ITopicCatalog
{
    /// <summary>Up to <paramref name="max"/> topic names that sort (ordinally) after <paramref name="after"/>, in that order.</summary>
    Task<IReadOnlyList<TopicName>> ListAsync(TopicName? after, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="ListAsync"/>, with when each topic's oldest retained event was appended
    /// (null: it retains none). A journal that cannot tell gives <see cref="DateTimeOffset.MinValue"/>:
    /// every topic may hold old events, and a retention sweep asks each topic's actor.
    /// </summary>
    Task<IReadOnlyList<TopicAge>> ListAgesAsync(TopicName? after, int max, CancellationToken cancellationToken = default);
}
