namespace EventActors.Host;

/// <summary>
/// Ends every SSE stream as the host starts stopping, before the web server stops: Kestrel waits
/// for open requests to finish, and a stream never finishes by itself. Clients reconnect and
/// resume with Last-Event-ID. The rest of the node's shutdown (topics, journal, actor system)
/// runs afterwards, in CoordinatedShutdown, once the web server takes no more requests.
/// </summary>
internal sealed class StreamsShutdown(EventActorsNode node) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) => node.EndStreamsAsync();

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
