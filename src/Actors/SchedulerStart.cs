using Akka.Actor;

namespace EventActors.Actors;

/// <summary>
/// Starts Akka's scheduler while nothing else runs. Akka 1.5.73's scheduler starts on its first
/// use, and that first call blocks its thread until a task it queued on the thread pool has run.
/// A node's first use used to be hundreds of connection actors arming their heartbeats at once:
/// every pool thread blocked there, the task that would release them waited behind them, and the
/// node answered no new stream for a minute or more (docs/benchmarks.md, the move to Akka.NET;
/// akkadotnet/akka.net#7130 is the same deadlock in an earlier version). Call it right after the
/// actor system is created, before any actor that uses timers starts.
/// </summary>
public static class SchedulerStart
{
    public static void Now(ActorSystem system) => system.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, static () => { });
}
