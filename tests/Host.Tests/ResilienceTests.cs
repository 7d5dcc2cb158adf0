using System.Net.Sockets;
using System.Text;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>Crashes, restarts, shutdowns, slow clients and connection churn, each on a host of its own.</summary>
public sealed class ResilienceTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Resume_after_the_server_process_is_killed_and_restarted_loses_nothing_acknowledged()
    {
        var topic = SharedHost.NewTopic("crash");
        string lastId;
        var acknowledged = new List<Api.Published>();
        await using (var host = await HostProcess.StartAsync(_data.Path))
        {
            await using var stream = await SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream?from=earliest");
            for (var i = 1; i <= 100; i++)
            {
                acknowledged.Add(await host.Client.PublishAsync(topic, $"e{i}"));
            }

            Assert.Equal(Enumerable.Range(1, 50).Select(i => $"e{i}"), (await stream.TakeAsync(50)).Select(e => e.Data));
            lastId = stream.LastEventId;
            host.Kill();
        }

        await using var restarted = await HostProcess.StartAsync(_data.Path);
        await using var resumed = await SseStream.OpenAsync(restarted.Client, $"/topics/{topic}/stream", lastId);
        Assert.Equal(Enumerable.Range(51, 50).Select(i => $"e{i}"), (await resumed.TakeAsync(50)).Select(e => e.Data));

        var next = await restarted.Client.PublishAsync(topic, "e101");
        Assert.Equal(101UL, next.Sequence);
        Assert.Equal(acknowledged[0].Id.Split('-')[0], next.Id.Split('-')[0]); // same epoch: same topic
        Assert.Equal("e101", (await resumed.NextAsync()).Data);
    }

    [Fact]
    public async Task Graceful_shutdown_ends_streams_cleanly_and_clients_resume_after_restart()
    {
        var topic = SharedHost.NewTopic("shutdown");
        string lastId;
        await using (var host = await HostProcess.StartAsync(_data.Path))
        {
            var streams = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream?from=earliest")));
            await host.Client.PublishAsync(topic, "before");
            foreach (var stream in streams)
            {
                Assert.Equal("before", (await stream.NextAsync()).Data);
            }

            lastId = streams[0].LastEventId;
            var stopping = host.StopGracefullyAsync();
            foreach (var stream in streams)
            {
                Assert.True(await stream.EndsAsync(), "the stream did not end");
                await stream.DisposeAsync();
            }

            Assert.Equal(0, await stopping);
        }

        await using var restarted = await HostProcess.StartAsync(_data.Path);
        await restarted.Client.PublishAsync(topic, "after");
        await using var resumed = await SseStream.OpenAsync(restarted.Client, $"/topics/{topic}/stream", lastId);
        Assert.Equal("after", (await resumed.NextAsync()).Data);
    }

    [Fact]
    public async Task Clients_that_never_read_keep_server_memory_bounded_and_do_not_hold_back_others()
    {
        const int stalledClients = 20;
        const int events = 1000;
        const int eventBytes = 32 * 1024; // 32 MB published; unbounded buffering would hold it once per stalled client
        var topic = SharedHost.NewTopic("slow");
        await using var host = await HostProcess.StartAsync(_data.Path);

        var stalled = new List<Socket>();
        for (var i = 0; i < stalledClients; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /topics/{topic}/stream HTTP/1.1\r\nHost: test\r\n\r\n"));
            stalled.Add(socket); // and never read from it
        }

        await using var reader = await SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream");
        await host.Client.WaitForSubscribersAsync(topic, stalledClients + 1);
        var before = host.ResidentBytes();

        var payload = new string('x', eventBytes);
        var reading = Task.Run(async () =>
        {
            for (var i = 0; i < events; i++)
            {
                Assert.Equal(payload, (await reader.NextAsync()).Data);
            }
        });
        for (var i = 0; i < events; i++)
        {
            await host.Client.PublishAsync(topic, payload);
        }

        await reading; // the reading client got everything while the others stalled
        var growth = host.ResidentBytes() - before;
        Assert.True(growth < 300L * 1024 * 1024,
            $"server memory grew by {growth / (1024 * 1024)} MiB with {stalledClients} stalled clients; unbounded buffering would be {stalledClients * (long)events * eventBytes / (1024 * 1024)} MiB");

        foreach (var socket in stalled)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task Thousands_of_connections_opened_and_dropped_quickly_leave_nothing_behind()
    {
        var topic = SharedHost.NewTopic("churn");
        var other = SharedHost.NewTopic("churn");
        await using var host = await HostProcess.StartAsync(_data.Path);
        await host.Client.PublishAsync(topic, "x");
        await host.Client.PublishAsync(other, "y");

        for (var round = 0; round < 20; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
            {
                var path = i % 2 == 0 ? $"/topics/{topic}/stream?from=earliest" : $"/stream?topic={topic}&topic={other}&from=earliest";
                var stream = await SseStream.OpenAsync(host.Client, path);
                if (i % 3 == 0)
                {
                    await stream.NextAsync(); // some drop after an event, some at once
                }

                await stream.DisposeAsync();
            }));
        }

        var health = await host.Client.WaitForHealthAsync(h => h.GetProperty("connections").GetInt32() == 0, SseStream.ReadTimeout);
        Assert.Equal(0, health.GetProperty("connections").GetInt32());
        var deadline = DateTime.UtcNow + SseStream.ReadTimeout;
        int subscribers;
        while ((subscribers = (await host.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("subscribers").GetInt32()) != 0 && DateTime.UtcNow < deadline)
        {
        }

        Assert.Equal(0, subscribers);
        Assert.Equal(0, (await host.Client.GetJsonAsync($"/topics/{other}")).GetProperty("subscribers").GetInt32());
    }
}
