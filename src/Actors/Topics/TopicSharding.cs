using Akka.Actor;
using Akka.Cluster.Sharding;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// Topics are the entities of one Akka.Cluster.Sharding region: a message for a topic
/// (<see cref="ITopicMessage"/>) goes to the region of any node, which routes it to the node that
/// owns the topic's shard and starts its <see cref="TopicActor"/> there on demand. Each topic has
/// one writer in the cluster; a node with no cluster settings is a cluster of one.
/// </summary>
/// <remarks>
/// Sharding buffers a topic's messages while it passivates or while its shard moves, and a
/// buffered message starts it again. A stopping topic answers everything that reached it before it
/// stops (<see cref="HandOff"/>). Topics come back on demand (remember-entities is off): their
/// state is in the journal.
/// </remarks>
public static class TopicSharding
{
    /// <summary>The entity type's name: the region's actor is /system/sharding/topic.</summary>
    public const string TypeName = "topic";

    /// <summary>
    /// Starts this node's region of topics: its <see cref="TopicActor"/>s get
    /// <paramref name="services"/> and <paramref name="settings"/>. Every node must use the same
    /// <paramref name="shards"/> (a topic's shard is its name's hash modulo it).
    /// </summary>
    public static Task<IActorRef> StartAsync(ActorSystem system, TopicServices services, TopicSettings settings, int shards)
    {
        var sharding = ClusterSharding.Get(system);
        // Whatever the configuration says: topics passivate themselves, counting their
        // subscribers (Sharding's idle timer sees only messages sent through the region, and would
        // stop a topic whose subscribers are live but whose publishers are quiet), and they come
        // back on demand from the journal (nothing to remember).
        var shardingSettings = ClusterShardingSettings.Create(system).WithPassivateIdleAfter(TimeSpan.Zero).WithRememberEntities(false);
        return sharding.StartAsync(
            TypeName,
            entityId => TopicActor.Props(TopicName.Parse(entityId), services, settings),
            shardingSettings,
            new TopicMessageExtractor(shards),
            sharding.DefaultShardAllocationStrategy(shardingSettings),
            HandOff.Shutdown);
    }

    /// <summary>
    /// A node with no other members joins itself, and waits until it is up: the shard
    /// coordinator runs on the oldest member, so until then the region only buffers.
    /// </summary>
    /// <returns>False when it did not see itself up within <paramref name="patience"/>.</returns>
    public static async Task<bool> JoinSelfAsync(ActorSystem system, TimeSpan patience)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        try
        {
            await up.Task.WaitAsync(patience);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The topic protocol's serializer (<see cref="TopicProtocolSerializer"/>), bound to every message that may cross nodes.</summary>
    public static readonly string SerializationConfig = $$"""
        akka.actor {
          serializers.eventactors-topic = "{{typeof(TopicProtocolSerializer).FullName}}, {{typeof(TopicProtocolSerializer).Assembly.GetName().Name}}"
          serialization-bindings {
            "{{typeof(ITopicProtocol).FullName}}, {{typeof(ITopicProtocol).Assembly.GetName().Name}}" = eventactors-topic
          }
        }
        """;

    /// <summary>
    /// What a process that is a cluster of one on loopback needs besides Akka's defaults (tests,
    /// benchmarks, tools; the server's own settings are in hocon/eventactors.conf).
    /// </summary>
    public static readonly string ClusterOfOneConfig = """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.sharding.state-store-mode = ddata
        """ + "\n" + SerializationConfig + "\n" + CompactMailbox.Definition;

    /// <summary>Entity id: the topic's name; shard: a hash of it (MurmurHash, the same on every node).</summary>
    private sealed class TopicMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string? EntityId(object message) => (message as ITopicMessage)?.Topic.Value;
    }
}

/// <summary>
/// To a topic, from its shard: stop once nothing is in flight (every publish that reached it
/// answered, every started change of its state saved). Sent when the topic asked to passivate
/// (<see cref="Passivation"/>) and when its shard is handed off to another node or the node leaves
/// (<see cref="Shutdown"/>, the region's hand-off stop message).
/// </summary>
internal sealed class HandOff
{
    private HandOff(bool shutdown) => IsShutdown = shutdown;

    /// <summary>The topic asked to passivate (it was idle).</summary>
    public static readonly HandOff Passivation = new(shutdown: false);

    /// <summary>Its shard is moving, or the node is leaving.</summary>
    public static readonly HandOff Shutdown = new(shutdown: true);

    public bool IsShutdown { get; }
}
