using System.Net;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// Past its connection limit a node refuses new connections and keeps serving the open ones,
/// instead of running out of file descriptors (which, at the real limit, took the process down).
/// </summary>
public sealed class ConnectionLimitTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Connections_beyond_the_limit_are_refused_and_the_open_streams_carry_on()
    {
        await using var host = await HostProcess.StartAsync(_data.Path, "--EventActors:MaxConnections=3");
        var topic = SharedHost.NewTopic("limit");
        // Each client below has its own connection pool: one connection per client.
        using var clients = new Clients(host.BaseAddress, 4);
        var streams = new List<SseStream>();
        for (var i = 0; i < 3; i++)
        {
            streams.Add(await SseStream.OpenAsync(clients[i], $"/topics/{topic}/stream"));
        }

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => clients[3].GetAsync("/health"));

        // The open streams still work: a publish goes out on a connection that was open.
        await streams[0].DisposeAsync();
        streams.RemoveAt(0);
        await WaitUntilAccepted(clients[3]);
        Assert.Equal(HttpStatusCode.Created, (await clients[3].PostAsync($"/topics/{topic}/events", new StringContent("after"))).StatusCode);
        foreach (var stream in streams)
        {
            Assert.Equal("after", (await stream.NextAsync()).Data);
            await stream.DisposeAsync();
        }
    }

    /// <summary>A closed stream's connection is released by the server shortly after; retries until a new one is accepted.</summary>
    private static async Task WaitUntilAccepted(HttpClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                (await client.GetAsync("/health")).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private sealed class Clients(Uri baseAddress, int count) : IDisposable
    {
        private readonly HttpClient[] _clients = Enumerable.Range(0, count)
            .Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) })
            .ToArray();

        public HttpClient this[int index] => _clients[index];

        public void Dispose()
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }
    }
}
