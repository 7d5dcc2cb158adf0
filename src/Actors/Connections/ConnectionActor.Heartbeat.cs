using Akka.Actor;
using Akka.Event;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Connections;

// How a quiet stream is kept open: a comment once it has been quiet for a whole interval.
public sealed partial class ConnectionActor
{
    private void OnHeartbeat()
    {
        // A comment goes out once the stream has been quiet for a whole interval, never
        // later: the timer is set for when that moment comes, from the last write. The time is
        // the scheduler's (what fires the tick, and what Akka's TestScheduler advances); it is
        // wall-clock time, so a clock that jumps is clamped: at worst one heartbeat comes early
        // or one interval late.
        var interval = _settings.HeartbeatInterval;
        var quiet = Context.System.Scheduler.Now - _lastWrite;
        quiet = quiet < TimeSpan.Zero ? TimeSpan.Zero : quiet > interval ? interval : quiet;
        if (quiet >= interval)
        {
            SseFrame.Heartbeat.WriteTo(_output);
            quiet = TimeSpan.Zero;
            Flush(AfterFlush.Nothing);
        }

        ScheduleHeartbeat(interval - quiet);
        AskUnansweredTopicsAgain();
    }

    /// <summary>
    /// A Subscribe can be lost: it reached a topic actor that was stopping (it failed, or its node
    /// died) and went to dead letters with its mailbox. A topic that has not answered by the next
    /// tick is asked again, from the same position; a topic that did get the first one ignores
    /// the second, and its answer is on the way.
    /// </summary>
    private void AskUnansweredTopicsAgain()
    {
        for (var i = 0; i < _topicActors.Length; i++)
        {
            if (_topicActors[i] is null)
            {
                _topics.Tell(new Subscribe(_request.Topics[i], Self, StartFor(i), Credit: 0), Self);
            }
        }
    }

    /// <summary>
    /// One tick, told by the scheduler: a connection has no other timer, and an
    /// <c>IWithTimers</c> table costs each of thousands of idle streams several hundred bytes. A
    /// tick that finds the actor stopped is dropped quietly (<see cref="HeartbeatTick"/>).
    /// </summary>
    /// <remarks>
    /// AK1004 warns of ticks that outlive their actor; this one is told at most one interval after
    /// the stop and then dropped, and there is only ever one pending per stream.
    /// </remarks>
#pragma warning disable AK1004
    private void ScheduleHeartbeat(TimeSpan delay) => Context.System.Scheduler.ScheduleTellOnce(delay, Self, HeartbeatTick.Instance, Self);
#pragma warning restore AK1004

    /// <summary>Time to check for a quiet stream. Not a dead letter worth logging when the stream has ended.</summary>
    private sealed class HeartbeatTick : IDeadLetterSuppression
    {
        public static readonly HeartbeatTick Instance = new();
    }
}
