using System.Text;
using Xunit;

namespace EventActors.Host.Tests;

public sealed class HeartbeatTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task An_idle_stream_gets_a_retry_field_first_and_then_heartbeat_comments()
    {
        await using var host = await HostProcess.StartAsync(_data.Path,
            "--EventActors:HeartbeatInterval=00:00:00.200", "--EventActors:RetryMilliseconds=1500");
        using var response = await host.Client.GetAsync($"/topics/{SharedHost.NewTopic()}/stream", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();

        // Comments are invisible to SSE parsers: read the raw bytes until two heartbeats arrived.
        var text = new StringBuilder();
        var buffer = new byte[256];
        while (CountOf(text.ToString(), ": heartbeat\n\n") < 2)
        {
            var read = await body.ReadAsync(buffer).AsTask().WaitAsync(SseStream.ReadTimeout);
            Assert.NotEqual(0, read);
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        Assert.StartsWith("retry: 1500\n\n", text.ToString());
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
