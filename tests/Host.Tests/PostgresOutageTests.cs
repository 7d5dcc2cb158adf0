using System.Collections.Concurrent;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using EventActors.Fixtures;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// A node on the PostgreSQL journal while its database goes away and comes back, under load:
/// publishes fail fast with 503 and say why, the node recovers by itself, nothing acknowledged
/// is lost or repeated, and the stream carries on (resuming with Last-Event-ID if it dropped).
/// The database is one of the test's own, so stopping it disturbs no other test.
/// </summary>
public sealed class PostgresOutageTests : IDisposable
{
    private const int Publishers = 4;
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Restarting_the_database_under_load_loses_nothing_acknowledged_and_streams_resume()
    {
        await using var database = await ThrowawayPostgres.StartAsync();
        await using var host = await HostProcess.StartAsync(_data.Path, "--journal", "postgres", "--postgres", database.ConnectionString);
        var topic = SharedHost.NewTopic("outage");
        await using var reader = new ResumingReader(host.Client, topic);
        await host.Client.WaitForSubscribersAsync(topic, 1);
        await using var load = new PublishLoad(host.Client, topic, Publishers);

        await load.WaitForAcknowledgedAsync(50);
        await database.StopAsync();
        // Fail fast: refusals pile up while the database is down, each a 503 that says why.
        await load.WaitForRefusedAsync(20);
        var health = await host.Client.GetJsonAsync("/health");
        Assert.Equal("unreachable", health.GetProperty("journal").GetString());

        await database.ResumeAsync();
        var acknowledgedBeforeRecovery = load.Acknowledged.Count;
        await load.WaitForAcknowledgedAsync(acknowledgedBeforeRecovery + 50);
        var acknowledged = await load.StopAsync();

        Assert.All(load.Refusals, refusal => Assert.Equal(HttpStatusCode.ServiceUnavailable, refusal.Status));
        Assert.Contains(load.Refusals, refusal => refusal.Detail.Contains("cannot reach its database", StringComparison.Ordinal));
        Assert.Equal("ok", (await host.Client.GetJsonAsync("/health")).GetProperty("journal").GetString());

        // Every acknowledged event reaches the stream once, at the sequence it was acknowledged
        // with; the stream as a whole is gap-free and has no duplicate. (A publish refused with
        // "may or may not have been committed" may also be there; that is allowed.)
        var last = acknowledged.Max(a => a.Sequence);
        var received = await reader.WaitForSequenceAsync(last);
        Assert.Equal(Enumerable.Range(1, received.Count).Select(i => (ulong)i), received.Select(e => e.Sequence));
        var bySequence = received.ToDictionary(e => e.Sequence, e => e.Data);
        Assert.All(acknowledged, a => Assert.Equal(a.Data, bySequence[a.Sequence]));
    }

    /// <summary>Publishers that publish distinct events back to back and record how each was answered.</summary>
    private sealed class PublishLoad : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _publishers;
        private int _next;

        public PublishLoad(HttpClient client, string topic, int publishers)
        {
            _publishers = Enumerable.Range(0, publishers).Select(_ => Task.Run(() => PublishUntilStopped(client, topic))).ToArray();
        }

        public ConcurrentQueue<(string Data, ulong Sequence)> Acknowledged { get; } = new();

        public ConcurrentQueue<(HttpStatusCode Status, string Detail)> Refusals { get; } = new();

        public Task WaitForAcknowledgedAsync(int count) => WaitUntil(() => Acknowledged.Count >= count, $"{count} acknowledgements");

        public Task WaitForRefusedAsync(int count) => WaitUntil(() => Refusals.Count >= count, $"{count} refusals");

        public async Task<List<(string Data, ulong Sequence)>> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_publishers);
            return [.. Acknowledged];
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task PublishUntilStopped(HttpClient client, string topic)
        {
            while (!_stop.IsCancellationRequested)
            {
                var data = $"e{Interlocked.Increment(ref _next)}";
                using var response = await client.PostAsync($"/topics/{topic}/events", new StringContent(data, Encoding.UTF8, "text/plain"));
                var body = await response.Content.ReadAsStringAsync();
                using var json = JsonDocument.Parse(body);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    Acknowledged.Enqueue((data, json.RootElement.GetProperty("events")[0].GetProperty("sequence").GetUInt64()));
                }
                else
                {
                    // Retried at once, the impatient client a fail-fast refusal is there for.
                    Refusals.Enqueue((response.StatusCode, json.RootElement.GetProperty("detail").GetString() ?? ""));
                }
            }
        }
    }

    /// <summary>Reads a topic's stream from the start and, when it ends, reconnects with Last-Event-ID, as a browser does.</summary>
    private sealed class ResumingReader : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(ulong Sequence, string Data)> _received = [];
        private readonly Task _reading;

        public ResumingReader(HttpClient client, string topic) => _reading = Task.Run(() => ReadUntilStopped(client, topic));

        public async Task<List<(ulong Sequence, string Data)>> WaitForSequenceAsync(ulong sequence)
        {
            await WaitUntil(() => { lock (_received) { return _received.Count > 0 && _received[^1].Sequence >= sequence; } }, $"sequence {sequence} on the stream");
            lock (_received)
            {
                return [.. _received];
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reading;
            _stop.Dispose();
        }

        private async Task ReadUntilStopped(HttpClient client, string topic)
        {
            string? lastEventId = null;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, $"/topics/{topic}/stream?from=earliest");
                    if (lastEventId is not null)
                    {
                        request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
                    }

                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        continue; // refused (the node is busy): ask again
                    }

                    var parser = SseParser.Create(await response.Content.ReadAsStreamAsync(_stop.Token));
                    await foreach (var item in parser.EnumerateAsync(_stop.Token))
                    {
                        if (item.EventType == "eventactors.reset")
                        {
                            throw new InvalidOperationException($"The stream was reset: {item.Data}");
                        }

                        lock (_received)
                        {
                            _received.Add((ulong.Parse(item.EventId!.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture), item.Data));
                        }

                        lastEventId = item.EventId;
                    }
                }
                catch (Exception error) when (error is HttpRequestException or IOException or OperationCanceledException)
                {
                    // The stream dropped (or we are stopping): resume from the last id, as a browser would.
                }
            }
        }
    }

    /// <summary>Polls a condition that the host and the database make true; fails after two minutes rather than hanging.</summary>
    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within two minutes");
            await Task.Delay(20);
        }
    }
}
