using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using EventActors.Actors;
using EventActors.Actors.Persistence;
using EventActors.Actors.Topics;

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
    /// with <paramref name="setup"/> (ours: the open journal; Akka.Persistence.Sql: its DataOptions),
    /// a cluster of one on loopback as a node is (<see cref="StartTopicsAsync"/>).
    /// </summary>
    public static ActorSystem WithPersistence(string name, Config persistence, Setup setup, string hocon = "")
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(ConfigFor(hocon)
            .WithFallback(ConfigurationFactory.ParseString(TopicSharding.ClusterOfOneConfig))
            .WithFallback(persistence));
        var system = ActorSystem.Create(name, ActorSystemSetup.Create(bootstrap, setup));
        SchedulerStart.Now(system);
        return system;
    }

    /// <summary>Joins the system's cluster of one and starts the topics' shard region, as a node does.</summary>
    public static async Task<IActorRef> StartTopicsAsync(ActorSystem system, TopicServices services, TopicSettings settings)
    {
        if (!await TopicSharding.JoinSelfAsync(system, TimeSpan.FromMinutes(1)))
        {
            throw new InvalidOperationException("The benchmark's actor system did not see itself up in its cluster of one.");
        }

        return await TopicSharding.StartAsync(system, services, settings, shards: 100);
    }

    private static Config ConfigFor(string hocon) =>
        ConfigurationFactory.ParseString(hocon).WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING"))
            .WithFallback(ConfigurationFactory.ParseString(CompactMailbox.Definition));
}
