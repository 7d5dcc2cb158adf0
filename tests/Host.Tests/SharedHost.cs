using Xunit;

namespace EventActors.Host.Tests;

/// <summary>
/// A host process on a temporary data directory, started before and stopped after: as the base
/// of a test class (one host per test) or, as <see cref="SharedHost"/>, a class fixture.
/// </summary>
public abstract class HostScope(params string[] arguments) : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public HostProcess Host { get; private set; } = null!;

    public HttpClient Client => Host.Client;

    public async Task InitializeAsync() => Host = await HostProcess.StartAsync(_data.Path, arguments);

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>One host for a test class; each test uses topics of its own.</summary>
public sealed class SharedHost : HostScope
{
    /// <summary>A topic name no other test uses.</summary>
    public static string NewTopic(string prefix = "t") => $"{prefix}.{Guid.NewGuid():N}";
}
