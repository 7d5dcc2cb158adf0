using System.Net.Sockets;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// A node with no cluster settings: a cluster of one that joined itself, which owns every topic,
/// and the cluster settings that stop a start.
/// </summary>
public sealed class ClusterOfOneTests(SharedHost shared) : IClassFixture<SharedHost>
{
    [Fact]
    public async Task A_node_with_no_cluster_settings_is_up_in_a_cluster_of_one_and_owns_every_topic()
    {
        var health = await shared.Client.GetJsonAsync("/health");
        Assert.Equal(("ok", "up"), (health.GetProperty("status").GetString(), health.GetProperty("cluster").GetString()));
        var self = health.GetProperty("node").GetString();

        var topic = SharedHost.NewTopic("owned");
        await shared.Client.PublishAsync(topic, "first");
        Assert.Equal(self, (await shared.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("owner").GetString());

        var cluster = await shared.Client.GetJsonAsync("/cluster");
        Assert.Equal(self, cluster.GetProperty("self").GetString());
        Assert.Equal(self, cluster.GetProperty("leader").GetString());
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal((self, "up"), (member.GetProperty("address").GetString(), member.GetProperty("status").GetString()));
        Assert.True(member.GetProperty("shards").GetInt32() >= 1);
        Assert.True(member.GetProperty("topics").GetInt32() >= 1);
    }

    [Fact]
    public async Task A_cluster_port_in_use_stops_the_start_naming_the_setting()
    {
        using var holder = new TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        using var data = new TempDirectory();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HostProcess.StartAsync(data.Path, "--cluster-port", $"{port}", "--seed-nodes", $"127.0.0.1:{port}"));
        Assert.Contains("The host exited with", error.Message);
        Assert.DoesNotContain("The host exited with 0:", error.Message);
        Assert.Contains($"Configuration EventActors:Cluster:Port {port} cannot be used on 127.0.0.1", error.Message);
    }

    [Fact]
    public async Task A_seed_list_that_cannot_be_parsed_stops_the_start_naming_the_setting()
    {
        using var data = new TempDirectory();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HostProcess.StartAsync(data.Path, "--cluster-port", "4051", "--seed-nodes", "127.0.0.1:4051;127.0.0.1:4052"));
        Assert.DoesNotContain("The host exited with 0:", error.Message);
        Assert.Contains("Configuration EventActors:Cluster:SeedNodes must be a comma-separated list of host:port", error.Message);
    }
}
