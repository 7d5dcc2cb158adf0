using System.Collections;
using EventActors.Host.Configuration;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>hocon/eventactors.conf, as copied to the build output, holds every setting at its default.</summary>
public sealed class ShippedConfigTests
{
    private static readonly IDictionary<string, string?> s_shipped = HoconReader.ReadFile(HoconConfigurationExtensions.ShippedConfigPath);

    private static IConfiguration Shipped => new ConfigurationBuilder().AddInMemoryCollection(s_shipped).Build();

    private static IEnumerable<System.Reflection.PropertyInfo> Settings =>
        typeof(ServerOptions).GetProperties().Where(property => property.CanWrite);

    [Fact]
    public void The_shipped_file_binds_to_exactly_the_defaults_of_ServerOptions()
    {
        var bound = Shipped.GetSection(ServerOptions.Section).Get<ServerOptions>(binder => binder.ErrorOnUnknownConfiguration = true);
        Assert.NotNull(bound);
        var defaults = new ServerOptions();
        foreach (var property in Settings)
        {
            var (expected, actual) = (property.GetValue(defaults), property.GetValue(bound));
            if (expected is IEnumerable sequence and not string)
            {
                Assert.Equal(sequence.Cast<object>(), ((IEnumerable)actual!).Cast<object>());
            }
            else
            {
                Assert.True(Equals(expected, actual), $"{ServerOptions.Section}:{property.Name} is {actual} in the shipped file but {expected} in ServerOptions");
            }
        }

        bound.Validate();
    }

    [Fact]
    public void The_shipped_file_lists_every_setting_so_each_has_its_comment_there()
    {
        var missing = Settings
            .Select(property => $"{ServerOptions.Section}:{property.Name}")
            .Where(key => !s_shipped.Keys.Any(k => k.Equals(key, StringComparison.OrdinalIgnoreCase) || k.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase)))
            .ToArray();
        Assert.True(missing.Length == 0, "Missing from hocon/eventactors.conf: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_shipped_logging_defaults_equal_appsettings_json()
    {
        // tests/Host.Tests/bin/<Configuration>/net10.0 -> the repository
        var repository = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        var json = new ConfigurationBuilder().AddJsonFile(Path.Combine(repository, "src", "Host", "appsettings.json")).Build();
        Assert.Equal(Leaves(json.GetSection("Logging")), Leaves(Shipped.GetSection("Logging")));
    }

    [Fact]
    public void The_shipped_file_writes_durations_and_sizes_in_hocon_units_that_become_binder_text()
    {
        Assert.Equal("00:00:15", s_shipped["EventActors:HeartbeatInterval"]);
        Assert.Equal("65536", s_shipped["EventActors:MaxEventBytes"]);
        Assert.Equal("8388608", s_shipped["EventActors:RingMaxBytes"]);
    }

    private static string[] Leaves(IConfigurationSection section) =>
        section.AsEnumerable().Where(pair => pair.Value is not null).Select(pair => $"{pair.Key}={pair.Value}").Order(StringComparer.OrdinalIgnoreCase).ToArray();
}
