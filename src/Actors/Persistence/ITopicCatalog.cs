using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>The names of the topics a journal holds, for listing them in name order.</summary>
public interface ITopicCatalog
{
    /// <summary>Up to <paramref name="max"/> topic names that sort (ordinally) after <paramref name="after"/>, in that order.</summary>
    Task<IReadOnlyList<TopicName>> ListAsync(TopicName? after, int max, CancellationToken cancellationToken = default);
}
