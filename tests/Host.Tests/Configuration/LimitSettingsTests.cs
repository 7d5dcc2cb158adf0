using Akka.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>The nested EventActors.Limits section: set from every layer, refused by the key when wrong.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class LimitSettingsTests : IDisposable
{
    private readonly ConfigurationScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Fact]
    public void Limits_are_set_from_a_file_the_environment_and_the_command_line_the_later_winning()
    {
        var user = _scope.Write("user.conf", "EventActors.Limits { PublishesPerSecond = 5, OpenStreams = 7 }");
        _scope.SetEnvironmentVariable("EventActors__Limits__OpenStreams", "8");
        var (_, configuration) = _scope.Load("--config", user, "--eventactors:limits:requestheaderstimeout=3s");
        var limits = configuration.Options.Limits;
        Assert.Equal(5, limits.PublishesPerSecond);
        Assert.Equal(8, limits.OpenStreams);
        Assert.Equal(TimeSpan.FromSeconds(3), limits.RequestHeadersTimeout);
        Assert.Equal(100, limits.PublishBurst); // the shipped default, untouched
    }

    public static TheoryData<string, string> BadValues => new()
    {
        { "--EventActors:Limits:PublishBurst=0", "Configuration EventActors:Limits:PublishBurst must be 1 to 1,000,000" },
        { "--EventActors:Limits:OpenStreams=-1", "Configuration EventActors:Limits:OpenStreams must be 0 (off) to 1,000,000" },
        { "--EventActors:Limits:RequestHeadersTimeout=5", "Configuration EventActors:Limits:RequestHeadersTimeout: '5' has no unit" },
        { "--EventActors:Limits:KeepAliveTimeout=0s", "Configuration EventActors:Limits:KeepAliveTimeout must be 1 s to 1 d" },
        { "--EventActors:Limits:PublishesPerSecnd=5", "Configuration EventActors:Limits:PublishesPerSecnd (from the command line, --EventActors:Limits:PublishesPerSecnd) is not a setting" },
        { "--EventActors:Limits=5", "Configuration EventActors:Limits (from the command line, --EventActors:Limits) is a section, not a setting" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_limit_stops_the_start_naming_its_key(string argument, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load(argument));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void An_unknown_key_in_the_limits_section_of_a_file_stops_the_start_naming_it()
    {
        var user = _scope.Write("user.conf", "EventActors.Limits.OpenStream = 5");
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load("--config", user));
        Assert.StartsWith("Configuration EventActors:Limits:OpenStream is not a setting", error.Message);
    }
}
