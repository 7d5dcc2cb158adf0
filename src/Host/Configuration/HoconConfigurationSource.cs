namespace EventActors.Host.Configuration;

/// <summary>A HOCON file as a configuration source. The file must exist: it is read when the source is added.</summary>
public sealed class HoconConfigurationSource(string path) : IConfigurationSource
{
    /// <summary>The file's full path.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconConfigurationProvider(this);
}

/// <summary>Loads a <see cref="HoconConfigurationSource"/>'s file once; it does not watch for changes.</summary>
internal sealed class HoconConfigurationProvider(HoconConfigurationSource source) : ConfigurationProvider
{
    public override void Load() => Data = HoconReader.ReadFile(source.Path);

    public override string ToString() => $"{nameof(HoconConfigurationProvider)} for '{source.Path}'";
}
