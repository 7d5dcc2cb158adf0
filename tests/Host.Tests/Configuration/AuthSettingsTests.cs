using Akka.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>EventActors { Auth { ... } }: defaults, the nested keys from every source, and the refusals that name the key.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class AuthSettingsTests : IDisposable
{
    private const string Key = "0123456789abcdef0123456789abcdef";
    private readonly ConfigurationScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Fact]
    public void By_default_no_key_is_configured_and_the_node_is_open()
    {
        var auth = _scope.Load().Configuration.Options.Auth;
        Assert.False(auth.Enabled);
        Assert.Equal("eventactors_token", auth.CookieName);
        Assert.Equal(TimeSpan.FromSeconds(30), auth.ClockSkew);
        Assert.Equal(TimeSpan.FromSeconds(60), auth.TokenCacheTime);
        Assert.Empty(auth.PublicTopics.Patterns);
    }

    [Fact]
    public void The_signing_key_comes_from_the_command_line()
    {
        var auth = _scope.Load($"--EventActors:Auth:SigningKey={Key}", "--EventActors:Auth:PublicTopics:0=ticker.>").Configuration.Options.Auth;
        Assert.True(auth.Enabled);
        Assert.Equal(Key, auth.SigningKey);
        Assert.Equal("ticker.>", Assert.Single(auth.PublicTopics.Patterns).Text);
    }

    [Fact]
    public void The_signing_key_comes_from_the_environment()
    {
        _scope.SetEnvironmentVariable("EventActors__Auth__SigningKey", Key);
        _scope.SetEnvironmentVariable("EventActors__auth__issuer", "https://issuer.example");
        var auth = _scope.Load().Configuration.Options.Auth;
        Assert.Equal(Key, auth.SigningKey);
        Assert.Equal("https://issuer.example", auth.Issuer);
    }

    [Fact]
    public void A_short_signing_key_stops_the_start_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load("--EventActors:Auth:SigningKey=too-short"));
        Assert.StartsWith("Configuration EventActors:Auth:SigningKey must be at least 32 bytes", error.Message);
    }

    [Fact]
    public void A_token_cache_time_over_ten_minutes_stops_the_start_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load("--EventActors:Auth:TokenCacheTime=11m"));
        Assert.Equal("Configuration EventActors:Auth:TokenCacheTime must be 0s to 10m", error.Message);
    }

    [Fact]
    public void An_invalid_public_topic_pattern_stops_the_start_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load("--EventActors:Auth:PublicTopics:0=a.>.b"));
        Assert.StartsWith("Configuration EventActors:Auth:PublicTopics: Topic pattern 'a.>.b'", error.Message);
    }

    [Fact]
    public void An_unknown_auth_key_stops_the_start_naming_it()
    {
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load("--EventActors:Auth:SigningKye=x"));
        Assert.Contains("EventActors:Auth:SigningKye", error.Message);
        Assert.Contains("is not a setting", error.Message);
    }

    [Fact]
    public void The_auth_section_itself_is_not_a_setting()
    {
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load("--EventActors:Auth=x"));
        Assert.Contains("is a section, not a setting", error.Message);
    }

    [Fact]
    public void A_user_file_sets_auth_keys_in_hocon()
    {
        var user = _scope.Write("user.conf", $"EventActors.Auth {{ SigningKey = \"{Key}\", Audience = events }}");
        var auth = _scope.Load("--config", user).Configuration.Options.Auth;
        Assert.Equal(Key, auth.SigningKey);
        Assert.Equal("events", auth.Audience);
    }
}
