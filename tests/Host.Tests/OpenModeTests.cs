using Xunit;

namespace EventActors.Host.Tests;

/// <summary>A node with no key: open, and saying so.</summary>
public sealed class OpenModeTests(SharedHost host) : IClassFixture<SharedHost>
{
    [Fact]
    public async Task Without_a_key_health_says_auth_is_off_and_the_start_up_log_warns()
    {
        Assert.Equal("off", (await host.Client.GetJsonAsync("/health")).GetProperty("auth").GetString());
        Assert.Contains("Authorization is off", host.Host.Output);
    }
}
