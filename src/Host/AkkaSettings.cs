namespace EventActors.Host;

/// <summary>Akka.NET's own settings for a node (to move into hocon/eventactors.conf's akka section).</summary>
internal static class AkkaSettings
{
    public const string Hocon = """
        akka {
          loglevel = INFO
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """;
}
