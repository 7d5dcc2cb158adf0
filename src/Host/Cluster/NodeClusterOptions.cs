using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using EventActors.Host.Configuration;

namespace EventActors.Host.Cluster;

/// <summary>
/// The <c>EventActors.Cluster</c> section: where this node listens for the other nodes, and whom
/// it asks to join. With no seed nodes the node is a cluster of one (it joins itself).
/// </summary>
public sealed class NodeClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>The actor system's name, part of every node's address: the same on every node.</summary>
    public const string SystemName = "eventactors";

    /// <summary>The host name or IP the other nodes reach this one at (Akka.Remote's hostname).</summary>
    public required string Hostname { get; init; }

    /// <summary>The remoting port (<c>--cluster-port</c>); 0 takes any free port, which only a cluster of one can use.</summary>
    public required int Port { get; init; }

    /// <summary>The seed nodes, <c>host:port</c> each (<c>--seed-nodes</c>); empty: a cluster of one.</summary>
    public required IReadOnlyList<DnsEndPoint> SeedNodes { get; init; }

    /// <summary>Shards the topics are split into: the same on every node, about ten per node at most.</summary>
    public required int Shards { get; init; }

    public bool IsClusterOfOne => SeedNodes.Count == 0;

    /// <summary>The seed nodes as Akka addresses (<c>akka.tcp://eventactors@host:port</c>).</summary>
    public string[] SeedAddresses => SeedNodes.Select(seed => $"akka.tcp://{SystemName}@{FormatHost(seed.Host)}:{seed.Port}").ToArray();

    internal static NodeClusterOptions Read(SettingsReader settings)
    {
        var seeds = settings.String(nameof(SeedNodes));
        var options = new NodeClusterOptions
        {
            Hostname = settings.String(nameof(Hostname)),
            Port = settings.Int(nameof(Port)),
            SeedNodes = ParseSeedNodes(seeds),
            Shards = settings.Int(nameof(Shards)),
        };
        settings.RefuseUnread();
        return options;
    }

    /// <summary>A comma-separated list of <c>host:port</c> (<c>[::1]:4051</c> for an IPv6 address); blanks around commas ignored.</summary>
    /// <exception cref="ConfigurationException">An entry is not <c>host:port</c> with a port from 1 to 65535; the message names the setting and the entry.</exception>
    public static IReadOnlyList<DnsEndPoint> ParseSeedNodes(string text)
    {
        var seeds = new List<DnsEndPoint>();
        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.LastIndexOf(':');
            var host = colon > 0 ? entry[..colon] : "";
            if (host.StartsWith('[') && host.EndsWith(']'))
            {
                host = host[1..^1];
            }

            var port = 0;
            Require(colon > 0 && IsHost(host) &&
                    int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535,
                nameof(SeedNodes), $"must be a comma-separated list of host:port (127.0.0.1:4051,127.0.0.1:4052), not '{entry}' in '{text}'");
            seeds.Add(new DnsEndPoint(host, port));
        }

        return seeds;
    }

    /// <exception cref="ConfigurationException">A value is out of range; the message names its key.</exception>
    public void Validate()
    {
        Require(IsHost(Hostname), nameof(Hostname),
            $"must be a host name or IP address the other nodes can reach, not '{Hostname}'");
        Require(Port is >= 0 and <= 65535, nameof(Port), "must be 0 (any free port: a cluster of one) to 65535");
        Require(Port != 0 || IsClusterOfOne, nameof(Port),
            "must be set (--cluster-port 4051) when seed nodes are: the other nodes reach this one there");
        Require(Shards is >= 1 and <= 10_000, nameof(Shards), "must be 1 to 10,000");
    }

    /// <summary>
    /// Binds the remoting port for a moment, so that a port in use stops the start with a message
    /// naming the setting (Akka.Remote's own failure names neither). Port 0 is always free.
    /// </summary>
    /// <exception cref="ConfigurationException">The port cannot be bound on <see cref="Hostname"/>.</exception>
    public void RefuseUnusablePort()
    {
        if (Port == 0)
        {
            return;
        }

        try
        {
            var address = IPAddress.TryParse(Hostname, out var ip) ? ip : Dns.GetHostAddresses(Hostname).First();
            using var listener = new TcpListener(address, Port);
            listener.Start();
        }
        catch (Exception error) when (error is SocketException or InvalidOperationException)
        {
            throw new ConfigurationException(
                $"Configuration {ServerOptions.Section}:{Section}:{nameof(Port)} {Port} cannot be used on {Hostname}: {error.Message}. " +
                "Another process (another node?) holds it: choose another with --cluster-port.");
        }
    }

    /// <summary>An IP address or a DNS host name: what Akka's address can hold.</summary>
    private static bool IsHost(string host) => IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) == UriHostNameType.Dns;

    private static string FormatHost(string host) => host.Contains(':') ? $"[{host}]" : host;

    private static void Require(bool condition, string key, string rule)
    {
        if (!condition)
        {
            throw new ConfigurationException($"Configuration {ServerOptions.Section}:{Section}:{key} {rule}");
        }
    }
}
