using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Streams.Dsl;
using Akka.Util;
using EventActors.Actors.Journal;
using EventActors.Protocol;

namespace EventActors.Actors.Persistence;

/// <summary>Makes the <see cref="TopicReadJournal"/> for <see cref="TopicPersistence.QueryId"/>.</summary>
public sealed class TopicReadJournalProvider(ExtendedActorSystem system, Config config) : IReadJournalProvider
{
    public IReadJournal GetReadJournal() =>
        new TopicReadJournal(TopicStorageSetup.Of(system).Journal, config.GetTimeSpan("refresh-interval", TimeSpan.FromSeconds(1)), config.GetInt("page-size", 1000));
}

/// <summary>
/// Reads a topic's events back as Akka.Persistence.Query streams, a page at a time. The current
/// query ends at the head it finds; the live one, once it has read everything, looks again
/// every <c>refresh-interval</c>. Subscribers are never fed this way (one polling query per
/// subscriber would load the database with thousands of them): topics push to them from memory.
/// </summary>
public sealed class TopicReadJournal : IReadJournal, ICurrentEventsByPersistenceIdQuery, IEventsByPersistenceIdQuery
{
    private readonly IEventJournal _journal;
    private readonly TimeSpan _refreshInterval;
    private readonly int _pageSize;

    internal TopicReadJournal(IEventJournal journal, TimeSpan refreshInterval, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        _journal = journal;
        _refreshInterval = refreshInterval;
        _pageSize = pageSize;
    }

    /// <summary>Events with sequence numbers from <paramref name="fromSequenceNr"/> to <paramref name="toSequenceNr"/> (inclusive) that are retained now.</summary>
    public Source<EventEnvelope, NotUsed> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr, long toSequenceNr) =>
        Events(persistenceId, fromSequenceNr, toSequenceNr, live: false);

    /// <summary>As <see cref="CurrentEventsByPersistenceId"/>, then every later event up to <paramref name="toSequenceNr"/> as it is committed.</summary>
    public Source<EventEnvelope, NotUsed> EventsByPersistenceId(string persistenceId, long fromSequenceNr, long toSequenceNr) =>
        Events(persistenceId, fromSequenceNr, toSequenceNr, live: true);

    private Source<EventEnvelope, NotUsed> Events(string persistenceId, long fromSequenceNr, long toSequenceNr, bool live)
    {
        if (!TopicName.TryParse(persistenceId, out var topic, out _) || toSequenceNr < Math.Max(1, fromSequenceNr))
        {
            return Source.Empty<EventEnvelope>();
        }

        var through = (ulong)toSequenceNr;
        return Source.UnfoldAsync<ulong, IReadOnlyList<EventEnvelope>>((ulong)Math.Max(0, fromSequenceNr - 1), async after =>
        {
            while (after < through)
            {
                var page = await _journal.ReadAsync(topic, after, _pageSize, through).ConfigureAwait(false);
                if (page.Events.Count > 0)
                {
                    var envelopes = page.Events.Select(e => new EventEnvelope(new Sequence((long)e.Sequence), persistenceId, (long)e.Sequence,
                        new NewEvent(e.Data, e.Type), e.Timestamp.UtcTicks, tags: [])).ToList();
                    return Option<(ulong, IReadOnlyList<EventEnvelope>)>.Create((page.Events[^1].Sequence, envelopes));
                }

                if (!live)
                {
                    break;
                }

                await Task.Delay(_refreshInterval).ConfigureAwait(false);
            }

            return Option<(ulong, IReadOnlyList<EventEnvelope>)>.None;
        }).SelectMany(page => page);
    }
}
