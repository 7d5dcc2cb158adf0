using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Connections;

// Catch-up: history read through the read journal page by page, each page coming back as a message.
public sealed partial class ConnectionActor
{
    /// <summary>Reads the page after this topic's position, up to <paramref name="through"/>; it comes back as a <see cref="CatchUpPage"/>.</summary>
    private void ReadNextPage(int index, IActorRef topicActor, ulong through)
    {
        var from = _positions[index];
        _history.ReadAsync(_request.Topics[index], from.Sequence, through, _settings.CatchUpPageSize, _aborted)
            .PipeTo(Self, Self,
                success: events => new CatchUpPage(index, topicActor, from, through, events),
                failure: error => new CatchUpFailed(index, error));
    }

    private void OnCatchUpPage(CatchUpPage caughtUp)
    {
        var index = caughtUp.Topic;
        if (!ActorRefComparer.Instance.Equals(caughtUp.TopicActor, _topicActors[index]) || _positions[index] != caughtUp.From)
        {
            // The topic was reset or its actor replaced while the page was read: whoever feeds
            // us now starts afresh from our position, and this page describes the past.
            return;
        }

        var events = caughtUp.Events;
        var after = _positions[index].Sequence;
        // What is retained of a range is a suffix of it (trimming removes the oldest events): a
        // page that starts past our position, or finds nothing where the topic had events, means
        // the events in between were trimmed, and the client is told so before what follows.
        var resumeAt = events.Count > 0 ? events[0].Sequence - 1 : caughtUp.Through;
        if (resumeAt > after)
        {
            _positions[index] = _positions[index] with { Sequence = resumeAt };
            WriteReset(index, ResetReason.HistoryTrimmed);
        }

        foreach (var stored in events)
        {
            if (stored.Sequence <= _positions[index].Sequence)
            {
                continue;
            }

            _positions[index] = _positions[index] with { Sequence = stored.Sequence };
            SseFrame.Write(_output, stored.Data.Span, stored.Type, new SseEventId(CurrentId(index)));
        }

        var more = events.Count >= _settings.CatchUpPageSize && _positions[index].Sequence < caughtUp.Through;
        Flush(more ? AfterFlush.NextPage(caughtUp.TopicActor, index, caughtUp.Through) : AfterFlush.CaughtUp(caughtUp.TopicActor, index));
    }

    /// <summary>A page of history read for the topic at <paramref name="Topic"/>, from position <paramref name="From"/> up to <paramref name="Through"/>, for <paramref name="TopicActor"/>.</summary>
    private sealed record CatchUpPage(int Topic, IActorRef TopicActor, EventCursor From, ulong Through, IReadOnlyList<StoredEvent> Events);

    private sealed record CatchUpFailed(int Topic, Exception Cause);
}
