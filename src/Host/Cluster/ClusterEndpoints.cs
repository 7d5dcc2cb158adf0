using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using EventActors.Host.Auth;

namespace EventActors.Host.Cluster;

/// <summary><c>GET /cluster</c>: the members, their status, and the shards and topics each holds.</summary>
internal static class ClusterEndpoints
{
    /// <summary>How long the shard regions of all nodes get to report what they hold.</summary>
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(5);

    public static void MapClusterEndpoints(this IEndpointRouteBuilder app, EventActorsNode node, RequestAuthorization authorization)
    {
        app.MapGet("/cluster", async (HttpContext context) =>
            await authorization.RefuseUnlessAdminAsync(context) ?? Results.Json(await DescribeAsync(node)));
    }

    /// <summary>
    /// The cluster as this node sees it. Shards and topics come from each node's region; a node
    /// whose region did not answer in time (unreachable, say) shows null for both.
    /// </summary>
    private static async Task<object> DescribeAsync(EventActorsNode node)
    {
        var cluster = node.Cluster;
        var state = cluster.State;
        IReadOnlyDictionary<Address, ShardRegionStats> regions;
        try
        {
            regions = (await node.Topics.Ask<ClusterShardingStats>(new GetClusterShardingStats(StatsTimeout), StatsTimeout + TimeSpan.FromSeconds(1))).Regions;
        }
        catch (AskTimeoutException)
        {
            regions = new Dictionary<Address, ShardRegionStats>(); // no coordinator yet (not joined): nobody holds anything known
        }

        return new
        {
            self = HostPort(cluster.SelfAddress),
            leader = state.Leader is { } leader ? HostPort(leader) : null,
            members = state.Members.Select(member => new
            {
                address = HostPort(member.Address),
                status = state.Unreachable.Contains(member) ? "unreachable" : StatusName(member.Status),
                shards = regions.TryGetValue(member.Address, out var stats) ? stats.Stats.Count : (int?)null,
                topics = regions.TryGetValue(member.Address, out stats) ? stats.Stats.Values.Sum() : (int?)null,
            }),
        };
    }

    /// <summary>A node's remoting address as <c>host:port</c>, the form seed nodes are given in.</summary>
    public static string HostPort(Address address) => $"{address.Host}:{address.Port}";

    /// <summary>Akka's member status, in the lower case of the rest of the API (<c>up</c>, <c>joining</c>, <c>leaving</c>, ...).</summary>
    public static string StatusName(MemberStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>This node's own status in the cluster, for /health: <c>up</c> once it has joined.</summary>
    public static string SelfStatus(EventActorsNode node) => StatusName(node.Cluster.SelfMember.Status);
}
