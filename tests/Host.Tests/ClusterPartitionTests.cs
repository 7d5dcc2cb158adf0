using System.Globalization;
using EventActors.Fixtures;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// A network partition, for real: three nodes on one PostgreSQL, node C in a network namespace of
/// its own, and its link to A and B cut for the cluster's traffic while its clients and the
/// database still reach it. Publishers write on both sides of the cut all along.
/// </summary>
public sealed class ClusterPartitionTests : IAsyncLifetime
{
    private readonly List<TempDirectory> _data = [];
    private readonly List<HostProcess> _nodes = [];
    private IsolatedNetwork _network = null!;
    private ThrowawayPostgres _database = null!;
    private string[] _isolatedNodeArguments = [];

    public async Task InitializeAsync()
    {
        _network = await IsolatedNetwork.CreateAsync();
        _database = await ThrowawayPostgres.StartAsync(alsoListenOn: _network.HostServiceAddress);
    }

    /// <summary>Starts A, B and C, with <paramref name="isolatedHocon"/> over C's settings if given.</summary>
    private async Task StartNodesAsync(string? isolatedHocon)
    {
        // A and B: the seed nodes, their remoting on this side's end of the link.
        var ports = new[] { HostProcess.FreePort(), HostProcess.FreePort() };
        var seeds = string.Join(',', ports.Select(port => $"{_network.HostClusterAddress}:{port}"));
        foreach (var port in ports)
        {
            _nodes.Add(await HostProcess.StartAsync(NewDataDirectory(), "--journal", "postgres", "--postgres", _database.ConnectionString,
                $"--EventActors:Cluster:Hostname={_network.HostClusterAddress}", "--cluster-port", $"{port}", "--seed-nodes", seeds));
        }

        // C: in the namespace, its database reached over the link's service network.
        var database = _database.ConnectionString.Replace("Host=127.0.0.1", "Host=" + _network.HostServiceAddress, StringComparison.Ordinal);
        _isolatedNodeArguments = ["--journal", "postgres", "--postgres", database,
            $"--EventActors:Cluster:Hostname={_network.NodeClusterAddress}", "--cluster-port", $"{HostProcess.FreePort()}", "--seed-nodes", seeds];
        if (isolatedHocon is not null)
        {
            var file = Path.Combine(NewDataDirectory(), "isolated.conf");
            await File.WriteAllTextAsync(file, isolatedHocon);
            _isolatedNodeArguments = [.. _isolatedNodeArguments, "--config", file];
        }

        _nodes.Add(await HostProcess.StartInAsync(_network, NewDataDirectory(), _isolatedNodeArguments));
        foreach (var node in _nodes)
        {
            await ClusterProbe.WaitUntilAsync(async () => (await ClusterProbe.MembersUpAsync(node)).Count == 3, "every node sees three members up");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _data.ForEach(data => data.Dispose());
        await _database.DisposeAsync();
        await _network.DisposeAsync();
    }

    /// <summary>How the two sides of the cut learn of it.</summary>
    public enum Cut
    {
        /// <summary>
        /// Both sides see it (the shipped failure detection): C, alone, downs itself and exits 1,
        /// while A and B down it and re-home its topics.
        /// </summary>
        BothSidesSeeIt,

        /// <summary>
        /// Only the majority does: C's failure detector tolerates two minutes of silence, so C goes
        /// on as the owner of its topics, taking publishes, after A and B downed it and re-homed
        /// them. Two writers of one topic, for as long as the cut lasts: the journal must fence
        /// them. Once the link is back, C learns it was downed and exits 1.
        /// </summary>
        OnlyTheMajoritySeesIt,
    }

    [Theory]
    [InlineData(Cut.BothSidesSeeIt)]
    [InlineData(Cut.OnlyTheMajoritySeesIt)]
    public async Task The_cut_off_node_leaves_its_topics_go_on_with_the_majority_and_no_sequence_number_is_committed_twice(Cut cut)
    {
        await StartNodesAsync(cut is Cut.OnlyTheMajoritySeesIt ? "akka.cluster.failure-detector.acceptable-heartbeat-pause = 120s" : null);

        var (a, b, c) = (_nodes[0], _nodes[1], _nodes[2]);
        var topics = await ClusterProbe.TopicsOwnedByEachAsync(a, _nodes);
        var cAddress = await ClusterProbe.AddressAsync(c);
        var ownedByC = new List<string>();
        foreach (var topic in topics)
        {
            if ((await a.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("owner").GetString() == cAddress)
            {
                ownedByC.Add(topic);
            }
        }

        // Streams on B, which is on the majority's side, and on C, whose clients go to B once C
        // is gone, resuming with Last-Event-ID.
        var readers = await ResumingReader.OnBothAsync(topics, stays: b, goes: c);

        // Publishers on both sides, on every topic: C's go on publishing through C while it
        // answers, so that C's topics have two would-be writers once the majority re-homes them.
        var acknowledged = new Acknowledgements(topics);
        using var stop = new CancellationTokenSource();
        var publishers = topics.SelectMany(topic => new[]
        {
            PublishAsync(topic, "a", [a.Client], acknowledged, stop.Token),
            PublishAsync(topic, "c", [c.Client, b.Client], acknowledged, stop.Token),
        }).ToList();
        await ClusterProbe.WaitUntilAsync(() => Task.FromResult(topics.All(topic => acknowledged.By(topic, "a") >= 10 && acknowledged.By(topic, "c") >= 10)),
            "10 acknowledged events per topic from each side before the cut");

        await _network.PartitionAsync();

        // Keep-majority: A and B down C and start its topics anew on one of them. (Until then a
        // topic's description waits for its unreachable owner and answers 503.)
        await ClusterProbe.WaitUntilAsync(async () =>
        {
            foreach (var topic in ownedByC)
            {
                try
                {
                    var owner = (await a.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("owner").GetString();
                    if (owner is null || owner == cAddress)
                    {
                        return false;
                    }
                }
                catch (HttpRequestException)
                {
                    return false; // 503 while its owner is out of reach
                }
            }

            return true;
        }, "A and B re-homed C's topics");
        if (cut is Cut.BothSidesSeeIt)
        {
            // C, alone, downs itself and exits 1: its supervisor would start it again.
            Assert.Equal(1, await c.WaitForExitAsync(ClusterProbe.Patience));
        }
        else
        {
            // C's topics have a writer on each side now, and both sides' publishers get answers.
            var rehomed = ownedByC.ToDictionary(topic => topic, topic => (A: acknowledged.By(topic, "a"), C: acknowledged.By(topic, "c")));
            await ClusterProbe.WaitUntilAsync(() => Task.FromResult(ownedByC.All(topic =>
                    acknowledged.By(topic, "a") >= rehomed[topic].A + 10 && acknowledged.By(topic, "c") >= rehomed[topic].C + 10)),
                "10 more events acknowledged on each side of the cut on C's topics, once re-homed");
            await _network.HealAsync();
            Assert.Equal(1, await c.WaitForExitAsync(ClusterProbe.Patience));
            Assert.Contains("quarantined this node", c.Output); // told by the others, not its own failure detector
        }

        var afterExit = topics.ToDictionary(topic => topic, acknowledged.Count);
        await ClusterProbe.WaitUntilAsync(() => Task.FromResult(topics.All(topic => acknowledged.Count(topic) >= afterExit[topic] + 10)),
            "10 more acknowledged events per topic once C is gone");
        await stop.CancelAsync();
        await Task.WhenAll(publishers); // a sequence number acknowledged twice fails here

        foreach (var topic in topics)
        {
            Assert.NotEqual(cAddress, (await a.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("owner").GetString());
        }

        // The network heals and C's supervisor starts it again: it joins as a new member and serves.
        if (cut is Cut.BothSidesSeeIt)
        {
            await _network.HealAsync();
        }

        var restarted = await RestartIsolatedNodeAsync();
        await ClusterProbe.WaitUntilAsync(async () => (await ClusterProbe.MembersUpAsync(a)).Count == 3, "C rejoined: three members up");
        foreach (var topic in topics)
        {
            var next = (ulong)acknowledged.Count(topic) + 1;
            Assert.Equal(next, (await restarted.Client.PublishAsync(topic, $"rejoined:{topic}")).Sequence);
            acknowledged.Record(topic, "rejoined", next, $"rejoined:{topic}");
        }

        // The journal: every topic's sequence numbers from 1 without a gap, no event twice, and
        // each acknowledged event at the sequence number its publisher was told.
        foreach (var topic in topics)
        {
            var head = (await a.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("head").GetInt32();
            Assert.Equal(acknowledged.Count(topic), head);
            await using var stream = await SseStream.OpenAsync(a.Client, $"/topics/{topic}/stream?from=earliest");
            var journal = await stream.TakeAsync(head);
            Assert.Equal(Enumerable.Range(1, head).Select(sequence => (ulong)sequence), journal.Select(item => Sequence(item.EventId)));
            Assert.Equal(head, journal.Select(item => item.Data).Distinct().Count());
            foreach (var (sequence, data) in acknowledged.Of(topic))
            {
                Assert.Equal(data, journal[(int)sequence - 1].Data);
            }

            // Every reader saw exactly the journal, in order: B's without ever being ended.
            foreach (var reader in readers.Where(reader => reader.Topic == topic))
            {
                Assert.Equal(journal.Select(item => item.Data), (await reader.WaitForSequenceAsync((ulong)head)).Take(head));
            }
        }

        Assert.All(readers.Where(reader => reader.Nodes.Length == 1), reader => Assert.Equal(1, reader.Opened));
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
    }

    /// <summary>
    /// Publishes <c>{who}:{topic}:{i}</c> for i = 1, 2, ..., each with its own idempotency key and
    /// retried until acknowledged: on the same node while it answers (503 while the topic's
    /// shard is re-homed or out of reach), else on the next, as a client behind a load balancer.
    /// </summary>
    private static Task PublishAsync(string topic, string who, HttpClient[] nodes, Acknowledgements acknowledged, CancellationToken stop) => Task.Run(async () =>
    {
        var node = 0;
        for (var i = 1; !stop.IsCancellationRequested; i++)
        {
            var data = $"{who}:{topic}:{i}";
            while (true)
            {
                try
                {
                    var published = await nodes[node].PublishAsync(topic, data, key: data);
                    acknowledged.Record(topic, who, published.Sequence, data);
                    break;
                }
                catch (HttpRequestException error)
                {
                    // An event is retried until acknowledged, after the stop too: one that was
                    // committed unanswered (503 "outcome unknown") is then acknowledged as well.
                    if (error.InnerException is System.Net.Sockets.SocketException)
                    {
                        node = Math.Min(node + 1, nodes.Length - 1); // the node is gone
                    }
                }
            }
        }
    });

    private static ulong Sequence(string? eventId)
    {
        Assert.NotNull(eventId);
        return ulong.Parse(eventId[(eventId.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Starts C again, as its supervisor would once it exited; once it is up in the cluster.</summary>
    private async Task<HostProcess> RestartIsolatedNodeAsync()
    {
        var node = await HostProcess.StartInAsync(_network, NewDataDirectory(), _isolatedNodeArguments);
        _nodes.Add(node);
        await ClusterProbe.WaitUntilAsync(async () => (await node.Client.GetJsonAsync("/health")).GetProperty("cluster").GetString() == "up"
            && (await ClusterProbe.MembersUpAsync(_nodes[0])).Count == 3, "C is up in the cluster again");
        return node;
    }

    private string NewDataDirectory()
    {
        var data = new TempDirectory();
        _data.Add(data);
        return data.Path;
    }

    /// <summary>What each topic's publishers were told: sequence number -> event, and how many each side got.</summary>
    private sealed class Acknowledgements(IEnumerable<string> topics)
    {
        private readonly Dictionary<string, SortedDictionary<ulong, string>> _events = topics.ToDictionary(topic => topic, _ => new SortedDictionary<ulong, string>());
        private readonly Dictionary<(string Topic, string Who), int> _counts = [];

        /// <summary>Records an acknowledgement; fails if another event was acknowledged with the same sequence number.</summary>
        public void Record(string topic, string who, ulong sequence, string data)
        {
            lock (_events)
            {
                if (_events[topic].TryGetValue(sequence, out var earlier))
                {
                    Assert.True(earlier == data, $"{topic}: sequence {sequence} acknowledged for '{earlier}' and for '{data}'");
                    return; // a retry answered with its original sequence number
                }

                _events[topic][sequence] = data;
                _counts[(topic, who)] = By(topic, who) + 1;
            }
        }

        /// <summary>Acknowledged events of the topic, the first (published before the test's publishers) included.</summary>
        public int Count(string topic)
        {
            lock (_events)
            {
                return _events[topic].Count + 1;
            }
        }

        public int By(string topic, string who)
        {
            lock (_events)
            {
                return _counts.GetValueOrDefault((topic, who));
            }
        }

        public List<(ulong Sequence, string Data)> Of(string topic)
        {
            lock (_events)
            {
                return [.. _events[topic].Select(pair => (pair.Key, pair.Value))];
            }
        }
    }
}
