namespace EventActors.Host.Cluster;

/// <summary>The key of the topics' shard region in Akka.Hosting's actor registry (<see cref="Actors.Topics.TopicSharding"/>).</summary>
public sealed class TopicRegion
{
    private TopicRegion()
    {
    }
}
