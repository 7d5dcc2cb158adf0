using System.Net;
using System.Net.Sockets;

namespace EventActors.Bench.Load;

/// <summary>
/// Every subscriber of a run (or of this generator process's share of it): subscriber i follows
/// topic i mod topics (round robin), connects to URL template i mod templates, and from loopback
/// source address i mod N when source addresses are in use. i is the run-wide index.
/// </summary>
internal sealed class SubscriberPool : IAsyncDisposable
{
    private readonly LoadOptions _options;

    public SubscriberPool(LoadOptions options, int lanesPerTopic, LoadWindow window, LatencyRecorder latency)
    {
        _options = options;
        var templates = options.SubUrls.Count;
        var addresses = Enumerable.Range(0, templates).Select(template => Resolve(options.SubUri(template, 0))).ToArray();
        // Only the (template, topic) pairs in use: with several templates, not every pair is.
        var targets = new Dictionary<(int Template, int Topic), SubscriberTarget>();
        SourceAddresses = SourceAddressesFor(addresses, options.SourceAddresses, options.FirstSourceAddress);
        Connections = new SseClientConnection[options.Subscribers];
        for (var j = 0; j < Connections.Length; j++)
        {
            var i = options.FirstSubscriber + j;
            var topic = i % options.Topics;
            var template = i % templates;
            SubscriberTarget? target;
            if (options.SigningKey is { } key)
            {
                target = new SubscriberTarget(options.SubUri(template, topic), addresses[template], BenchToken.Mint(key, $"bench-subscriber-{i}"));
            }
            else if (!targets.TryGetValue((template, topic), out target))
            {
                target = targets[(template, topic)] = new SubscriberTarget(options.SubUri(template, topic), addresses[template]);
            }

            var source = SourceAddresses.Count == 0 ? null : SourceAddresses[j % SourceAddresses.Count];
            Connections[j] = new SseClientConnection(i, topic, lanesPerTopic, target, source, window, latency);
        }
    }

    public SseClientConnection[] Connections { get; }

    public IReadOnlyList<IPAddress> SourceAddresses { get; }

    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds);

    /// <summary>
    /// Connects every subscriber, <c>--connect-concurrency</c> at a time (a burst of 20,000 SYNs
    /// would overflow the server's accept backlog and measure SYN retries instead), each until
    /// its response head arrived.
    /// </summary>
    public async Task<ConnectSummary> ConnectAllAsync()
    {
        var started = LoadClock.Micros();
        var next = -1;
        using var done = new CancellationTokenSource();
        var progress = ReportProgressAsync(() => Math.Min(Volatile.Read(ref next), Connections.Length), done.Token);
        await Task.WhenAll(Enumerable.Range(0, Math.Min(_options.ConnectConcurrency, Connections.Length)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Connections.Length)
            {
                await Connections[i].ConnectAsync(resume: false, ConnectTimeout);
            }
        })));
        var seconds = LoadClock.Seconds(LoadClock.Micros() - started);
        await done.CancelAsync();
        await progress;
        return ConnectSummary.Of(Connections, seconds);
    }

    private async Task ReportProgressAsync(Func<int> started, CancellationToken done)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(done))
            {
                Console.Error.WriteLine($"  connecting: {started():N0}/{Connections.Length:N0} started, {Connections.Count(c => c.IsOpen):N0} open");
            }
        }
        catch (OperationCanceledException)
        {
            // connecting is over
        }
    }

    /// <summary>
    /// Waits until every open subscriber has received body bytes (our server's stream starts with
    /// <c>retry:</c> once the subscription is in place), or <paramref name="atMost"/> passed: a
    /// server may send its head before it has subscribed the stream, and events published in
    /// between would look lost. Servers that send nothing before the first event cost the full wait.
    /// </summary>
    public async Task SettleAsync(TimeSpan atMost)
    {
        var deadline = LoadClock.Micros() + (long)atMost.TotalMicroseconds;
        while (LoadClock.Micros() < deadline && Connections.Any(c => c.IsOpen && c.FirstBodyAtMicros == 0))
        {
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var chunk in Connections.Chunk(1000))
        {
            await Task.WhenAll(chunk.Select(c => c.CloseAsync()));
        }
    }

    private static IPAddress Resolve(Uri uri)
    {
        if (IPAddress.TryParse(uri.IdnHost, out var literal))
        {
            return literal;
        }

        var addresses = Dns.GetHostAddresses(uri.IdnHost);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
               ?? addresses.FirstOrDefault()
               ?? throw new BenchmarkOptionException($"Cannot resolve '{uri.IdnHost}'");
    }

    /// <summary>
    /// 127.0.0.2 + <paramref name="first"/>, and on: only when every server is IPv4 loopback,
    /// where every 127/8 address is local. <paramref name="first"/> keeps generator processes'
    /// addresses apart.
    /// </summary>
    private static IReadOnlyList<IPAddress> SourceAddressesFor(IReadOnlyList<IPAddress> servers, int count, int first)
    {
        if (count == 0)
        {
            return [];
        }

        if (servers.FirstOrDefault(server => server.AddressFamily != AddressFamily.InterNetwork || !IPAddress.IsLoopback(server)) is { } remote)
        {
            Console.Error.WriteLine($"  note: the server {remote} is not IPv4 loopback; connecting without source addresses");
            return [];
        }

        if (first + count > 65_000)
        {
            throw new BenchmarkOptionException($"--source-addresses: at most 65,000 in all (over every generator process), was {first + count:N0}");
        }

        // 127.0.0.2 onwards; 127.0.0.1 is left to the server and to everything else on the machine.
        return Enumerable.Range(2 + first, count).Select(n => new IPAddress(new byte[] { 127, (byte)(n >> 16), (byte)(n >> 8), (byte)n })).ToArray();
    }
}

/// <summary>How connecting went: how long it took, how many got a 200, and why the others did not.</summary>
internal sealed record ConnectSummary(double Seconds, int Connected, int Failed, IReadOnlyDictionary<string, int> FailureReasons)
{
    public static ConnectSummary Of(IReadOnlyCollection<SseClientConnection> connections, double seconds)
    {
        var failed = connections.Where(c => c.End == ConnectionEnd.Refused).ToArray();
        return new ConnectSummary(seconds, connections.Count - failed.Length, failed.Length,
            failed.GroupBy(c => c.FailureReason ?? "unknown").ToDictionary(g => g.Key, g => g.Count()));
    }
}
