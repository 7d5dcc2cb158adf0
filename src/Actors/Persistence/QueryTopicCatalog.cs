using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>
/// The topics of a journal that only answers Akka.Persistence.Query's
/// <c>CurrentPersistenceIds</c> (Akka.Persistence.Sql): it has no order and no paging, so each
/// call reads every id and sorts them. Fine for thousands of topics; with many more, listing
/// costs a scan of the journal's ids per page (docs/journal.md).
/// </summary>
public sealed class QueryTopicCatalog : ITopicCatalog
{
    private readonly ICurrentPersistenceIdsQuery _query;
    private readonly IMaterializer _materializer;

    public QueryTopicCatalog(ActorSystem system, string readJournalId)
    {
        _query = PersistenceQuery.Get(system).ReadJournalFor<IReadJournal>(readJournalId) as ICurrentPersistenceIdsQuery
            ?? throw new ArgumentException($"The read journal '{readJournalId}' cannot list persistence ids.", nameof(readJournalId));
        _materializer = system.Materializer(namePrefix: "topic-catalog");
    }

    public async Task<IReadOnlyList<TopicName>> ListAsync(TopicName? after, int max, CancellationToken cancellationToken = default)
    {
        var ids = await _query.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), _materializer).WaitAsync(cancellationToken).ConfigureAwait(false);
        var floor = after?.Value;
        return ids
            .Where(id => floor is null || string.CompareOrdinal(id, floor) > 0)
            .Select(id => TopicName.TryParse(id, out var topic, out _) ? topic : (TopicName?)null) // ids that are not topic names are not ours
            .OfType<TopicName>()
            .Distinct()
            .Order()
            .Take(max)
            .ToList();
    }

    /// <summary>The journal keeps no event times this can read: every topic may hold old events.</summary>
    public async Task<IReadOnlyList<TopicAge>> ListAgesAsync(TopicName? after, int max, CancellationToken cancellationToken = default) =>
        (await ListAsync(after, max, cancellationToken).ConfigureAwait(false)).Select(topic => new TopicAge(topic, DateTimeOffset.MinValue)).ToList();
}
