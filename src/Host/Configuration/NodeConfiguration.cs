using Akka.Configuration;

namespace EventActors.Host.Configuration;

/// <summary>A node's configuration, read once at start-up by <see cref="NodeConfigurationLoader"/>.</summary>
public sealed class NodeConfiguration
{
    internal NodeConfiguration(Config hocon, ServerOptions options) => (Hocon, Options) = (hocon, options);

    /// <summary>
    /// The merged HOCON, later layers winning: hocon/eventactors.conf, the <c>--config</c> file,
    /// <c>EventActors</c> keys from the environment and the command line, then the short forms
    /// (<c>--data-dir</c>, <c>--journal</c>, <c>--postgres</c>, <c>--demo</c>). Its <c>akka</c>
    /// section is Akka.NET's own configuration, for Akka.Hosting's
    /// <c>AddHocon(Hocon, HoconAddMode.Prepend)</c>.
    /// </summary>
    public Config Hocon { get; }

    /// <summary>The <c>EventActors</c> section of <see cref="Hocon"/>, read and validated.</summary>
    public ServerOptions Options { get; }
}
