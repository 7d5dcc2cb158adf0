using Akka.Configuration;
using EventActors.Host.Configuration;

namespace EventActors.Host.Limits;

/// <summary>
/// The <c>EventActors.Limits</c> section: how much one client may ask of a node. The defaults,
/// with what each guards, are written once, in <c>hocon/eventactors.conf</c>; a rate or count of
/// 0 turns that limit off.
/// </summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>Publish requests per second per client (token subject, else IP), refilled into a bucket of <see cref="PublishBurst"/>; 0: off.</summary>
    public required int PublishesPerSecond { get; init; }

    /// <summary>Publish requests a client may make at once before <see cref="PublishesPerSecond"/> applies.</summary>
    public required int PublishBurst { get; init; }

    /// <summary>Streams one client (token subject, else IP) may hold open at once; 0: off.</summary>
    public required int OpenStreams { get; init; }

    /// <summary>New connections per second per client IP, with a burst of one second's worth; 0: off.</summary>
    public required int NewConnectionsPerSecond { get; init; }

    /// <summary>How long a client may take to send a request's headers, from its first byte or the connection's start.</summary>
    public required TimeSpan RequestHeadersTimeout { get; init; }

    /// <summary>How long an idle keep-alive connection stays open between requests.</summary>
    public required TimeSpan KeepAliveTimeout { get; init; }

    public bool LimitsPublishes => PublishesPerSecond > 0;

    public bool LimitsStreams => OpenStreams > 0;

    public bool LimitsNewConnections => NewConnectionsPerSecond > 0;

    internal static LimitOptions Read(SettingsReader settings)
    {
        var limits = new LimitOptions
        {
            PublishesPerSecond = settings.Int(nameof(PublishesPerSecond)),
            PublishBurst = settings.Int(nameof(PublishBurst)),
            OpenStreams = settings.Int(nameof(OpenStreams)),
            NewConnectionsPerSecond = settings.Int(nameof(NewConnectionsPerSecond)),
            RequestHeadersTimeout = settings.Duration(nameof(RequestHeadersTimeout)),
            KeepAliveTimeout = settings.Duration(nameof(KeepAliveTimeout)),
        };
        settings.RefuseUnread();
        limits.Validate();
        return limits;
    }

    /// <exception cref="ConfigurationException">A value is out of range; the message names its key.</exception>
    public void Validate()
    {
        Require(PublishesPerSecond is >= 0 and <= 1_000_000, nameof(PublishesPerSecond), "must be 0 (off) to 1,000,000");
        Require(PublishBurst is >= 1 and <= 1_000_000, nameof(PublishBurst), "must be 1 to 1,000,000");
        Require(OpenStreams is >= 0 and <= 1_000_000, nameof(OpenStreams), "must be 0 (off) to 1,000,000");
        Require(NewConnectionsPerSecond is >= 0 and <= 1_000_000, nameof(NewConnectionsPerSecond), "must be 0 (off) to 1,000,000");
        Require(RequestHeadersTimeout >= TimeSpan.FromSeconds(1) && RequestHeadersTimeout <= TimeSpan.FromMinutes(10), nameof(RequestHeadersTimeout), "must be 1 s to 10 min");
        Require(KeepAliveTimeout >= TimeSpan.FromSeconds(1) && KeepAliveTimeout <= TimeSpan.FromDays(1), nameof(KeepAliveTimeout), "must be 1 s to 1 d");
    }

    private static void Require(bool condition, string key, string rule)
    {
        if (!condition)
        {
            throw new ConfigurationException($"Configuration {ServerOptions.Section}:{Section}:{key} {rule}");
        }
    }
}
