using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;

namespace EventActors.Host.Configuration;

/// <summary>
/// Reads the node's configuration once at start-up, into one Akka <see cref="Config"/> and the
/// <see cref="ServerOptions"/> read from it. Later layers win:
/// appsettings*.json &lt; hocon/eventactors.conf &lt; the <c>--config</c> file &lt; environment
/// variables &lt; the command line &lt; the short forms <c>--data-dir</c>, <c>--journal</c>,
/// <c>--postgres</c>, <c>--akka-sql-provider</c>, <c>--akka-sql</c>, <c>--cluster-port</c>,
/// <c>--seed-nodes</c>, <c>--demo</c>.
/// </summary>
public static class NodeConfigurationLoader
{
    /// <summary>The shipped defaults, copied beside the host's assembly from the repository's hocon/.</summary>
    public static string ShippedConfigPath => Path.Combine(AppContext.BaseDirectory, "hocon", "eventactors.conf");

    /// <summary>
    /// Reads hocon/eventactors.conf and the file given by <c>--config PATH</c> (relative to the
    /// working directory) with Akka's HOCON parser; puts their merged <c>Logging</c> section into
    /// <paramref name="configuration"/> right after appsettings*.json, so that environment
    /// variables and the command line still override it; lays the <c>EventActors</c> keys of
    /// the environment, the command line (and any other source after appsettings*.json) and the
    /// short forms over the files; and reads <see cref="ServerOptions"/> from the result.
    /// </summary>
    /// <param name="configuration">The host's configuration; its <c>config</c>, <c>data-dir</c>, <c>journal</c> and <c>postgres</c> keys are read.</param>
    /// <param name="demo">The <c>--demo</c> switch, taken out of the arguments before the host was built.</param>
    /// <exception cref="FileNotFoundException">The <c>--config</c> file (or the shipped one) does not exist; the message names its full path.</exception>
    /// <exception cref="ConfigurationException">A file is not valid HOCON, or a key is unknown or has a bad value; the message names the file or the key.</exception>
    public static NodeConfiguration LoadEventActorsConfiguration(this ConfigurationManager configuration, bool demo)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var shipped = HoconFile.Read(ShippedConfigPath);
        var files = shipped;
        if (configuration["config"] is { Length: > 0 } userPath)
        {
            var fullPath = Path.GetFullPath(userPath);
            if (!File.Exists(fullPath))
            {
                throw new FileNotFoundException($"The configuration file given by --config does not exist: '{fullPath}'.", fullPath);
            }

            var user = HoconFile.Read(fullPath);
            RefuseUnknownSections(user, shipped, fullPath);
            files = user.WithFallback(shipped);
        }

        var loggingIndex = InsertionIndex(configuration.Sources);
        configuration.Sources.Insert(loggingIndex, new MemoryConfigurationSource { InitialData = Flatten(files, "Logging") });

        var hocon = ShortForms(configuration, demo)
            .WithFallback(Overrides(configuration, loggingIndex, shipped))
            .WithFallback(files);
        return new NodeConfiguration(hocon, ServerOptions.FromConfig(hocon));
    }

    /// <summary>
    /// A user file's top-level keys must be sections the shipped file has (EventActors, Logging,
    /// akka): anything else is a typo (<c>EventActor { }</c>) that would otherwise be ignored.
    /// </summary>
    private static void RefuseUnknownSections(Config user, Config shipped, string path)
    {
        var sections = shipped.Root.GetObject().Items.Keys;
        foreach (var key in user.Root.GetObject().Items.Keys.Where(key => !sections.Contains(key)))
        {
            var hint = sections.FirstOrDefault(section => section.Equals(key, StringComparison.OrdinalIgnoreCase)) is { } known
                ? $" (HOCON keys are case-sensitive: did you mean {known}?)"
                : "";
            throw new ConfigurationException(
                $"Configuration file {path}: '{key}' is not a section this host reads{hint}; the sections are {string.Join(", ", sections)}");
        }
    }

    /// <summary>The subtree at <paramref name="section"/> as configuration keys: <c>Logging:LogLevel:Microsoft.AspNetCore</c> = <c>Warning</c>.</summary>
    private static Dictionary<string, string?> Flatten(Config config, string section)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (config.GetValue(section) is { } value)
        {
            Flatten(value, section, data);
        }

        return data;
    }

    private static void Flatten(HoconValue value, string key, Dictionary<string, string?> data)
    {
        if (value.GetObject() is { } section)
        {
            foreach (var (name, child) in section.Items)
            {
                Flatten(child, $"{key}{ConfigurationPath.KeyDelimiter}{name}", data);
            }
        }
        else if (SettingsReader.IsList(value))
        {
            var elements = value.GetArray();
            for (var i = 0; i < elements.Count; i++)
            {
                Flatten(elements[i], $"{key}{ConfigurationPath.KeyDelimiter}{i}", data);
            }
        }
        else
        {
            data[key] = value.GetString();
        }
    }

    /// <summary>
    /// The <c>EventActors</c> keys of the configuration sources after <paramref name="index"/>
    /// (environment variables, the command line, user secrets), later ones winning, as a HOCON
    /// layer with the shipped file's spelling of each key: configuration keys ignore case, HOCON's
    /// do not. A key the shipped file does not have is refused, wherever it comes from.
    /// </summary>
    private static Config Overrides(ConfigurationManager configuration, int index, Config shipped)
    {
        // ConfigurationManager keeps one provider per source, in the sources' order.
        var providers = ((IConfigurationRoot)configuration).Providers.ToList();
        var shippedSection = shipped.GetValue(ServerOptions.Section).GetObject();
        // shipped spelling ("CorsAllowedOrigins:0", "Auth:SigningKey") -> the setting it belongs to, and the value
        var leaves = new Dictionary<string, (string Setting, string Value)>(StringComparer.Ordinal);
        for (var i = 0; i < providers.Count; i++)
        {
            if (i == index)
            {
                continue; // the Logging section just inserted
            }

            foreach (var (key, value) in Leaves(providers[i], ServerOptions.Section))
            {
                var (setting, path) = ShippedPath(shippedSection, key, value, Origin(providers[i], key));
                if (i > index)
                {
                    leaves[path] = (setting, value);
                }
            }
        }

        var root = new HoconObject();
        var section = Section(root, ServerOptions.Section);
        foreach (var group in leaves.GroupBy(leaf => leaf.Value.Setting))
        {
            Place(section, shippedSection, group.Key, group.Select(leaf => KeyValuePair.Create(leaf.Key, leaf.Value.Value)).ToList());
        }

        return ToConfig(root);
    }

    /// <summary>Every key under <paramref name="section"/> that has a value in <paramref name="provider"/>, with it.</summary>
    private static IEnumerable<(string Key, string Value)> Leaves(IConfigurationProvider provider, string section)
    {
        if (provider.TryGet(section, out var value) && value is not null)
        {
            yield return (section, value); // null (JSON's null, an empty JSON object) says nothing
        }

        foreach (var child in provider.GetChildKeys([], section).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            foreach (var leaf in Leaves(provider, ConfigurationPath.Combine(section, child)))
            {
                yield return leaf;
            }
        }
    }

    /// <summary>
    /// <paramref name="key"/> (<c>EventActors:ringsize</c>, <c>EventActors:CorsAllowedOrigins:0</c>)
    /// spelled as the shipped file spells it, below the section; or a <see cref="ConfigurationException"/>
    /// naming the key and where it came from when the shipped file has no such setting or it has another shape.
    /// </summary>
    private static (string Setting, string Path) ShippedPath(HoconObject shippedSection, string key, string value, string origin)
    {
        var segments = key.Split(ConfigurationPath.KeyDelimiter);
        ConfigurationException Refuse(string problem) => new($"Configuration {key} (from {origin}) {problem}");
        if (segments.Length == 1)
        {
            throw Refuse("is a section, not a setting; set its keys, such as EventActors:RingSize");
        }

        // Down through sub-sections (EventActors:Auth:SigningKey) to the setting, in the shipped spelling.
        var spelled = new List<string>();
        var level = shippedSection;
        for (var i = 1; ; i++)
        {
            var name = level.Items.Keys.FirstOrDefault(known => known.Equals(segments[i], StringComparison.OrdinalIgnoreCase))
                ?? throw Refuse("is not a setting; hocon/eventactors.conf lists every setting");
            spelled.Add(name);
            var shippedValue = level.Items[name];
            var setting = string.Join(ConfigurationPath.KeyDelimiter, [segments[0], .. spelled]);
            var isList = SettingsReader.IsList(shippedValue);
            if (!isList && shippedValue.IsObject())
            {
                if (i == segments.Length - 1)
                {
                    throw Refuse($"is a section, not a setting; set its keys, such as {setting}:{shippedValue.GetObject().Items.Keys.First()}");
                }

                level = shippedValue.GetObject();
                continue;
            }

            var relative = string.Join(ConfigurationPath.KeyDelimiter, spelled);
            var rest = segments.Length - 1 - i;
            return (isList, rest) switch
            {
                (false, 0) => (relative, relative),
                (true, 0) when value.Length == 0 => (relative, relative), // an empty value: the empty list
                (true, 1) when int.TryParse(segments[i + 1], CultureInfo.InvariantCulture, out var element) && element >= 0 => (relative, $"{relative}{ConfigurationPath.KeyDelimiter}{element}"),
                (true, _) => throw Refuse($"is a list: set its elements as {setting}:0, {setting}:1, ... (an empty value for {setting} is the empty list)"),
                (false, _) => throw Refuse($"is not a setting: {setting} is a single value"),
            };
        }
    }

    private static void Place(HoconObject section, HoconObject shippedSection, string setting, List<KeyValuePair<string, string>> leaves)
    {
        // Into the sub-sections the setting lives in, creating them in the override layer.
        var names = setting.Split(ConfigurationPath.KeyDelimiter);
        for (var i = 0; i < names.Length - 1; i++)
        {
            shippedSection = shippedSection.Items[names[i]].GetObject();
            section = section.Items.TryGetValue(names[i], out var existing) && existing.IsObject() ? existing.GetObject() : Section(section, names[i]);
        }

        var name = names[^1];
        var shippedValue = shippedSection.Items[name];
        var isList = SettingsReader.IsList(shippedValue);
        if (!isList)
        {
            section.GetOrCreateKey(name).NewValue(new HoconLiteral { Value = leaves.Single().Value });
            return;
        }

        // Configuration merges arrays element by element; the list they make replaces the
        // file's list whole, as HOCON replaces arrays.
        var list = new HoconArray();
        var elements = leaves
            .Where(leaf => leaf.Key != setting) // not "Name" alone (the empty list)
            .OrderBy(leaf => int.Parse(leaf.Key[(setting.Length + 1)..], CultureInfo.InvariantCulture));
        foreach (var element in elements)
        {
            var value = new HoconValue();
            value.AppendValue(new HoconLiteral { Value = element.Value });
            list.Add(value);
        }

        section.GetOrCreateKey(name).NewValue(list);
    }

    /// <summary>Where a configuration key came from, as the user wrote it there.</summary>
    private static string Origin(IConfigurationProvider provider, string key) => provider switch
    {
        EnvironmentVariablesConfigurationProvider => $"the environment variable {key.Replace(ConfigurationPath.KeyDelimiter, "__", StringComparison.Ordinal)}",
        CommandLineConfigurationProvider => $"the command line, --{key}",
        FileConfigurationProvider { Source.Path: { } path } => path,
        _ => provider.ToString() ?? provider.GetType().Name,
    };

    /// <summary>
    /// <c>--data-dir PATH</c>, <c>--journal sqlite|postgres|akka-sql</c>, <c>--postgres "&lt;connection string&gt;"</c>,
    /// <c>--akka-sql-provider NAME</c>, <c>--akka-sql "&lt;connection string&gt;"</c> and <c>--demo</c>, as the top layer: they win over every other source, as they always have.
    /// </summary>
    private static Config ShortForms(ConfigurationManager configuration, bool demo)
    {
        var root = new HoconObject();
        var section = Section(root, ServerOptions.Section);
        void Set(string key, string value) => section.GetOrCreateKey(key).NewValue(new HoconLiteral { Value = value });
        if (configuration["data-dir"] is { Length: > 0 } dataDir)
        {
            Set(nameof(ServerOptions.DataDir), dataDir);
        }

        if (configuration["journal"] is { Length: > 0 } journal)
        {
            // An unknown name stops the start, naming the choices as the option spells them.
            Set(nameof(ServerOptions.Journal), Enum.TryParse<JournalKind>(journal.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var kind)
                && Enum.IsDefined(kind) && !char.IsAsciiDigit(journal[0])
                ? kind.ToString()
                : throw new ConfigurationException($"--journal must be sqlite, postgres or akka-sql, not '{journal}'"));
        }

        if (configuration["postgres"] is { Length: > 0 } postgres)
        {
            Set(nameof(ServerOptions.PostgresConnectionString), postgres);
        }

        SetInSection(section, Storage.AkkaSqlOptions.Section,
            (nameof(Storage.AkkaSqlOptions.ProviderName), configuration["akka-sql-provider"]),
            (nameof(Storage.AkkaSqlOptions.ConnectionString), configuration["akka-sql"]));
        SetInSection(section, Cluster.NodeClusterOptions.Section,
            (nameof(Cluster.NodeClusterOptions.Port), configuration["cluster-port"]),
            (nameof(Cluster.NodeClusterOptions.SeedNodes), configuration["seed-nodes"]));

        if (demo)
        {
            Set(nameof(ServerOptions.Demo), "true");
        }

        return ToConfig(root);
    }

    /// <summary>The short forms given of one sub-section's settings (<c>AkkaSql</c>, <c>Cluster</c>), in it; none given, no section.</summary>
    private static void SetInSection(HoconObject parent, string sectionName, params (string Key, string? Value)[] settings)
    {
        var given = settings.Where(setting => setting.Value is { Length: > 0 }).ToList();
        if (given.Count == 0)
        {
            return;
        }

        var section = Section(parent, sectionName);
        foreach (var (key, value) in given)
        {
            section.GetOrCreateKey(key).NewValue(new HoconLiteral { Value = value });
        }
    }

    private static HoconObject Section(HoconObject parent, string key)
    {
        var value = parent.GetOrCreateKey(key);
        value.NewValue(new HoconObject());
        return value.GetObject();
    }

    private static Config ToConfig(HoconObject root)
    {
        var value = new HoconValue();
        value.NewValue(root);
        return new Config(new HoconRoot(value));
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
