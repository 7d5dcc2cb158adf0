using System.Net.ServerSentEvents;
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
            await ClusterProbe.WaitUntilAsync(async () => (await ClusterProbe.MembersUpAsync(node)).Count == Nodes, "every node sees three members up");
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
        var topics = await ClusterProbe.TopicsOwnedByEachAsync(a, _nodes);

        // On B and C: a stream per topic, and on B one stream of all of them together.
        var streams = new List<(string Topic, SseStream Stream)>();
        foreach (var topic in topics)
        {
            streams.Add((topic, await SseStream.OpenAsync(b.Client, $"/topics/{topic}/stream?from=earliest")));
            streams.Add((topic, await SseStream.OpenAsync(c.Client, $"/topics/{topic}/stream?from=earliest")));
        }

        var all = await SseStream.OpenAsync(b.Client, "/stream?from=earliest&" + string.Join('&', topics.Select(t => $"topic={t}")));
        var firsts = new Dictionary<SseStream, List<SseItem<string>>>();
        foreach (var (_, stream) in streams)
        {
            firsts[stream] = await stream.TakeAsync(1);
        }

        firsts[all] = await all.TakeAsync(topics.Count);

        // Every stream has its first event, so every subscription is in place: each topic has
        // one subscriber per node that reads it (B's and C's feeds), not one per stream.
        foreach (var topic in topics)
        {
            Assert.Equal(2, (await a.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("subscribers").GetInt32());
        }

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
            var received = firsts[stream].Concat(await stream.TakeAsync(EventsPerTopic - 1)).ToList();
            Assert.Equal(Enumerable.Range(1, EventsPerTopic).Select(i => $"{topic}:{i}"), received.Select(item => item.Data));
            await stream.DisposeAsync();
        }

        var merged = firsts[all].Concat(await all.TakeAsync((EventsPerTopic - 1) * topics.Count)).ToList();
        foreach (var topic in topics)
        {
            Assert.Equal(Enumerable.Range(1, EventsPerTopic).Select(i => $"{topic}:{i}"), merged.Select(item => item.Data).Where(data => data.StartsWith(topic + ":", StringComparison.Ordinal)));
        }

        await all.DisposeAsync();
    }

    /// <summary>How the membership changes mid-burst.</summary>
    public enum Change
    {
        /// <summary>kill -9 of an owner: no hand-off; its shards move once the cluster has downed it.</summary>
        OwnerKilled,

        /// <summary>SIGTERM of an owner: it hands its shards off and leaves; it exits with 0.</summary>
        OwnerLeaves,

        /// <summary>A fourth node joins and takes its share of shards.</summary>
        NodeJoins,

        /// <summary>
        /// SIGSTOP of an owner for longer than the cluster takes to down it, then SIGCONT: its
        /// topics go on elsewhere meanwhile, and once it runs again it learns it was downed and
        /// exits with 1; whatever it still had in flight cannot commit a sequence number twice.
        /// </summary>
        OwnerPaused,
    }

    [Theory]
    [InlineData(Change.OwnerKilled)]
    [InlineData(Change.OwnerLeaves)]
    [InlineData(Change.NodeJoins)]
    [InlineData(Change.OwnerPaused)]
    public async Task When_the_membership_changes_mid_burst_no_acknowledged_event_is_lost_and_every_subscriber_sees_each_once_in_order(Change change)
    {
        var (a, b, c) = (_nodes[0], _nodes[1], _nodes[2]);
        var topics = await ClusterProbe.TopicsOwnedByEachAsync(a, _nodes);
        var ownedByC = (await c.Client.GetJsonAsync("/health")).GetProperty("node").GetString();

        // Streams on B, which stays; and streams on C, whose clients move to B when C dies,
        // resuming with Last-Event-ID as a browser behind a load balancer would.
        var readers = await ResumingReader.OnBothAsync(topics, stays: b, goes: c);

        // Publishers on A: each event with its own idempotency key, retried until acknowledged,
        // so that every event is committed once whatever the outages say.
        using var stop = new CancellationTokenSource();
        var acknowledged = topics.ToDictionary(topic => topic, _ => 1);
        var publishers = topics.Select(topic => Task.Run(async () =>
        {
            for (var i = 2; !stop.IsCancellationRequested; i++)
            {
                while (true)
                {
                    try
                    {
                        var published = await a.Client.PublishAsync(topic, $"{topic}:{i}", key: $"{topic}:{i}");
                        Assert.Equal((ulong)i, published.Sequence);
                        lock (acknowledged)
                        {
                            acknowledged[topic] = i;
                        }

                        break;
                    }
                    catch (HttpRequestException)
                    {
                        // 503 while the topic's shard is being re-homed: the same event again.
                    }
                }
            }
        })).ToList();

        int Acknowledged(string topic)
        {
            lock (acknowledged)
            {
                return acknowledged[topic];
            }
        }

        await ClusterProbe.WaitUntilAsync(() => Task.FromResult(topics.All(topic => Acknowledged(topic) >= 20)), "20 acknowledged events per topic before the change");
        var joined = await ChangeAsync(change, c);
        var atChange = topics.ToDictionary(topic => topic, Acknowledged);
        // Every topic, those of a node that left too, takes publishes again.
        await ClusterProbe.WaitUntilAsync(() => Task.FromResult(topics.All(topic => Acknowledged(topic) >= atChange[topic] + 20)), "20 more acknowledged events per topic after the change");
        if (change is Change.OwnerPaused)
        {
            c.Continue();
            Assert.Equal(1, await c.WaitForExitAsync(ClusterProbe.Patience)); // downed: a supervisor starts it again
        }

        await stop.CancelAsync();
        await Task.WhenAll(publishers);

        if (change is Change.OwnerKilled or Change.OwnerLeaves or Change.OwnerPaused)
        {
            foreach (var topic in topics)
            {
                var owner = (await a.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("owner").GetString();
                Assert.NotEqual(ownedByC, owner); // went on elsewhere
            }
        }
        else
        {
            // The new node holds shards now (the topics' next start may land there).
            var self = (await joined!.Client.GetJsonAsync("/health")).GetProperty("node").GetString();
            await ClusterProbe.WaitUntilAsync(async () => (await a.Client.GetJsonAsync("/cluster")).GetProperty("members").EnumerateArray()
                .Any(member => member.GetProperty("address").GetString() == self && member.GetProperty("shards") is { ValueKind: System.Text.Json.JsonValueKind.Number } shards && shards.GetInt32() > 0),
                "the fourth node holds shards");
        }

        foreach (var reader in readers)
        {
            var last = Acknowledged(reader.Topic);
            var received = await reader.WaitForSequenceAsync((ulong)last);
            Assert.Equal(Enumerable.Range(1, last).Select(i => $"{reader.Topic}:{i}"), received.Take(last));
            await reader.DisposeAsync();
        }

        // Streams on B, which stayed, were never ended: B's feed of each topic followed it to its
        // next owner, and the browsers behind them would have seen nothing of the change.
        Assert.All(readers.Where(reader => reader.Nodes.Length == 1), reader => Assert.Equal(1, reader.Opened));
    }

    /// <summary>Kills or stops <paramref name="owner"/>, or starts a fourth node (returned) that joins the cluster.</summary>
    private async Task<HostProcess?> ChangeAsync(Change change, HostProcess owner)
    {
        switch (change)
        {
            case Change.OwnerKilled:
                owner.Kill();
                return null;
            case Change.OwnerLeaves:
                Assert.Equal(0, await owner.StopGracefullyAsync());
                return null;
            case Change.OwnerPaused:
                owner.Pause();
                return null;
            default:
                // Shards are allocated as topics start: with a shard or two per node the cluster is
                // balanced already and a new node gets none of them. Forty more topics make ~40
                // shards (of 100), ~13 a node, which the coordinator rebalances onto a fourth.
                await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => _nodes[0].Client.PublishAsync(SharedHost.NewTopic("filler"), "x")));
                var data = new TempDirectory();
                _data.Add(data);
                var seeds = string.Join(',', await Task.WhenAll(_nodes.Take(2).Select(async node => (await node.Client.GetJsonAsync("/health")).GetProperty("node").GetString())));
                var joined = await HostProcess.StartAsync(data.Path, "--journal", "postgres", "--postgres", TestPostgres.ConnectionString,
                    $"--EventActors:PostgresSchema={_schema}", "--cluster-port", $"{HostProcess.FreePort()}", "--seed-nodes", seeds);
                _nodes.Add(joined);
                await ClusterProbe.WaitUntilAsync(async () => (await joined.Client.GetJsonAsync("/health")).GetProperty("cluster").GetString() == "up", "the fourth node is up");
                return joined;
        }
    }
}
