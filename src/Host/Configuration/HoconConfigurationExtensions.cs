using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace EventActors.Host.Configuration;

public static class HoconConfigurationExtensions
{
    /// <summary>The shipped defaults, copied beside the host's assembly from the repository's hocon/.</summary>
    public static string ShippedConfigPath => Path.Combine(AppContext.BaseDirectory, "hocon", "eventactors.conf");

    /// <summary>
    /// Inserts <c>hocon/eventactors.conf</c> (the shipped defaults) and then the user's file
    /// (<c>--config PATH</c>, relative to the working directory) right after the appsettings JSON
    /// files, so that, later winning: appsettings*.json &lt; eventactors.conf &lt; the user's file
    /// &lt; user secrets &lt; environment variables &lt; the command line.
    /// </summary>
    /// <param name="userConfigPath">The user's HOCON file, or null for none.</param>
    /// <exception cref="FileNotFoundException">Either file is missing; the message names the path.</exception>
    /// <exception cref="HoconParseException">Either file is not valid; the message names the file, line and column.</exception>
    public static ConfigurationManager AddEventActorsHocon(this ConfigurationManager configuration, string? userConfigPath)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var files = new List<string> { ShippedConfigPath };
        if (userConfigPath is not null)
        {
            var fullPath = Path.GetFullPath(userConfigPath);
            if (!File.Exists(fullPath))
            {
                throw new FileNotFoundException($"The configuration file given by --config does not exist: '{fullPath}'.", fullPath);
            }

            files.Add(fullPath);
        }

        var index = InsertionIndex(configuration.Sources);
        foreach (var file in files)
        {
            // Each insert loads the new source at once, so a bad file fails here, at start-up.
            configuration.Sources.Insert(index++, new HoconConfigurationSource(file));
        }

        return configuration;
    }

    /// <summary>
    /// After the last appsettings*.json source; with none, before the first environment
    /// variables source without a prefix (the host's DOTNET_/ASPNETCORE_ ones come earlier and
    /// only hold host settings); with neither, at the end.
    /// </summary>
    private static int InsertionIndex(IList<IConfigurationSource> sources)
    {
        for (var i = sources.Count - 1; i >= 0; i--)
        {
            if (sources[i] is JsonConfigurationSource { Path: { } path } && Path.GetFileName(path).StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                return i + 1;
            }
        }

        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                return i;
            }
        }

        return sources.Count;
    }
}
