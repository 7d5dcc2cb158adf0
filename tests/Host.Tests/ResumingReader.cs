using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// Reads a topic's stream from the start and, whenever it ends or its node stops answering,
/// reconnects with Last-Event-ID, to the same node while it answers, else to the next one.
/// A reset is a failure here: nothing was deleted or trimmed.
/// </summary>
internal sealed class ResumingReader : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _received = [];
    private readonly Task _reading;
    private string? _failure;
    private SseStream? _current;
    private int _opened;

    public ResumingReader(string topic, HttpClient[] nodes)
    {
        Topic = topic;
        Nodes = nodes;
        _reading = Task.Run(() => ReadAsync(nodes));
    }

    public string Topic { get; }

    /// <summary>
    /// For each topic, a reader on <paramref name="stays"/> and one on <paramref name="goes"/> that
    /// moves to <paramref name="stays"/> once <paramref name="goes"/> stops answering (a browser
    /// behind a load balancer); returned once each has the topic's first event.
    /// </summary>
    public static async Task<List<ResumingReader>> OnBothAsync(IEnumerable<string> topics, HostProcess stays, HostProcess goes)
    {
        var readers = topics.SelectMany(topic => new[]
        {
            new ResumingReader(topic, [stays.Client]),
            new ResumingReader(topic, [goes.Client, stays.Client]),
        }).ToList();
        foreach (var reader in readers)
        {
            await reader.WaitForSequenceAsync(1);
        }

        return readers;
    }

    /// <summary>The nodes it reads from, in order of preference.</summary>
    public HttpClient[] Nodes { get; }

    /// <summary>Streams it has opened: 1 while its first stream never ended.</summary>
    public int Opened => Volatile.Read(ref _opened);

    public async Task<List<string>> WaitForSequenceAsync(ulong sequence)
    {
        await ClusterProbe.WaitUntilAsync(() =>
        {
            lock (_received)
            {
                Assert.True(_failure is null, _failure);
                return Task.FromResult((ulong)_received.Count >= sequence);
            }
        }, $"event {sequence} of {Topic} on its stream");
        lock (_received)
        {
            return [.. _received];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Volatile.Read(ref _current)?.Response.Dispose(); // aborts the read in progress
        await _reading;
        _stop.Dispose();
    }

    private async Task ReadAsync(HttpClient[] nodes)
    {
        string? lastEventId = null;
        var node = 0;
        while (!_stop.IsCancellationRequested)
        {
            // A stream is asked for until a node takes it (a 503 while the topic's shard is
            // re-homed; the next node once this one stops answering), within the tests' patience.
            SseStream? stream = null;
            try
            {
                await ClusterProbe.WaitUntilAsync(async () =>
                {
                    try
                    {
                        stream = await SseStream.OpenAsync(nodes[node], $"/topics/{Topic}/stream?from=earliest", lastEventId);
                        return true;
                    }
                    catch (Exception error) when (error is HttpRequestException or IOException or OperationCanceledException)
                    {
                        if (error.InnerException is System.Net.Sockets.SocketException)
                        {
                            node = Math.Min(node + 1, nodes.Length - 1);
                        }

                        return _stop.IsCancellationRequested;
                    }
                }, $"a node takes {Topic}'s stream again");
            }
            catch (Xunit.Sdk.XunitException refused)
            {
                lock (_received)
                {
                    _failure = refused.Message;
                }

                return;
            }

            if (stream is null)
            {
                return; // stopped while asking
            }

            try
            {
                Interlocked.Increment(ref _opened);
                Volatile.Write(ref _current, stream);
                while (!_stop.IsCancellationRequested)
                {
                    var item = await stream.NextAsync();
                    if (item.EventType == "eventactors.reset")
                    {
                        lock (_received)
                        {
                            _failure = $"{Topic}: the stream was reset: {item.Data}";
                        }

                        return;
                    }

                    lock (_received)
                    {
                        _received.Add(item.Data);
                    }

                    lastEventId = stream.LastEventId;
                }
            }
            catch (Exception error) when (error is HttpRequestException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
                // The stream ended (its node stopped it, or is gone): asked for again above.
            }
            finally
            {
                stream.Response.Dispose();
            }
        }
    }
}
