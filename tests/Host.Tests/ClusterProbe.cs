using Xunit;

namespace EventActors.Host.Tests;

/// <summary>What the tests of real cluster nodes ask of them.</summary>
internal static class ClusterProbe
{
    /// <summary>How long a cluster test waits for what must happen before it fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>Topics, each published to once through <paramref name="via"/>, until each of <paramref name="nodes"/> owns at least one of them.</summary>
    public static async Task<List<string>> TopicsOwnedByEachAsync(HostProcess via, IReadOnlyList<HostProcess> nodes)
    {
        var byOwner = new Dictionary<string, string>();
        var addresses = new List<string>();
        foreach (var node in nodes)
        {
            addresses.Add(await AddressAsync(node));
        }

        for (var i = 0; byOwner.Count < nodes.Count; i++)
        {
            Assert.True(i < 200, "200 topics and some node owns none of them");
            var topic = SharedHost.NewTopic("spread");
            await via.Client.PublishAsync(topic, $"{topic}:1");
            var owner = (await via.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("owner").GetString()!;
            Assert.Contains(owner, addresses);
            byOwner.TryAdd(owner, topic);
        }

        return [.. byOwner.Values];
    }

    /// <summary>The node's remoting address, as <c>/health</c> and <c>/cluster</c> name it.</summary>
    public static async Task<string> AddressAsync(HostProcess node) =>
        (await node.Client.GetJsonAsync("/health")).GetProperty("node").GetString()!;

    /// <summary>The addresses of the members <paramref name="node"/> sees up.</summary>
    public static async Task<List<string>> MembersUpAsync(HostProcess node) =>
        [.. (await node.Client.GetJsonAsync("/cluster")).GetProperty("members").EnumerateArray()
            .Where(member => member.GetProperty("status").GetString() == "up")
            .Select(member => member.GetProperty("address").GetString()!)];

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Patience}: {what}");
            await Task.Delay(100);
        }
    }
}
