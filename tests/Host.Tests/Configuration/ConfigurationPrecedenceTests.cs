using EventActors.Host.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>
/// <see cref="NodeConfigurationLoader"/> on a real host builder:
/// appsettings*.json &lt; hocon/eventactors.conf &lt; the --config file &lt; environment
/// variables &lt; the command line &lt; the short forms.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ConfigurationPrecedenceTests : IDisposable
{
    private readonly ConfigurationScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Fact]
    public void Each_layer_wins_over_the_ones_before_it_for_the_servers_settings()
    {
        // appsettings.json comes before the shipped file, which sets every setting: it never wins.
        _scope.Write("appsettings.json", """{ "EventActors": { "MaxBatchEvents": 7 } }""");
        var user = _scope.Write("user.conf", "EventActors { RingSize = 2048, SubscriberCredit = 32, HeartbeatInterval = 30s }");
        _scope.SetEnvironmentVariable("EventActors__SubscriberCredit", "64");
        _scope.SetEnvironmentVariable("EventActors__HeartbeatInterval", "00:00:20"); // TimeSpan text, as docs once showed

        var (_, configuration) = _scope.Load("--config", user, "--EventActors:HeartbeatInterval=45s");

        var options = configuration.Options;
        var shipped = ServerOptions.FromConfig(HoconFile.Read(NodeConfigurationLoader.ShippedConfigPath));
        Assert.Equal(shipped.MaxBatchEvents, options.MaxBatchEvents); // shipped beats appsettings.json
        Assert.Equal(shipped.CatchUpPageSize, options.CatchUpPageSize); // only the shipped file sets it
        Assert.Equal(2048, options.RingSize); // the --config file beats the shipped file
        Assert.Equal(64, options.SubscriberCredit); // the environment beats the file
        Assert.Equal(TimeSpan.FromSeconds(45), options.HeartbeatInterval); // the command line beats the environment
        Assert.Equal((2048, 64, "45s"), (configuration.Hocon.GetInt("EventActors.RingSize"), configuration.Hocon.GetInt("EventActors.SubscriberCredit"), configuration.Hocon.GetString("EventActors.HeartbeatInterval")));
    }

    [Fact]
    public void Each_layer_wins_over_the_ones_before_it_for_logging()
    {
        _scope.Write("appsettings.json", """{ "Logging": { "LogLevel": { "Default": "Trace", "OnlyJson": "Debug", "Microsoft.AspNetCore": "Trace" } } }""");
        var user = _scope.Write("user.conf", "Logging.LogLevel { \"Microsoft.AspNetCore\" = Error, \"Env.Beats.File\" = Error }");
        _scope.SetEnvironmentVariable("Logging__LogLevel__Env.Beats.File", "Critical");

        var (builder, _) = _scope.Load("--config", user, "--Logging:LogLevel:Default=Warning");

        var levels = builder.Configuration.GetSection("Logging:LogLevel");
        Assert.Equal("Debug", levels["OnlyJson"]); // only appsettings.json sets it
        Assert.Equal("None", levels["Microsoft.AspNetCore.Hosting.Diagnostics"]); // only the shipped file
        Assert.Equal("Error", levels["Microsoft.AspNetCore"]); // the --config file beats the shipped file and appsettings.json
        Assert.Equal("Critical", levels["Env.Beats.File"]); // the environment beats the file
        Assert.Equal("Warning", levels["Default"]); // the command line beats them all
    }

    [Fact]
    public void The_command_line_and_the_environment_beat_the_shipped_logging_section()
    {
        _scope.SetEnvironmentVariable("Logging__LogLevel__Microsoft.AspNetCore", "Error");
        var (builder, _) = _scope.Load("--Logging:LogLevel:Default=Warning");
        Assert.Equal("Warning", builder.Configuration["Logging:LogLevel:Default"]);
        Assert.Equal("Error", builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore"]);
    }

    [Fact]
    public void The_logging_section_is_a_source_right_after_appsettings_json_and_before_the_environment_and_the_command_line()
    {
        var builder = _scope.Builder();
        builder.Configuration.LoadEventActorsConfiguration(demo: false);
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources.ToList();
        var logging = sources.FindIndex(source => source is MemoryConfigurationSource { InitialData: { } data } && data.Any(pair => pair.Key == "Logging:LogLevel:Default"));
        Assert.Equal("appsettings.Production.json", Assert.IsType<JsonConfigurationSource>(sources[logging - 1]).Path);
        Assert.True(sources.FindLastIndex(source => source is EnvironmentVariablesConfigurationSource { Prefix: null or "" }) > logging);
        Assert.True(sources.FindLastIndex(source => source is CommandLineConfigurationSource) > logging);
    }

    [Fact]
    public void Environment_variable_keys_match_the_settings_without_regard_to_case()
    {
        _scope.SetEnvironmentVariable("EVENTACTORS__RINGSIZE", "4096");
        _scope.SetEnvironmentVariable("eventactors__corsallowedorigins__0", "https://app.example.com");
        var (_, configuration) = _scope.Load("--eventactors:heartbeatinterval=20s");
        Assert.Equal(4096, configuration.Options.RingSize);
        Assert.Equal(["https://app.example.com"], configuration.Options.CorsAllowedOrigins);
        Assert.Equal(TimeSpan.FromSeconds(20), configuration.Options.HeartbeatInterval);
        Assert.Equal(4096, configuration.Hocon.GetInt("EventActors.RingSize")); // spelled as the shipped file spells it
    }

    [Fact]
    public void A_list_from_the_environment_and_the_command_line_replaces_the_files_list_whole()
    {
        var user = _scope.Write("user.conf", "EventActors.CorsAllowedOrigins = [\"https://a.example.com\", \"https://b.example.com\", \"https://c.example.com\"]");
        _scope.SetEnvironmentVariable("EventActors__CorsAllowedOrigins__0", "https://env.example.com");
        var (_, configuration) = _scope.Load("--config", user, "--EventActors:CorsAllowedOrigins:1=https://args.example.com");
        Assert.Equal(["https://env.example.com", "https://args.example.com"], configuration.Options.CorsAllowedOrigins);
    }

    [Fact]
    public void The_short_forms_win_over_every_other_source_and_reach_the_returned_hocon()
    {
        _scope.SetEnvironmentVariable("EventActors__Journal", "Sqlite");
        var (_, configuration) = _scope.Load(demo: true,
            "--EventActors:DataDir=long-form", "--data-dir", "short-form", "--journal", "postgres", "--postgres", "Host=db;Database=events");
        Assert.Equal(("short-form", JournalKind.Postgres, "Host=db;Database=events", true),
            (configuration.Options.DataDir, configuration.Options.Journal, configuration.Options.PostgresConnectionString, configuration.Options.Demo));
        Assert.Equal("short-form", configuration.Hocon.GetString("EventActors.DataDir"));
        Assert.True(configuration.Hocon.GetBoolean("EventActors.Demo"));
    }

    [Fact]
    public void The_akka_sql_short_forms_choose_Akka_Persistence_Sql_and_its_database()
    {
        var options = _scope.Load("--journal", "akka-sql", "--akka-sql-provider", "PostgreSQL15", "--akka-sql", "Host=db;Database=events").Configuration.Options;
        Assert.Equal((JournalKind.AkkaSql, "PostgreSQL15", "Host=db;Database=events"), (options.Journal, options.AkkaSql.ProviderName, options.AkkaSql.ConnectionString));
    }

    [Fact]
    public void The_cluster_short_forms_set_the_port_and_the_seed_nodes_as_akka_addresses()
    {
        var cluster = _scope.Load("--cluster-port", "4052", "--seed-nodes", " 10.0.0.1:4051, seed.example.com:4051 ,[::1]:4053").Configuration.Options.Cluster;
        Assert.Equal(4052, cluster.Port);
        Assert.False(cluster.IsClusterOfOne);
        Assert.Equal(["akka.tcp://eventactors@10.0.0.1:4051", "akka.tcp://eventactors@seed.example.com:4051", "akka.tcp://eventactors@[::1]:4053"], cluster.SeedAddresses);
    }

    [Fact]
    public void With_no_cluster_settings_a_node_is_a_cluster_of_one_on_any_free_port()
    {
        var cluster = _scope.Load().Configuration.Options.Cluster;
        Assert.Equal(("127.0.0.1", 0, 100, true), (cluster.Hostname, cluster.Port, cluster.Shards, cluster.IsClusterOfOne));
    }

    [Fact]
    public void An_unknown_journal_on_the_command_line_names_the_choices() =>
        Assert.Equal("--journal must be sqlite, postgres or akka-sql, not 'mysql'",
            Assert.Throws<Akka.Configuration.ConfigurationException>(() => _scope.Load("--journal", "mysql")).Message);

    [Fact]
    public void A_users_file_given_relative_to_the_working_directory_is_read_with_its_includes_relative_to_itself()
    {
        _scope.Write("conf/limits/ring.conf", "RingSize = 4096");
        var user = _scope.Write("conf/user.conf", "EventActors {\n  include \"limits/ring.conf\"\n}");
        var (_, configuration) = _scope.Load("--config", Path.GetRelativePath(Environment.CurrentDirectory, user));
        Assert.Equal(4096, configuration.Options.RingSize);
    }

    [Fact]
    public void The_akka_section_reaches_the_returned_hocon_and_a_users_file_overrides_it()
    {
        var (_, shippedOnly) = _scope.Load();
        Assert.Equal("INFO", shippedOnly.Hocon.GetString("akka.loglevel"));

        var user = _scope.Write("user.conf", "akka { loglevel = DEBUG, actor.ask-timeout = 5s }");
        var (_, withUserFile) = _scope.Load("--config", user);
        Assert.Equal("DEBUG", withUserFile.Hocon.GetString("akka.loglevel"));
        Assert.Equal(TimeSpan.FromSeconds(5), withUserFile.Hocon.GetTimeSpan("akka.actor.ask-timeout"));
    }
}
