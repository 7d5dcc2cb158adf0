using System.Reflection;
using System.Text.RegularExpressions;
using Akka.Configuration;
using EventActors.Host.Configuration;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>
/// hocon/eventactors.conf, as copied to the build output, is where every default is written:
/// one key per setting of <see cref="ServerOptions"/>, each read, and together valid.
/// </summary>
public sealed class ShippedConfigTests
{
    private static readonly Config s_shipped = HoconFile.Read(NodeConfigurationLoader.ShippedConfigPath);

    private static string[] Settings =>
        [.. typeof(ServerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.CanWrite).Select(property => property.Name).Order(StringComparer.Ordinal)];

    private static string[] ShippedKeys => [.. s_shipped.GetValue(ServerOptions.Section).GetObject().Items.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void The_shipped_file_has_exactly_one_key_for_each_setting_of_ServerOptions()
    {
        Assert.Equal(Settings, ShippedKeys);
        Assert.All(ShippedKeys.GroupBy(key => key, StringComparer.OrdinalIgnoreCase), group => Assert.Single(group));
    }

    public static TheoryData<string> Keys => [.. ShippedKeys];

    [Theory]
    [MemberData(nameof(Keys))]
    public void Every_key_of_the_shipped_file_is_read_so_without_it_the_start_stops_naming_it(string key)
    {
        // Null hides the shipped value: FromConfig must read the key and has no default of its own.
        var withoutKey = ConfigurationFactory.ParseString($"{ServerOptions.Section}.{key} = null").WithFallback(s_shipped);
        var error = Assert.Throws<ConfigurationException>(() => ServerOptions.FromConfig(withoutKey));
        Assert.StartsWith($"Configuration {ServerOptions.Section}:{key} ", error.Message);
    }

    [Fact]
    public void The_shipped_file_alone_reads_into_valid_settings()
    {
        var options = ServerOptions.FromConfig(s_shipped);
        options.Validate();
    }

    [Fact]
    public void The_shipped_file_configures_akka_in_its_own_section() =>
        Assert.Equal("INFO", s_shipped.GetString("akka.loglevel"));

    [Fact]
    public void The_settings_table_of_the_docs_shows_every_default_as_the_shipped_file_writes_it()
    {
        // | `EventActors:RingSize` | `1024` | ... or | `--journal` / `EventActors:Journal` | `Sqlite` | ...
        // or, in a nested section, | `EventActors:Limits:OpenStreams` | `0` | ...
        var rows = File.ReadLines(Path.Combine(Repository, "docs", "configuration.md"))
            .Select(line => Regex.Match(line, @"^\| (?:`--[a-z-]+` / )?`EventActors:([\w:]+)` \| `([^`]*)`"))
            .Where(match => match.Success)
            .ToDictionary(match => match.Groups[1].Value, match => match.Groups[2].Value);
        // Sub-sections (Auth { SigningKey = ... }) as their settings' paths: Auth:SigningKey.
        static IEnumerable<KeyValuePair<string, Akka.Configuration.Hocon.HoconValue>> Settings(Akka.Configuration.Hocon.HoconObject section, string prefix) =>
            section.Items.SelectMany(pair => pair.Value.IsObject() && !pair.Value.Values.OfType<Akka.Configuration.Hocon.HoconArray>().Any()
                ? Settings(pair.Value.GetObject(), $"{prefix}{pair.Key}:")
                : [KeyValuePair.Create(prefix + pair.Key, pair.Value)]);
        var section = s_shipped.GetValue(ServerOptions.Section).GetObject();
        var shipped = Settings(section, "").ToDictionary(pair => pair.Key, pair => pair.Value.Values.OfType<Akka.Configuration.Hocon.HoconArray>().Any()
            ? $"[{string.Join(", ", pair.Value.GetStringList())}]"
            : pair.Value.GetString() is { Length: > 0 } text ? text : "\"\"");
        Assert.Equal(shipped.OrderBy(pair => pair.Key), rows.OrderBy(pair => pair.Key));
    }

    [Fact]
    public void The_shipped_logging_defaults_equal_appsettings_json()
    {
        var json = new ConfigurationBuilder().AddJsonFile(Path.Combine(Repository, "src", "Host", "appsettings.json")).Build();
        var levels = s_shipped.GetValue("Logging.LogLevel").GetObject().Items.Select(pair => $"Logging:LogLevel:{pair.Key}={pair.Value.GetString()}");
        Assert.Equal(Leaves(json.GetSection("Logging")), levels.Order(StringComparer.OrdinalIgnoreCase).ToArray());
    }

    // tests/Host.Tests/bin/<Configuration>/net10.0 -> the repository
    private static string Repository => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    private static string[] Leaves(IConfigurationSection section) =>
        section.AsEnumerable().Where(pair => pair.Value is not null).Select(pair => $"{pair.Key}={pair.Value}").Order(StringComparer.OrdinalIgnoreCase).ToArray();
}
