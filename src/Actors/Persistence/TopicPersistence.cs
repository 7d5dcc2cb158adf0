using Akka.Configuration;

namespace EventActors.Actors.Persistence;

/// <summary>
/// The HOCON that registers our journals as Akka.Persistence plugins: the write journal, the
/// snapshot store, the read journal and the serializer for <see cref="Journal.NewEvent"/>.
/// </summary>
public static class TopicPersistence
{
    /// <summary>Plugin id of the write journal (<see cref="TopicWriteJournal"/>).</summary>
    public const string JournalId = "akka.persistence.journal.eventactors";

    /// <summary>Plugin id of the snapshot store (<see cref="TopicSnapshotStore"/>).</summary>
    public const string SnapshotStoreId = "akka.persistence.snapshot-store.eventactors";

    /// <summary>Plugin id of the read journal (<see cref="TopicReadJournal"/>).</summary>
    public const string QueryId = "eventactors.persistence.query";

    /// <summary>
    /// The plugins' definitions, and the serializer bindings that keep <see cref="Journal.NewEvent"/>
    /// and <see cref="TopicSnapshot"/> off Akka's JSON default wherever a store serializes them
    /// (Akka.Persistence.Sql does both; our plugins store an event's fields in columns).
    /// </summary>
    public static Config Plugins { get; } = ConfigurationFactory.ParseString($$"""
        {{JournalId}} {
          class = "{{typeof(TopicWriteJournal).AssemblyQualifiedNameShort()}}"
          plugin-dispatcher = "akka.actor.default-dispatcher"
          # Akka's breaker would open after 10 failures and refuse everything for 30 s more,
          # however soon the database is back. Our journals refuse at once while they cannot
          # reach their database and reconnect by themselves, so the breaker stays closed.
          circuit-breaker.max-failures = 1000000000
        }
        {{SnapshotStoreId}} {
          class = "{{typeof(TopicSnapshotStore).AssemblyQualifiedNameShort()}}"
          plugin-dispatcher = "akka.actor.default-dispatcher"
          circuit-breaker.max-failures = 1000000000
        }
        {{QueryId}} {
          class = "{{typeof(TopicReadJournalProvider).AssemblyQualifiedNameShort()}}"
          # How often a live query (EventsByPersistenceId) looks for new events once it has read
          # everything. Live delivery to subscribers never uses it: topics push from memory.
          refresh-interval = 1s
          # Events per read while a query pages through a topic.
          page-size = 1000
        }
        akka.actor {
          serializers.eventactors = "{{typeof(TopicSerializer).AssemblyQualifiedNameShort()}}"
          serialization-bindings {
            "{{typeof(Journal.NewEvent).AssemblyQualifiedNameShort()}}" = eventactors
            "{{typeof(TopicSnapshot).AssemblyQualifiedNameShort()}}" = eventactors
          }
        }
        """);

    /// <summary><see cref="Plugins"/>, with ours as the default journal and snapshot store.</summary>
    public static Config AsDefault { get; } = ConfigurationFactory.ParseString($"""
        akka.persistence.journal.plugin = "{JournalId}"
        akka.persistence.snapshot-store.plugin = "{SnapshotStoreId}"
        """).WithFallback(Plugins);

    /// <summary>"Namespace.Type, Assembly": what HOCON's <c>class</c> keys expect.</summary>
    private static string AssemblyQualifiedNameShort(this Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
