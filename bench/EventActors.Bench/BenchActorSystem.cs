using Akka.Actor;
using Akka.Configuration;
using EventActors.Actors;

namespace EventActors.Bench;

/// <summary>
/// The actor system every in-process benchmark runs on: Akka's logging at WARNING (its INFO lines
/// would follow a benchmark's JSON, which must stay the last line) and its scheduler started before
/// any actor arms a timer (<see cref="SchedulerStart"/>).
/// </summary>
internal static class BenchActorSystem
{
    /// <param name="hocon">Akka settings of the benchmark or its caller, over the defaults.</param>
    public static ActorSystem Create(string name, string hocon = "")
    {
        var system = ActorSystem.Create(name, ConfigurationFactory.ParseString(hocon)
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        SchedulerStart.Now(system);
        return system;
    }
}
