using Xunit;

namespace EventActors.Host.Tests;

/// <summary>One host for a test class; each test uses topics of its own.</summary>
public sealed class SharedHost : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public HostProcess Host { get; private set; } = null!;

    public HttpClient Client => Host.Client;

    public async Task InitializeAsync() => Host = await HostProcess.StartAsync(_data.Path);

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>A topic name no other test uses.</summary>
    public static string NewTopic(string prefix = "t") => $"{prefix}.{Guid.NewGuid():N}";
}
