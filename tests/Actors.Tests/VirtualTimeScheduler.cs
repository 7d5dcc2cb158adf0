using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit;

namespace EventActors.Actors.Tests;

/// <summary>
/// Akka's <see cref="TestScheduler"/> with both of its clocks on virtual time. The stock one (Akka
/// 1.5.73) moves <see cref="TestScheduler.Now"/> and fires timers when a test calls
/// <see cref="TestScheduler.Advance"/>, but its <see cref="TestScheduler.MonotonicClock"/> is the
/// process's real clock. An actor that measures elapsed time with the scheduler's monotonic clock,
/// as the connection actor does to tell how long its stream has been quiet, then sees its timers
/// fire after virtual hours while only real milliseconds have passed. Here the monotonic clock is
/// the virtual time elapsed since the scheduler was made, as the real scheduler's monotonic clock
/// and timers both follow real time.
/// </summary>
/// <remarks>
/// Like the stock one, it is not meant to be advanced while an actor reads it: tests advance it
/// only once the actors they watch have handled what was sent to them.
/// </remarks>
public sealed class VirtualTimeScheduler : TestScheduler, ITimeProvider
{
    /// <summary>The HOCON that makes it the actor system's scheduler.</summary>
    public const string Hocon = """akka.scheduler.implementation = "EventActors.Actors.Tests.VirtualTimeScheduler, EventActors.Actors.Tests" """;

    private readonly DateTimeOffset _start;

    public VirtualTimeScheduler(Config schedulerConfig, ILoggingAdapter log) : base(schedulerConfig, log) => _start = Now;

    TimeSpan ITimeProvider.MonotonicClock => Now - _start;

    TimeSpan ITimeProvider.HighResMonotonicClock => Now - _start;
}
