using System.Diagnostics;

namespace EventActors.Host.Tests;

/// <summary>
/// A network namespace for one node, linked to this one by a veth pair, so that a test can cut
/// that node off from the rest of its cluster for real. The link carries two small networks: the
/// cluster's (the node's remoting address and the others'), which <see cref="PartitionAsync"/>
/// cuts, and the services' (its HTTP, its database connections), which stays up, as when the
/// link between two racks fails and the clients and the database on each side still answer.
/// </summary>
/// <remarks>
/// The cut is a blackhole route to the other side's cluster address on each side: a packet
/// either way is dropped, open connections stall and new ones are refused, with no reset sent.
/// Needs root (<c>ip netns</c>, <c>ip link</c>); scripts/test.sh runs as root and installs
/// iproute2 when missing. The addresses are from 198.18.0.0/15, set aside for testing.
/// </remarks>
public sealed class IsolatedNetwork : IAsyncDisposable
{
    private readonly string _hostLink;

    private IsolatedNetwork(int id)
    {
        Name = $"eatest{id}";
        _hostLink = $"eah{id}";
        // Eight addresses of 198.18.0.0/15 per id: two /30 networks.
        var (second, third, fourth) = (18 + id / 8192, id / 32 % 256, id % 32 * 8);
        string At(int offset) => $"198.{second}.{third}.{fourth + offset}";
        HostClusterAddress = At(1);
        NodeClusterAddress = At(2);
        HostServiceAddress = At(5);
        NodeServiceAddress = At(6);
    }

    /// <summary>The namespace; a process started with <see cref="Launcher"/> runs in it.</summary>
    public string Name { get; }

    /// <summary>This side's cluster address: the nodes outside the namespace bind their remoting here.</summary>
    public string HostClusterAddress { get; }

    /// <summary>The isolated node's remoting address.</summary>
    public string NodeClusterAddress { get; }

    /// <summary>This side's service address: the database listens here too, for the isolated node.</summary>
    public string HostServiceAddress { get; }

    /// <summary>The isolated node's HTTP address.</summary>
    public string NodeServiceAddress { get; }

    /// <summary>The command prefix that runs a program inside the namespace.</summary>
    public string[] Launcher => ["ip", "netns", "exec", Name];

    public static async Task<IsolatedNetwork> CreateAsync()
    {
        // Names and addresses of its own: several test runs may share the machine.
        var network = new IsolatedNetwork(Random.Shared.Next(0, 16384));
        var nodeLink = network._hostLink + "n";
        try
        {
            await Ip("netns", "add", network.Name);
            await Ip("link", "add", network._hostLink, "type", "veth", "peer", "name", nodeLink);
            await Ip("link", "set", nodeLink, "netns", network.Name);
            await Ip("addr", "add", network.HostClusterAddress + "/30", "dev", network._hostLink);
            await Ip("addr", "add", network.HostServiceAddress + "/30", "dev", network._hostLink);
            await Ip("link", "set", network._hostLink, "up");
            await Ip("-n", network.Name, "addr", "add", network.NodeClusterAddress + "/30", "dev", nodeLink);
            await Ip("-n", network.Name, "addr", "add", network.NodeServiceAddress + "/30", "dev", nodeLink);
            await Ip("-n", network.Name, "link", "set", nodeLink, "up");
            await Ip("-n", network.Name, "link", "set", "lo", "up");
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Cuts the cluster's network: from here on no packet crosses between the two cluster addresses.</summary>
    public async Task PartitionAsync()
    {
        await Ip("route", "add", "blackhole", NodeClusterAddress + "/32");
        await Ip("-n", Name, "route", "add", "blackhole", HostClusterAddress + "/32");
    }

    /// <summary>Mends the cut.</summary>
    public async Task HealAsync()
    {
        await Ip("route", "del", "blackhole", NodeClusterAddress + "/32");
        await Ip("-n", Name, "route", "del", "blackhole", HostClusterAddress + "/32");
    }

    public async ValueTask DisposeAsync()
    {
        // Deleting one end of a veth pair deletes both; the routes go with their links.
        await Ip(ignoreFailure: true, "link", "del", _hostLink);
        await Ip(ignoreFailure: true, "netns", "del", Name);
    }

    private static Task Ip(params string[] arguments) => Ip(ignoreFailure: false, arguments);

    private static async Task Ip(bool ignoreFailure, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("ip did not start");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException("This test needs iproute2's 'ip' (scripts/test.sh installs it): " + error.Message, error);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0 && !ignoreFailure)
            {
                throw new InvalidOperationException(
                    $"ip {string.Join(' ', arguments)} failed ({process.ExitCode}): {(await errors).Trim()}. This test needs root, to make a network namespace and a veth pair.");
            }
        }
    }
}
