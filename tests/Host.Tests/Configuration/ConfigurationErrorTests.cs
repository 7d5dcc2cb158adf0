using Akka.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>What stops the start, on a real host builder, and that the message says where to look.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly ConfigurationScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Fact]
    public void A_missing_config_file_stops_the_start_naming_its_full_path()
    {
        var relative = $"missing-{Guid.NewGuid():N}.conf";
        var error = Assert.Throws<FileNotFoundException>(() => _scope.Load("--config", relative));
        Assert.Contains(Path.GetFullPath(relative), error.Message); // relative to the working directory
        Assert.Contains("--config", error.Message);
    }

    [Fact]
    public void A_syntax_error_in_the_config_file_stops_the_start_naming_the_file_and_where()
    {
        var user = _scope.Write("user.conf", "EventActors {\n  RingSize = 4096 !\n}");
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load("--config", user));
        Assert.StartsWith($"Configuration file {user}(2,19) is not valid HOCON", error.Message);
    }

    public static TheoryData<string, string> UnknownKeys => new()
    {
        { "file", "Configuration EventActors:RingSzie is not a setting" },
        { "environment", "Configuration EventActors:RingSzie (from the environment variable EventActors__RingSzie) is not a setting" },
        { "command line", "Configuration EventActors:RingSzie (from the command line, --EventActors:RingSzie) is not a setting" },
        { "appsettings.json", "Configuration EventActors:RingSzie (from " },
    };

    [Theory]
    [MemberData(nameof(UnknownKeys))]
    public void An_unknown_key_stops_the_start_naming_it_wherever_it_comes_from(string origin, string expected)
    {
        var args = new List<string>();
        switch (origin)
        {
            case "file":
                args.AddRange(["--config", _scope.Write("user.conf", "EventActors.RingSzie = 4096")]);
                break;
            case "environment":
                _scope.SetEnvironmentVariable("EventActors__RingSzie", "4096");
                break;
            case "command line":
                args.Add("--EventActors:RingSzie=4096");
                break;
            default:
                _scope.Write("appsettings.json", """{ "EventActors": { "RingSzie": 4096 } }""");
                break;
        }

        var error = Assert.Throws<ConfigurationException>(() => _scope.Load([.. args]));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void A_key_in_a_file_spelled_with_other_case_is_refused_and_the_message_names_the_setting_meant()
    {
        var user = _scope.Write("user.conf", "EventActors.ringSize = 4096");
        Assert.Equal("Configuration EventActors:ringSize (HOCON keys are case-sensitive: did you mean RingSize?) is not a setting; hocon/eventactors.conf lists every setting",
            Assert.Throws<ConfigurationException>(() => _scope.Load("--config", user)).Message);
    }

    [Fact]
    public void An_unknown_section_in_the_config_file_stops_the_start_naming_it()
    {
        var user = _scope.Write("user.conf", "EventActor { RingSize = 4096 }");
        var error = Assert.Throws<ConfigurationException>(() => _scope.Load("--config", user));
        Assert.Equal($"Configuration file {user}: 'EventActor' is not a section this host reads; the sections are EventActors, Logging, akka", error.Message);
    }

    public static TheoryData<string[], string> BadOverrides => new()
    {
        { ["--EventActors:RingSize=abc"], "Configuration EventActors:RingSize: 'abc' is not a whole number" },
        { ["--EventActors:RingSize=0"], "Configuration EventActors:RingSize must be 1 to 1,000,000" },
        { ["--EventActors:HeartbeatInterval=abc"], "Configuration EventActors:HeartbeatInterval: 'abc' is not a duration" },
        { ["--EventActors:HeartbeatInterval=15"], "Configuration EventActors:HeartbeatInterval: '15' has no unit" },
        { ["--EventActors:CorsAllowedOrigins=https://app.example.com"], "Configuration EventActors:CorsAllowedOrigins (from the command line, --EventActors:CorsAllowedOrigins) is a list: set its elements as EventActors:CorsAllowedOrigins:0" },
        { ["--EventActors:RingSize:0=1"], "Configuration EventActors:RingSize:0 (from the command line, --EventActors:RingSize:0) is not a setting: EventActors:RingSize is a single value" },
        { ["--EventActors=1"], "Configuration EventActors (from the command line, --EventActors) is a section, not a setting" },
        { ["--journal", "akka-sql", "--akka-sql-provider", "SqlServer2019"], "Configuration EventActors:AkkaSql:ProviderName must be a provider whose driver ships with the node" },
        { ["--journal", "akka-sql", "--akka-sql-provider", "PostgreSQL15"], "Configuration EventActors:AkkaSql:ConnectionString must be the database's connection string when the provider is PostgreSQL15" },
        { ["--EventActors:SnapshotEvery=0"], "Configuration EventActors:SnapshotEvery must be 1 to 10,000,000" },
        { ["--cluster-port", "4051", "--seed-nodes", "127.0.0.1"], "Configuration EventActors:Cluster:SeedNodes must be a comma-separated list of host:port (127.0.0.1:4051,127.0.0.1:4052), not '127.0.0.1'" },
        { ["--cluster-port", "4051", "--seed-nodes", "127.0.0.1:0"], "Configuration EventActors:Cluster:SeedNodes must be a comma-separated list of host:port" },
        { ["--cluster-port", "4051", "--seed-nodes", "10.0.0.1:4051,:4052"], "Configuration EventActors:Cluster:SeedNodes must be a comma-separated list of host:port (127.0.0.1:4051,127.0.0.1:4052), not ':4052'" },
        { ["--seed-nodes", "127.0.0.1:4051"], "Configuration EventActors:Cluster:Port must be set (--cluster-port 4051) when seed nodes are" },
        { ["--cluster-port", "65536"], "Configuration EventActors:Cluster:Port must be 0 (any free port: a cluster of one) to 65535" },
        { ["--EventActors:Cluster:Hostname=not a host"], "Configuration EventActors:Cluster:Hostname must be a host name or IP address" },
        { ["--EventActors:Cluster:Shards=0"], "Configuration EventActors:Cluster:Shards must be 1 to 10,000" },
    };

    [Theory]
    [MemberData(nameof(BadOverrides))]
    public void A_bad_value_on_the_command_line_stops_the_start_naming_the_key(string[] args, string expected) =>
        Assert.StartsWith(expected, Assert.Throws<ConfigurationException>(() => _scope.Load(args)).Message);

    [Fact]
    public void A_bad_value_in_the_environment_stops_the_start_naming_the_key()
    {
        _scope.SetEnvironmentVariable("EventActors__MaxEventBytes", "64KB");
        Assert.StartsWith("Configuration EventActors:MaxEventBytes: '64KB' is not a size",
            Assert.Throws<ConfigurationException>(() => _scope.Load()).Message);
    }
}
