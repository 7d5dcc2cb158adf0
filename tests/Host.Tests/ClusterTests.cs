using EventActors.Fixtures;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// Three real nodes on loopback, one PostgreSQL journal: topics are split between them, and a
/// publish on one node reaches subscribers on the others, every event exactly once, in order,
/// whichever node owns the topic.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private const int Nodes = 3;
    private const int EventsPerTopic = 40;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly string _schema = TestPostgres.NewSchema("cluster");
    private readonly List<TempDirectory> _data = [];
    private readonly List<HostProcess> _nodes = [];

    public async Task InitializeAsync()
    {
        var ports = Enumerable.Range(0, Nodes).Select(_ => HostProcess.FreePort()).ToArray();
        var seeds = string.Join(',', ports.Take(2).Select(port => $"127.0.0.1:{port}"));
        _nodes.AddRange(await Task.WhenAll(ports.Select(port =>
        {
            var data = new TempDirectory();
            _data.Add(data);
            return HostProcess.StartAsync(data.Path, "--journal", "postgres", "--postgres", TestPostgres.ConnectionString,
                $"--EventActors:PostgresSchema={_schema}", "--cluster-port", $"{port}", "--seed-nodes", seeds);
        })));
        foreach (var node in _nodes)
        {
            await WaitUntilAsync(async () => (await node.Client.GetJsonAsync("/cluster")).GetProperty("members").EnumerateArray()
                .Count(member => member.GetProperty("status").GetString() == "up") == Nodes, "every node sees three members up");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _data.ForEach(data => data.Dispose());
        await TestPostgres.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task Events_published_on_one_node_reach_subscribers_on_the_others_exactly_once_in_order_whoever_owns_the_topic()
    {
        var (a, b, c) = (_nodes[0], _nodes[1], _nodes[2]);
        var topics = await TopicsOwnedByEveryNodeAsync(a);

        // On B and C: a stream per topic, and on B one stream of all of them together.
        var streams = new List<(string Topic, SseStream Stream)>();
        foreach (var topic in topics)
        {
            streams.Add((topic, await SseStream.OpenAsync(b.Client, $"/topics/{topic}/stream?from=earliest")));
            streams.Add((topic, await SseStream.OpenAsync(c.Client, $"/topics/{topic}/stream?from=earliest")));
        }

        var all = await SseStream.OpenAsync(b.Client, "/stream?from=earliest&" + string.Join('&', topics.Select(t => $"topic={t}")));

        // On A: every topic's events, several publishes in flight at once.
        await Task.WhenAll(topics.Select(async topic =>
        {
            for (var i = 2; i <= EventsPerTopic; i++)
            {
                Assert.Equal((ulong)i, (await a.Client.PublishAsync(topic, $"{topic}:{i}")).Sequence);
            }
        }));

        foreach (var (topic, stream) in streams)
        {
            var received = await stream.TakeAsync(EventsPerTopic);
            Assert.Equal(Enumerable.Range(1, EventsPerTopic).Select(i => $"{topic}:{i}"), received.Select(item => item.Data));
            await stream.DisposeAsync();
        }

        var merged = await all.TakeAsync(EventsPerTopic * topics.Count);
        foreach (var topic in topics)
        {
            Assert.Equal(Enumerable.Range(1, EventsPerTopic).Select(i => $"{topic}:{i}"), merged.Select(item => item.Data).Where(data => data.StartsWith(topic + ":", StringComparison.Ordinal)));
        }

        await all.DisposeAsync();
    }

    /// <summary>Topics, each published to once through <paramref name="node"/>, until every node owns at least one of them.</summary>
    private async Task<List<string>> TopicsOwnedByEveryNodeAsync(HostProcess node)
    {
        var byOwner = new Dictionary<string, string>();
        var addresses = new List<string>();
        foreach (var each in _nodes)
        {
            addresses.Add((await each.Client.GetJsonAsync("/health")).GetProperty("node").GetString()!);
        }

        for (var i = 0; byOwner.Count < Nodes; i++)
        {
            Assert.True(i < 200, "200 topics and some node owns none of them");
            var topic = SharedHost.NewTopic("spread");
            await node.Client.PublishAsync(topic, $"{topic}:1");
            var owner = (await node.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("owner").GetString()!;
            Assert.Contains(owner, addresses);
            byOwner.TryAdd(owner, topic);
        }

        return [.. byOwner.Values];
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Patience}: {what}");
            await Task.Delay(100);
        }
    }
}
