using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Connections;

// Catch-up: history read from the journal page by page, each page coming back as a message.
public sealed partial class ConnectionActor
{
    /// <summary>Reads the page after this topic's position; the page comes back as a <see cref="CatchUpPage"/>.</summary>
    private void ReadNextPage(int index, IActorRef topicActor)
    {
        var from = _positions[index];
        _journal.ReadAsync(_request.Topics[index], from.Sequence, _settings.CatchUpPageSize, cancellationToken: _aborted)
            .PipeTo(Self, Self,
                success: page => new CatchUpPage(index, topicActor, from, page),
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

        var page = caughtUp.Page;
        if (page.Topic is not { } info || info.Epoch != _positions[index].Epoch)
        {
            return; // deleted meanwhile: the topic actor sends TopicReset
        }

        var after = _positions[index].Sequence;
        if (info.IsTrimmedAfter(after))
        {
            _positions[index] = _positions[index] with { Sequence = info.FirstSequence - 1 };
            WriteReset(index, ResetReason.HistoryTrimmed);
        }

        foreach (var stored in page.Events)
        {
            if (stored.Sequence <= _positions[index].Sequence)
            {
                continue;
            }

            _positions[index] = _positions[index] with { Sequence = stored.Sequence };
            SseFrame.Write(_output, stored.Data.Span, stored.Type, new SseEventId(CurrentId(index)));
        }

        var more = page.Events.Count >= _settings.CatchUpPageSize && _positions[index].Sequence < info.Head;
        Flush(more ? AfterFlush.NextPage(caughtUp.TopicActor, index) : AfterFlush.CaughtUp(caughtUp.TopicActor, index));
    }

    /// <summary>A page of history read for the topic at <paramref name="Topic"/>, from position <paramref name="From"/>, for <paramref name="TopicActor"/>.</summary>
    private sealed record CatchUpPage(int Topic, IActorRef TopicActor, EventCursor From, EventPage Page);

    private sealed record CatchUpFailed(int Topic, Exception Cause);
}
