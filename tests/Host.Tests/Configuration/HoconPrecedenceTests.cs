using EventActors.Host.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>
/// <see cref="HoconConfigurationExtensions.AddEventActorsHocon"/> on a real
/// WebApplication.CreateBuilder: HOCON beats appsettings.json; environment variables and the
/// command line beat HOCON.
/// </summary>
public sealed class HoconPrecedenceTests : IDisposable
{
    // A section no one else reads, so the environment variable set here affects nothing else.
    private readonly string _probe = "HoconProbe" + Guid.NewGuid().ToString("N");
    private readonly TempDirectory _contentRoot = new();

    public HoconPrecedenceTests() =>
        File.WriteAllText(Path.Combine(_contentRoot.Path, "appsettings.json"), $$"""{ "{{_probe}}": { "OnlyJson": "json", "HoconBeatsJson": "json" } }""");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable($"{_probe}__EnvBeatsHocon", null);
        _contentRoot.Dispose();
    }

    private WebApplicationBuilder Builder(params string[] args) => WebApplication.CreateBuilder(new WebApplicationOptions
    {
        Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"],
        ContentRootPath = _contentRoot.Path,
        EnvironmentName = "Production",
    });

    private string WriteUserFile(string text)
    {
        var path = Path.Combine(_contentRoot.Path, "user.conf");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Environment_variables_and_the_command_line_beat_hocon_and_hocon_beats_appsettings_json()
    {
        var user = WriteUserFile($"{_probe} {{ HoconBeatsJson = hocon, EnvBeatsHocon = hocon, ArgsBeatHocon = hocon, OnlyHocon = hocon }}");
        Environment.SetEnvironmentVariable($"{_probe}__EnvBeatsHocon", "env");
        var builder = Builder($"--{_probe}:ArgsBeatHocon=args", "--config", user);

        builder.Configuration.AddEventActorsHocon(builder.Configuration["config"]);

        var section = builder.Configuration.GetSection(_probe);
        Assert.Equal("json", section["OnlyJson"]);
        Assert.Equal("hocon", section["HoconBeatsJson"]);
        Assert.Equal("env", section["EnvBeatsHocon"]);
        Assert.Equal("args", section["ArgsBeatHocon"]);
        Assert.Equal("hocon", section["OnlyHocon"]);
    }

    [Fact]
    public void The_shipped_defaults_are_read_and_the_users_file_overrides_them()
    {
        var withoutUserFile = Builder();
        withoutUserFile.Configuration.AddEventActorsHocon(userConfigPath: null);
        Assert.Equal("1024", withoutUserFile.Configuration["EventActors:RingSize"]);
        Assert.Equal("00:00:15", withoutUserFile.Configuration["EventActors:HeartbeatInterval"]);

        var user = WriteUserFile("EventActors.RingSize = 4096\nEventActors.HeartbeatInterval = 30s");
        var withUserFile = Builder();
        withUserFile.Configuration.AddEventActorsHocon(user);
        var options = withUserFile.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>()!;
        Assert.Equal((4096, TimeSpan.FromSeconds(30), 256), (options.RingSize, options.HeartbeatInterval, options.SubscriberCredit));
    }

    [Fact]
    public void The_hocon_sources_sit_right_after_appsettings_json_and_before_the_environment_and_the_command_line()
    {
        var builder = Builder();
        var user = WriteUserFile("a = 1");
        builder.Configuration.AddEventActorsHocon(user);
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources.ToList();
        var shipped = sources.FindIndex(source => source is HoconConfigurationSource { Path: var path } && path == HoconConfigurationExtensions.ShippedConfigPath);
        Assert.Equal(user, Assert.IsType<HoconConfigurationSource>(sources[shipped + 1]).Path);
        Assert.Equal("appsettings.Production.json", Assert.IsType<JsonConfigurationSource>(sources[shipped - 1]).Path);
        Assert.True(sources.FindLastIndex(source => source is EnvironmentVariablesConfigurationSource { Prefix: null or "" }) > shipped + 1);
        Assert.True(sources.FindLastIndex(source => source is CommandLineConfigurationSource) > shipped + 1);
    }

    [Fact]
    public void A_missing_user_file_stops_the_start_with_its_full_path()
    {
        var missing = Path.Combine(_contentRoot.Path, "missing.conf");
        var error = Assert.Throws<FileNotFoundException>(() => Builder().Configuration.AddEventActorsHocon(missing));
        Assert.Contains(missing, error.Message);
        Assert.Contains("--config", error.Message);
    }

    [Fact]
    public void An_invalid_user_file_stops_the_start_with_its_line_and_column()
    {
        var user = WriteUserFile("EventActors {\n  RingSize = 4096 !\n}");
        var error = Assert.Throws<HoconParseException>(() => Builder().Configuration.AddEventActorsHocon(user));
        Assert.Equal((user, 2, 19), (error.SourceName, error.Line, error.Column));
    }
}
