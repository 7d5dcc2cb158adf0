using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// The per-client limits (EventActors:Limits), each set small on a host of its own: past a limit
/// the client gets 429 with Retry-After and problem details, is served again after it, and
/// another client (another loopback address, 127.0.0.2) is not affected.
/// </summary>
public sealed class LimitTests : IDisposable
{
    /// <summary>Long enough for a loaded machine; reached only when a limit never lifts.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private static readonly IPAddress OtherClient = IPAddress.Parse("127.0.0.2");

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Publishes_past_the_limit_get_429_with_Retry_After_and_the_client_is_served_again_after_it_while_another_client_is_not_affected()
    {
        await using var host = await HostProcess.StartAsync(_data.Path,
            "--EventActors:Limits:PublishesPerSecond=1", "--EventActors:Limits:PublishBurst=2");
        var topic = SharedHost.NewTopic("rate");

        // The bucket holds 2 and refills 1 a second: publishing on, a 429 comes.
        var rejected = await RepeatUntilAsync(() => host.Client.PostAsync($"/topics/{topic}/events", new StringContent("x")), HttpStatusCode.TooManyRequests);
        await AssertTooManyRequestsAsync(rejected, "EventActors:Limits:PublishesPerSecond");

        // Another address has a bucket of its own.
        using var other = ClientFrom(OtherClient, host.BaseAddress);
        Assert.Equal(HttpStatusCode.Created, (await other.PostAsync($"/topics/{topic}/events", new StringContent("other"))).StatusCode);

        // The same client is served again once its bucket refills.
        await RepeatUntilAsync(() => host.Client.PostAsync($"/topics/{topic}/events", new StringContent("again")), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Streams_past_the_limit_get_429_and_a_stream_that_ends_frees_its_slot_whether_closed_or_dropped()
    {
        await using var host = await HostProcess.StartAsync(_data.Path, "--EventActors:Limits:OpenStreams=2");
        var topic = SharedHost.NewTopic("streams");
        var first = await SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream");
        var second = await SseStream.OpenAsync(host.Client, $"/stream?topic={topic}");

        using (var third = await GetStreamAsync(host.Client, $"/topics/{topic}/stream"))
        {
            await AssertTooManyRequestsAsync(third, "EventActors:Limits:OpenStreams");
        }

        using var other = ClientFrom(OtherClient, host.BaseAddress);
        await using (var otherStream = await SseStream.OpenAsync(other, $"/topics/{topic}/stream"))
        {
            // A client that closes its stream: the slot is back once the server sees it end.
            await first.DisposeAsync();
            var reopened = await OpenWhenFreeAsync(host.Client, $"/topics/{topic}/stream");

            // DELETE /connections ends every stream, and with them their slots.
            Assert.Equal(HttpStatusCode.OK, (await host.Client.DeleteAsync("/connections")).StatusCode);
            await second.DisposeAsync();
            await reopened.DisposeAsync();
        }

        var after = new[] { await OpenWhenFreeAsync(host.Client, $"/topics/{topic}/stream"), await OpenWhenFreeAsync(host.Client, $"/topics/{topic}/stream") };
        await host.Client.PublishAsync(topic, "after");
        foreach (var stream in after)
        {
            Assert.Equal("after", (await stream.NextAsync()).Data);
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_authorization_on_the_stream_limit_counts_per_token_subject_not_per_address()
    {
        await using var host = await HostProcess.StartAsync(_data.Path, "--EventActors:Limits:OpenStreams=1",
            $"--EventActors:Auth:SigningKey={AuthHost.Key}");
        var topic = SharedHost.NewTopic("subjects");
        string TokenFor(string subject) => Auth.TokenCommand.Create(AuthHost.Options(issuer: "", audience: ""), [], [topic.ToString()], false,
            TimeSpan.FromHours(1), subject, DateTimeOffset.UtcNow);
        var alice = TokenFor("alice");

        // Both from 127.0.0.1: alice's second stream is over her limit, bob's first is not.
        await using var first = await SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream?access_token={alice}");
        using (var second = await GetStreamAsync(host.Client, $"/topics/{topic}/stream?access_token={alice}"))
        {
            await AssertTooManyRequestsAsync(second, "EventActors:Limits:OpenStreams");
        }

        await using var bob = await SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream?access_token={TokenFor("bob")}");
    }

    [Fact]
    public async Task New_connections_past_the_rate_get_429_and_the_address_is_served_again_after_it_while_another_address_is_not_affected()
    {
        await using var host = await HostProcess.StartAsync(_data.Path, "--EventActors:Limits:NewConnectionsPerSecond=2");
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Deadline };

        // Connection: close: every request on a new connection.
        var rejected = await RepeatUntilAsync(() => client.SendAsync(NewConnection("/health")), HttpStatusCode.TooManyRequests);
        await AssertTooManyRequestsAsync(rejected, "EventActors:Limits:NewConnectionsPerSecond");

        using var other = ClientFrom(OtherClient, host.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, (await other.SendAsync(NewConnection("/health"))).StatusCode);

        await RepeatUntilAsync(() => client.SendAsync(NewConnection("/health")), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_slowloris_client_and_thousands_of_half_open_connections_do_not_stop_a_client_publishing_and_streaming()
    {
        await using var host = await HostProcess.StartAsync(_data.Path, "--EventActors:Limits:RequestHeadersTimeout=2s");
        var topic = SharedHost.NewTopic("abuse");
        var endPoint = new IPEndPoint(IPAddress.Loopback, host.BaseAddress.Port);

        // 2,000 connections from another address: half send nothing, half a partial request line.
        var halfOpen = new List<Socket>();
        try
        {
            for (var i = 0; i < 2000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                halfOpen.Add(socket);
                socket.Bind(new IPEndPoint(OtherClient, 0));
                await socket.ConnectAsync(endPoint);
                if (i % 2 == 1)
                {
                    await socket.SendAsync(Encoding.ASCII.GetBytes("GET /hea"));
                }
            }

            // Slowloris: a request's headers one byte a second, for as long as the server listens.
            using var slowloris = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            slowloris.Bind(new IPEndPoint(OtherClient, 0));
            await slowloris.ConnectAsync(endPoint);
            var closedByServer = ReadUntilClosedAsync(slowloris);
            var dribbling = DribbleAsync(slowloris, "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + new string('a', 10_000) + "\r\n\r\n", closedByServer);

            // Meanwhile a well-behaved client streams and publishes.
            await using (var stream = await SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream"))
            {
                await host.Client.WaitForSubscribersAsync(topic, 1);
                await host.Client.PublishAsync(topic, "served");
                Assert.Equal("served", (await stream.NextAsync()).Data);
            }

            // The server closes the slowloris connection (RequestHeadersTimeout), long before the
            // 10,000 bytes of its headers could have arrived.
            await closedByServer.WaitAsync(Deadline);
            await dribbling.WaitAsync(Deadline);

            // And the half-open ones: each is closed by the server, not left holding a slot.
            foreach (var socket in halfOpen)
            {
                await ReadUntilClosedAsync(socket).WaitAsync(Deadline);
            }

            await using var later = await SseStream.OpenAsync(host.Client, $"/topics/{topic}/stream");
            await host.Client.WaitForSubscribersAsync(topic, 1);
            await host.Client.PublishAsync(topic, "still served");
            Assert.Equal("still served", (await later.NextAsync()).Data);
        }
        finally
        {
            foreach (var socket in halfOpen)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_longest_stream_url_the_api_allows_fits_the_request_line_limit()
    {
        await using var host = await HostProcess.StartAsync(_data.Path);
        // 64 topics (TopicSet.MaxTopics) of 200 characters (TopicName.MaxLength): past Kestrel's default 8 KiB line.
        var prefix = Guid.NewGuid().ToString("N");
        var topics = Enumerable.Range(0, 64).Select(i => $"{prefix}.{i:D2}".PadRight(200, 'x')).ToArray();
        var path = "/stream?" + string.Join("&", topics.Select(topic => "topic=" + topic));
        Assert.True(path.Length > 8 * 1024);
        await using var stream = await SseStream.OpenAsync(host.Client, path);
        await host.Client.WaitForSubscribersAsync(topics[63], 1);
        await host.Client.PublishAsync(topics[63], "last");
        Assert.Equal("last", (await stream.NextAsync()).Data);
    }

    [Fact]
    public async Task A_chunked_batch_over_MaxBatchBytes_gets_the_apis_413_not_kestrels()
    {
        await using var host = await HostProcess.StartAsync(_data.Path, "--EventActors:MaxBatchBytes=64KiB");
        var line = Encoding.UTF8.GetBytes("{\"data\":\"" + new string('a', 1000) + "\"}\n");
        var body = Enumerable.Repeat(line, 3000).SelectMany(bytes => bytes).ToArray(); // about 3 MB: past Kestrel's limit too
        var content = new ChunkedContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        var response = await host.Client.PostAsync($"/topics/{SharedHost.NewTopic("big")}/events", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("EventActors:MaxBatchBytes", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A body of no declared length: sent chunked.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static async Task DribbleAsync(Socket socket, string request, Task closedByServer)
    {
        foreach (var b in Encoding.ASCII.GetBytes(request))
        {
            if (closedByServer.IsCompleted)
            {
                return;
            }

            try
            {
                await socket.SendAsync(new[] { b });
            }
            catch (SocketException)
            {
                return; // the server closed it
            }

            // The attack's pace, not a wait for something to happen.
            await Task.WhenAny(closedByServer, Task.Delay(TimeSpan.FromSeconds(1)));
        }
    }

    /// <summary>Reads (and drops, a 408 perhaps) until the server closes the connection.</summary>
    private static async Task ReadUntilClosedAsync(Socket socket)
    {
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // reset by the server: closed too
        }
    }

    private static async Task AssertTooManyRequestsAsync(HttpResponseMessage response, string key)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.True(retryAfter >= TimeSpan.FromSeconds(1), $"Retry-After {retryAfter}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(key, problem.RootElement.GetProperty("detail").GetString());
    }

    /// <summary>Sends until the answer is <paramref name="status"/>, within <see cref="Deadline"/>; returns that answer.</summary>
    private static async Task<HttpResponseMessage> RepeatUntilAsync(Func<Task<HttpResponseMessage>> send, HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var response = await send();
            if (response.StatusCode == status)
            {
                return response;
            }

            response.Dispose();
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No {(int)status} within {Deadline}");
            }

            await Task.Yield();
        }
    }

    /// <summary>Opens a stream, retrying while the client is at its limit (the server sees a closed stream end shortly after).</summary>
    private static async Task<SseStream> OpenWhenFreeAsync(HttpClient client, string path)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                return await SseStream.OpenAsync(client, path);
            }
            catch (HttpRequestException e) when (e.Message.Contains(" 429 ", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Yield();
            }
        }
    }

    private static Task<HttpResponseMessage> GetStreamAsync(HttpClient client, string path) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead);

    private static HttpRequestMessage NewConnection(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.ConnectionClose = true;
        return request;
    }

    /// <summary>A client whose connections come from <paramref name="local"/>: another client, to the per-IP limits.</summary>
    private static HttpClient ClientFrom(IPAddress local, Uri baseAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = baseAddress, Timeout = Deadline };
}
