using Akka.Configuration;
using EventActors.Host.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>
/// <see cref="ServerOptions.FromConfig"/> on the shipped file with one key changed: HOCON's
/// units as Akka reads them, and a message naming the key for every value it refuses.
/// </summary>
public sealed class SettingValueTests
{
    private static readonly Config s_shipped = HoconFile.Read(NodeConfigurationLoader.ShippedConfigPath);

    private static ServerOptions Read(string hocon) => ServerOptions.FromConfig(ConfigurationFactory.ParseString(hocon).WithFallback(s_shipped));

    public static TheoryData<string, string> BadValues => new()
    {
        // not a number / out of range
        { "RingSize = abc", "Configuration EventActors:RingSize: 'abc' is not a whole number from -2,147,483,648 to 2,147,483,647" },
        { "RingSize = 1.5", "Configuration EventActors:RingSize: '1.5' is not a whole number" },
        { "RingSize = 99999999999", "Configuration EventActors:RingSize: '99999999999' is not a whole number" },
        { "RingSize = 0", "Configuration EventActors:RingSize must be 1 to 1,000,000" },
        { "SubscriberCredit = 1000001", "Configuration EventActors:SubscriberCredit must be 1 to 1,000,000" },
        { "RetentionMaxEvents = -1", "Configuration EventActors:RetentionMaxEvents must not be negative (0 keeps every event)" },
        { "MaxConnections = -1", "Configuration EventActors:MaxConnections must not be negative" },
        // durations
        { "HeartbeatInterval = abc", "Configuration EventActors:HeartbeatInterval: 'abc' is not a duration (a number and a unit: 100ms, 15s, 2m, 1h, 1d)" },
        { "HeartbeatInterval = 15", "Configuration EventActors:HeartbeatInterval: '15' has no unit; write 15ms, 15s, 15m, 15h or 15d" },
        { "HeartbeatInterval = 15 fortnights", "Configuration EventActors:HeartbeatInterval: '15 fortnights' is not a duration" },
        { "HeartbeatInterval = infinite", "Configuration EventActors:HeartbeatInterval: 'infinite' is not a duration" },
        { "HeartbeatInterval = -1s", "Configuration EventActors:HeartbeatInterval: '-1s' is not a duration" },
        { "HeartbeatInterval = \"00:00:xx\"", "Configuration EventActors:HeartbeatInterval: '00:00:xx' is not a duration (TimeSpan text is [d.]hh:mm:ss[.fffffff])" },
        { "HeartbeatInterval = 100000000000d", "Configuration EventActors:HeartbeatInterval: '100000000000d' is not a duration" },
        { "HeartbeatInterval = 50ms", "Configuration EventActors:HeartbeatInterval must be at least 100 ms" },
        { "RetentionMaxAge = \"-00:00:01\"", "Configuration EventActors:RetentionMaxAge must not be negative (0 keeps events forever)" },
        // sizes
        { "MaxEventBytes = 64KB", "Configuration EventActors:MaxEventBytes: '64KB' is not a size; write a whole number of bytes, with or without a unit" },
        { "MaxEventBytes = 64 kilos", "Configuration EventActors:MaxEventBytes: '64 kilos' is not a size" },
        { "MaxEventBytes = 1.5MiB", "Configuration EventActors:MaxEventBytes: '1.5MiB' is not a size" },
        { "RingMaxBytes = 9000000TiB", "Configuration EventActors:RingMaxBytes: '9000000TiB' is out of range for a size (0 bytes to 8 EiB)" },
        { "RingMaxBytes = 99999999999999999999", "Configuration EventActors:RingMaxBytes: '99999999999999999999' is not a size" },
        { "RingMaxBytes = \"-5KiB\"", "Configuration EventActors:RingMaxBytes: '-5KiB' is out of range for a size" },
        { "MaxBatchBytes = 3GiB", "Configuration EventActors:MaxBatchBytes: '3GiB' is larger than this setting can hold (2,147,483,647 bytes)" },
        { "MaxEventBytes = 32MiB", "Configuration EventActors:MaxEventBytes must be 1 byte to 16 MiB" },
        { "RingMaxBytes = 1000", "Configuration EventActors:RingMaxBytes must be at least 1 KiB" },
        // names, booleans, strings, lists
        { "Journal = Mysql", "Configuration EventActors:Journal: 'Mysql' is not one of Sqlite, Postgres" },
        { "Journal = 1", "Configuration EventActors:Journal: '1' is not one of Sqlite, Postgres" },
        { "JournalSynchronous = Extra", "Configuration EventActors:JournalSynchronous: 'Extra' is not one of Normal, Full" },
        { "Demo = maybe", "Configuration EventActors:Demo: 'maybe' is not true or false" },
        { "DataDir = \"\"", "Configuration EventActors:DataDir must name a directory" },
        { "DataDir = null", "Configuration EventActors:DataDir is null; it must be a string" },
        { "DataDir { path = x }", "Configuration EventActors:DataDir must be a string, not an object" },
        { "RingSize = [1, 2]", "Configuration EventActors:RingSize must be a whole number, not a list" },
        { "Journal = Postgres", "Configuration EventActors:PostgresConnectionString must be an Npgsql connection string" },
        { "CorsAllowedOrigins = \"https://app.example.com\"", "Configuration EventActors:CorsAllowedOrigins must be a list of strings, such as [] or [\"https://app.example.com\"]" },
        { "CorsAllowedOrigins = [{ origin = x }]", "Configuration EventActors:CorsAllowedOrigins: element 0 must be a string" },
        // CORS origins
        { "CorsAllowedOrigins = [\"*\"]", "Configuration EventActors:CorsAllowedOrigins must list origins like https://app.example.com (scheme, host, optional port; no path, no '*' since credentials are allowed), not '*'" },
        { "CorsAllowedOrigins = [\"https://app.example.com/path\"]", "Configuration EventActors:CorsAllowedOrigins must list origins like https://app.example.com" },
        { "CorsAllowedOrigins = [\"app.example.com\"]", "Configuration EventActors:CorsAllowedOrigins must list origins like https://app.example.com" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_stops_the_start_with_a_message_that_names_the_key(string setting, string expected) =>
        Assert.StartsWith(expected, Assert.Throws<ConfigurationException>(() => Read($"EventActors {{ {setting} }}")).Message);

    public static TheoryData<string, TimeSpan> Durations => new()
    {
        { "100ms", TimeSpan.FromMilliseconds(100) },
        { "15s", TimeSpan.FromSeconds(15) },
        { "1.5 s", TimeSpan.FromSeconds(1.5) },
        { "2m", TimeSpan.FromMinutes(2) },
        { "10 seconds", TimeSpan.FromSeconds(10) },
        { "1h", TimeSpan.FromHours(1) },
        { "1d", TimeSpan.FromDays(1) },
        { "\"00:00:15\"", TimeSpan.FromSeconds(15) },
        { "\"1.02:00:00\"", new TimeSpan(1, 2, 0, 0) },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void A_duration_is_read_with_HOCONs_units_or_as_TimeSpan_text(string text, TimeSpan expected) =>
        Assert.Equal(expected, Read($"EventActors.HeartbeatInterval = {text}").HeartbeatInterval);

    [Theory]
    [InlineData("65536", 65536)]
    [InlineData("64KiB", 65536)]
    [InlineData("64K", 65536)]
    [InlineData("64 KiB", 65536)]
    [InlineData("1MiB", 1048576)]
    [InlineData("1m", 1048576)] // Akka, as HOCON: m is a mebibyte in a size (a minute in a duration)
    [InlineData("10kB", 10_000)]
    [InlineData("1MB", 1_000_000)]
    [InlineData("2048B", 2048)]
    [InlineData("8 mebibytes", 8 * 1048576)]
    public void A_size_is_read_with_HOCONs_units_as_Akka_reads_them(string text, long expected) =>
        Assert.Equal(expected, Read($"EventActors.RingMaxBytes = {text}").RingMaxBytes);

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("on", true)]
    [InlineData("yes", true)]
    [InlineData("false", false)]
    [InlineData("OFF", false)]
    [InlineData("no", false)]
    public void A_boolean_is_any_of_HOCONs_spellings_without_regard_to_case(string text, bool expected) =>
        Assert.Equal(expected, Read($"EventActors.Demo = {text}").Demo);

    [Fact]
    public void A_name_is_read_without_regard_to_case() =>
        Assert.Equal((JournalKind.Postgres, Actors.Journal.SqliteSynchronousMode.Full),
            (Read("EventActors { Journal = postgres, PostgresConnectionString = \"Host=db\", JournalSynchronous = FULL }") is var options ? (options.Journal, options.JournalSynchronous) : default));

    [Fact]
    public void An_unknown_key_is_refused_and_every_unknown_key_is_named() =>
        Assert.Equal("Configuration EventActors:RingSzie, EventActors:Heartbeat are not settings; hocon/eventactors.conf lists every setting",
            Assert.Throws<ConfigurationException>(() => Read("EventActors { RingSzie = 1, Heartbeat = 1s }")).Message);

    [Fact]
    public void A_configuration_without_the_section_is_refused_naming_it() =>
        Assert.StartsWith("Configuration EventActors is missing",
            Assert.Throws<ConfigurationException>(() => ServerOptions.FromConfig(ConfigurationFactory.ParseString("akka.loglevel = INFO"))).Message);
}
