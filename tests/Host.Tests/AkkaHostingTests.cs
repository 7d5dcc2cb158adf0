using System.Net;
using System.Text;
using System.Text.Json;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>The node on Akka.Hosting: its HOCON configures Akka, Akka logs into the host's log, and shutdown loses nothing.</summary>
public sealed class AkkaHostingTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task The_akka_section_of_a_config_file_configures_akka_and_its_lines_reach_the_hosts_log()
    {
        var config = Path.Combine(_data.Path, "akka-debug.conf");
        await File.WriteAllTextAsync(config, "akka.loglevel = DEBUG\n");
        await using var host = await HostProcess.StartAsync(_data.Path, "--config", config, "--Logging:LogLevel:Akka=Debug");

        // Akka at DEBUG reports its loggers starting; at the shipped INFO it does not.
        await host.Client.PublishAsync(SharedHost.NewTopic("akka"), "x");
        Assert.Contains("[DEBUG]", host.Output);
        Assert.Contains("LoggerFactoryLogger", host.Output);
    }

    [Fact]
    public async Task Hundreds_of_streams_opened_at_once_on_a_node_that_has_just_started_all_get_their_events()
    {
        // The node's first timers are armed by these streams all at once (a start-up deadlock in
        // Akka's scheduler left a node answering no stream for minutes: see SchedulerStart).
        await using var host = await HostProcess.StartAsync(_data.Path);
        var topic = SharedHost.NewTopic("first-streams");

        var streams = await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream")));
        await host.Client.WaitForSubscribersAsync(topic, streams.Length);
        await host.Client.PublishAsync(topic, "to everyone");

        foreach (var stream in streams)
        {
            Assert.Equal("to everyone", (await stream.NextAsync()).Data);
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task Publishes_racing_a_graceful_stop_are_either_acknowledged_and_kept_or_refused()
    {
        var topic = SharedHost.NewTopic("racing-stop");
        var acknowledged = new List<ulong>();
        await using (var host = await HostProcess.StartAsync(_data.Path))
        {
            await host.Client.PublishAsync(topic, "first");
            using var stop = new CancellationTokenSource();
            var publishers = Enumerable.Range(0, 8).Select(lane => Task.Run(async () =>
            {
                var mine = new List<ulong>();
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        var response = await host.Client.PostAsync($"/topics/{topic}/events",
                            new StringContent($"lane {lane} event {i}", Encoding.UTF8, "text/plain"));
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                            mine.Add(json.RootElement.GetProperty("events")[0].GetProperty("sequence").GetUInt64());
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return mine; // the server has stopped listening
                    }
                }

                return mine;
            })).ToArray();

            // Let some publishes through, then stop the node under them.
            var deadline = DateTime.UtcNow + SseStream.ReadTimeout;
            while ((await host.Client.GetJsonAsync($"/topics/{topic}")).GetProperty("head").GetUInt64() < 50)
            {
                Assert.True(DateTime.UtcNow < deadline, "the publishers did not get 50 events through");
            }

            Assert.Equal(0, await host.StopGracefullyAsync());
            stop.Cancel();
            foreach (var publisher in publishers)
            {
                acknowledged.AddRange(await publisher);
            }
        }

        await using var restarted = await HostProcess.StartAsync(_data.Path);
        var kept = new HashSet<ulong>();
        for (ulong after = 0; ; )
        {
            var page = (await restarted.Client.GetJsonAsync($"/topics/{topic}/events?after={after}&limit=1000")).GetProperty("events");
            if (page.GetArrayLength() == 0)
            {
                break;
            }

            foreach (var stored in page.EnumerateArray())
            {
                after = stored.GetProperty("sequence").GetUInt64();
                kept.Add(after);
            }
        }

        Assert.NotEmpty(acknowledged);
        Assert.All(acknowledged, sequence => Assert.Contains(sequence, kept)); // nothing acknowledged is lost
    }
}
