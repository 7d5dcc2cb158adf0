using System.IO.Pipelines;
using Akka.Actor;
using EventActors.Actors.Topics;

namespace EventActors.Actors.Connections;

// Flushing, and what follows a flush: the credit going back, the next page, the end of a catch-up.
public sealed partial class ConnectionActor
{
    /// <summary>
    /// Hands what was written to the transport, then does <paramref name="next"/>: at once when the
    /// flush completes synchronously (a client that keeps up), else once it completes, with the
    /// mailbox held meanwhile. A client that is gone stops the actor.
    /// </summary>
    private void Flush(AfterFlush next)
    {
        _lastWrite = Context.System.Scheduler.Now;
        ValueTask<FlushResult> flush;
        try
        {
            flush = _output.FlushAsync(_aborted);
        }
        catch (Exception error) when (IsClientGone(error))
        {
            Context.Stop(Self);
            return;
        }

        if (flush.IsCompletedSuccessfully)
        {
            Continue(flush.Result, next);
            return;
        }

        ContinueWhenFlushed(flush, next);
    }

    /// <summary>
    /// The slow path, in a method of its own: a lambda that captures locals makes the compiler
    /// allocate their closure on entry to the method that declares them, taken or not.
    /// </summary>
    private void ContinueWhenFlushed(ValueTask<FlushResult> flush, AfterFlush next)
    {
        RunTask(async () =>
        {
            FlushResult result;
            try
            {
                result = await flush.AsTask(); // a Task resumes on the actor's scheduler, whatever the writer's awaitable does
            }
            catch (Exception error) when (IsClientGone(error))
            {
                Context.Stop(Self);
                return;
            }

            Continue(result, next);
        });
    }

    private void Continue(FlushResult result, AfterFlush next)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            Context.Stop(Self); // the client is gone; nothing to recover
            return;
        }

        switch (next.Kind)
        {
            case AfterFlushKind.Grant:
                ReturnCredit(next.Topic, next.TopicActor!, next.Count);
                break;
            case AfterFlushKind.NextPage:
                ReadNextPage(next.Topic, next.TopicActor!, next.Through);
                break;
            case AfterFlushKind.CaughtUp:
                next.TopicActor!.Tell(new CaughtUp(Self, _positions[next.Topic].Epoch, _positions[next.Topic].Sequence), Self);
                break;
        }
    }

    /// <summary>
    /// Gives back the credit of <paramref name="written"/> events, in chunks of half the window:
    /// one grant per many deliveries rather than one each (a grant is a message to the topic, and
    /// at one event per delivery they were half the messages of the fan-out), while the topic
    /// always keeps at least half its window to push with. A delivery from a topic actor that has
    /// since been replaced returns nothing: the new subscription has a window of its own.
    /// </summary>
    private void ReturnCredit(int topic, IActorRef from, int written)
    {
        if (!ActorRefComparer.Instance.Equals(from, _topicActors[topic]))
        {
            return;
        }

        var unreturned = _unreturnedCredit[topic] + written;
        if (unreturned >= _settings.CreditReturnChunk)
        {
            from.Tell(GrantCredit.For(unreturned), Self);
            unreturned = 0;
        }

        _unreturnedCredit[topic] = unreturned;
    }

    private static bool IsClientGone(Exception error) => error is OperationCanceledException or IOException or InvalidOperationException;

    private enum AfterFlushKind : byte { Nothing, Grant, NextPage, CaughtUp }

    /// <summary>What follows a flush: a value, so the common case (a grant after a delivery) allocates nothing.</summary>
    /// <param name="Topic">The topic's index in the request.</param>
    /// <param name="Count">Grant: the events delivered.</param>
    /// <param name="Through">NextPage: the end of the range being caught up.</param>
    private readonly record struct AfterFlush(AfterFlushKind Kind, IActorRef? TopicActor, int Topic, int Count, ulong Through = 0)
    {
        public static AfterFlush Nothing => default;

        public static AfterFlush Grant(IActorRef topicActor, int topic, int delivered) => new(AfterFlushKind.Grant, topicActor, topic, delivered);

        public static AfterFlush NextPage(IActorRef topicActor, int topic, ulong through) => new(AfterFlushKind.NextPage, topicActor, topic, 0, through);

        public static AfterFlush CaughtUp(IActorRef topicActor, int topic) => new(AfterFlushKind.CaughtUp, topicActor, topic, 0);
    }
}
