using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>Our journals' topics, read a page at a time from their topics table, in name order.</summary>
public sealed class JournalTopicCatalog(IEventJournal journal) : ITopicCatalog
{
    public async Task<IReadOnlyList<TopicName>> ListAsync(TopicName? after, int max, CancellationToken cancellationToken = default) =>
        (await journal.ListTopicsAsync(after, max, cancellationToken).ConfigureAwait(false)).Select(info => info.Topic).ToList();

    public Task<IReadOnlyList<TopicAge>> ListAgesAsync(TopicName? after, int max, CancellationToken cancellationToken = default) =>
        journal.ListTopicAgesAsync(after, max, cancellationToken);
}
