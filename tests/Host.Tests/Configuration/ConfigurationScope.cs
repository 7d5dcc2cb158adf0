using EventActors.Host.Configuration;
using Microsoft.AspNetCore.Builder;

namespace EventActors.Host.Tests.Configuration;

/// <summary>
/// A real <see cref="WebApplication.CreateBuilder(WebApplicationOptions)"/> over a temporary
/// content root, as the host makes it, and process environment variables that are cleared
/// again on dispose (use it in the <see cref="ProcessEnvironmentCollection"/>).
/// </summary>
public sealed class ConfigurationScope : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<string> _variables = [];

    /// <summary>The content root, where appsettings*.json are read from; files written here too.</summary>
    public string Directory => _directory.Path;

    /// <summary>Writes a file under <see cref="Directory"/> and returns its full path.</summary>
    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(_directory.Path, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void SetEnvironmentVariable(string name, string value)
    {
        _variables.Add(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>A builder as Program.cs makes one, with <paramref name="args"/> as its command line.</summary>
    public WebApplicationBuilder Builder(params string[] args) => WebApplication.CreateBuilder(new WebApplicationOptions
    {
        Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"],
        ContentRootPath = _directory.Path,
        EnvironmentName = "Production",
    });

    /// <summary>What Program.cs does: a builder, then <see cref="NodeConfigurationLoader.LoadEventActorsConfiguration"/>.</summary>
    public (WebApplicationBuilder Builder, NodeConfiguration Configuration) Load(params string[] args) => Load(demo: false, args);

    public (WebApplicationBuilder Builder, NodeConfiguration Configuration) Load(bool demo, params string[] args)
    {
        var builder = Builder(args);
        return (builder, builder.Configuration.LoadEventActorsConfiguration(demo));
    }

    public void Dispose()
    {
        foreach (var name in _variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        _directory.Dispose();
    }
}
