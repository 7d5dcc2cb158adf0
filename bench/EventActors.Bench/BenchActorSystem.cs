using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using EventActors.Actors;
using EventActors.Actors.Persistence;

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
        var system = ActorSystem.Create(name, ConfigFor(hocon));
        SchedulerStart.Now(system);
        return system;
    }

    /// <summary>A system whose topics persist through our journal plugins, to the journal attached to <paramref name="storage"/>.</summary>
    public static ActorSystem WithOurJournal(string name, TopicStorageSetup storage, string hocon = "") =>
        WithPersistence(name, TopicPersistence.AsDefault, storage, hocon);

    /// <summary>
    /// A system whose topics persist through the plugins <paramref name="persistence"/> configures,
    /// with <paramref name="setup"/> (ours: the open journal; Akka.Persistence.Sql: its DataOptions).
    /// </summary>
    public static ActorSystem WithPersistence(string name, Config persistence, Setup setup, string hocon = "")
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(ConfigFor(hocon).WithFallback(persistence));
        var system = ActorSystem.Create(name, ActorSystemSetup.Create(bootstrap, setup));
        SchedulerStart.Now(system);
        return system;
    }

    private static Config ConfigFor(string hocon) =>
        ConfigurationFactory.ParseString(hocon).WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
}
