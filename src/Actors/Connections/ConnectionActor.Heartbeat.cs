using Akka.Actor;
using Akka.Event;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Connections;

// How a quiet stream is kept open: a comment once it has been quiet for a whole interval.
public sealed partial class ConnectionActor
{
    private HeartbeatTimer? _heartbeats; // the repeating tick, until the stream is written to between two

    private void OnHeartbeat()
    {
        // A comment goes out once the stream has been quiet for a whole interval, never
        // later. A quiet stream's tick repeats every interval, so writing the comment is
        // followed by the next tick one interval later, with nothing allocated per heartbeat
        // (a tick told once is three objects each time, which outlive the young generation and
        // pile up in the old one between full collections: tens of MiB over 50,000 idle streams).
        // A stream written to since the last tick starts its tick again for when the quiet
        // interval from its last write ends. The time is the scheduler's (what fires the tick,
        // and what Akka's TestScheduler advances); it is wall-clock time, so a clock that jumps
        // is clamped: at worst one heartbeat comes early or one interval late.
        var interval = _settings.HeartbeatInterval;
        var quiet = Context.System.Scheduler.Now - _lastWrite;
        quiet = quiet < TimeSpan.Zero ? TimeSpan.Zero : quiet > interval ? interval : quiet;
        if (quiet >= interval)
        {
            SseFrame.Heartbeat.WriteTo(_output);
            Flush(AfterFlush.Nothing);
        }
        else
        {
            StartHeartbeats(interval - quiet);
        }

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
    /// A tick first in <paramref name="first"/>, then every interval, told by the scheduler: a
    /// connection has no other timer, and an <c>IWithTimers</c> table costs each of thousands of
    /// idle streams several hundred bytes. The tick it replaces is cancelled; so is the last one
    /// when the actor stops (<see cref="PostStop"/>), and a tick already on its way to a
    /// stopped actor is dropped quietly (<see cref="HeartbeatTick"/>).
    /// </summary>
    /// <remarks>AK1004 warns of ticks that outlive their actor: this one is cancelled in <see cref="PostStop"/>.</remarks>
#pragma warning disable AK1004
    private void StartHeartbeats(TimeSpan first)
    {
        _heartbeats?.Cancel();
        _heartbeats = new HeartbeatTimer();
        Context.System.Scheduler.ScheduleTellRepeatedly(first, _settings.HeartbeatInterval, Self, HeartbeatTick.Instance, Self, _heartbeats);
    }
#pragma warning restore AK1004

    /// <summary>
    /// Cancels one repeating tick: a flag the scheduler reads before each tick (both Akka's and
    /// its TestScheduler read <see cref="IsCancellationRequested"/> and nothing else). Akka's own
    /// <c>Cancelable</c> holds a <c>CancellationTokenSource</c>, for each of thousands of streams.
    /// </summary>
    private sealed class HeartbeatTimer : ICancelable
    {
        private volatile bool _cancelled;

        public bool IsCancellationRequested => _cancelled;

        public CancellationToken Token => throw new NotSupportedException("A heartbeat timer has no token; read IsCancellationRequested.");

        public void Cancel() => _cancelled = true;

        public void Cancel(bool throwOnFirstException) => Cancel();

        public void CancelAfter(TimeSpan delay) => throw new NotSupportedException("A heartbeat timer is cancelled at once or not at all.");

        public void CancelAfter(int millisecondsDelay) => throw new NotSupportedException("A heartbeat timer is cancelled at once or not at all.");
    }

    /// <summary>Time to check for a quiet stream. Not a dead letter worth logging when the stream has ended.</summary>
    private sealed class HeartbeatTick : IDeadLetterSuppression
    {
        public static readonly HeartbeatTick Instance = new();
    }
}
