using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace EventActors.Host.Tests;

/// <summary>
/// The real host, as a separate process on a free loopback port, with its SQLite journal in a
/// temporary data directory. Killing it is a real SIGKILL; restarting it reopens the same data.
/// </summary>
/// <remarks>
/// With <c>EVENTACTORS_TEST_JOURNAL=postgres</c> (scripts/test.sh runs the host tests once
/// more that way) every host runs on the PostgreSQL journal of <c>EVENTACTORS_TEST_POSTGRES</c>
/// instead, in a schema named after its data directory: a restart on the same directory reopens
/// the same data, as with SQLite, and no two tests share a schema. With
/// <c>EVENTACTORS_TEST_JOURNAL=akka-sql</c> (and once more) every host runs on Akka.Persistence.Sql
/// over SQLite (<c>--journal akka-sql</c>), its database in the data directory.
/// </remarks>
public sealed partial class HostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _outputWaiters = [];

    private HostProcess(Process process, string dataDir, string[] extraArgs)
    {
        _process = process;
        DataDir = dataDir;
        ExtraArgs = extraArgs;
    }

    public string DataDir { get; }

    public string[] ExtraArgs { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public int ProcessId => _process.Id;

    /// <summary>Completes when a line of the host's output contains <paramref name="text"/> (at once if one already has); fails after <paramref name="timeout"/>, with the output.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _outputWaiters.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The host wrote no line containing '{text}' within {timeout}:\n{Output}");
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="dataDir">The journal's directory; the caller owns it (see <see cref="TempDirectory"/>).</param>
    /// <param name="extraArgs">More command-line arguments, e.g. <c>--EventActors:RetentionMaxEvents=10</c>.</param>
    public static Task<HostProcess> StartAsync(string dataDir, params string[] extraArgs) => StartOnPortAsync(dataDir, 0, extraArgs);

    /// <summary>
    /// Starts on a given loopback port (0: any free one). A restart on the same port is what a
    /// browser's EventSource, which reconnects to the same URL, needs.
    /// </summary>
    public static Task<HostProcess> StartOnPortAsync(string dataDir, int port, params string[] extraArgs) =>
        LaunchAsync([], "127.0.0.1", port, dataDir, extraArgs);

    /// <summary>Starts inside <paramref name="network"/>'s namespace, its HTTP on the node's service address there.</summary>
    public static Task<HostProcess> StartInAsync(IsolatedNetwork network, string dataDir, params string[] extraArgs) =>
        LaunchAsync(network.Launcher, network.NodeServiceAddress, 0, dataDir, extraArgs);

    private static async Task<HostProcess> LaunchAsync(string[] launcher, string address, int port, string dataDir, string[] extraArgs)
    {
        var command = launcher.Append("dotnet").ToArray();
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1).Append(HostAssemblyPath())
                     .Concat(["--urls", $"http://{address}:{port}", "--data-dir", dataDir]).Concat(JournalArguments(dataDir)).Concat(extraArgs))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment["Logging__Console__FormatterName"] = "simple";

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var host = new HostProcess(process, dataDir, extraArgs);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) => host.Record(line.Data, listening);
        process.ErrorDataReceived += (_, line) => host.Record(line.Data, listening);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ =>
            listening.TrySetException(new InvalidOperationException($"The host exited with {process.ExitCode}:\n{host.Output}")), TaskScheduler.Default);

        try
        {
            host.BaseAddress = await listening.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The host did not start listening within {StartTimeout}:\n{host.Output}");
        }

        host.Client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        return host;
    }

    private void Record(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            _outputWaiters.RemoveAll(waiter => line.Contains(waiter.Text, StringComparison.Ordinal) && waiter.Seen.TrySetResult());
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    /// <summary>The journal the tests run the host on: SQLite (nothing to add), PostgreSQL or Akka.Persistence.Sql (see the remarks on the class).</summary>
    public static bool OnPostgres => Environment.GetEnvironmentVariable("EVENTACTORS_TEST_JOURNAL") is "postgres";

    public static bool OnAkkaSql => Environment.GetEnvironmentVariable("EVENTACTORS_TEST_JOURNAL") is "akka-sql";

    private static string[] JournalArguments(string dataDir)
    {
        if (OnAkkaSql)
        {
            return ["--journal", "akka-sql"];
        }

        if (!OnPostgres)
        {
            return [];
        }

        var connectionString = Environment.GetEnvironmentVariable("EVENTACTORS_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("EVENTACTORS_TEST_JOURNAL=postgres needs EVENTACTORS_TEST_POSTGRES (scripts/test.sh sets both)");
        var schema = "host_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(dataDir)))[..16];
        return ["--journal", "postgres", "--postgres", connectionString, "--EventActors:PostgresSchema=" + schema];
    }

    /// <summary>A loopback port free right now (the OS picks it; released for the host to take).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Now listening on: (http://[0-9.]+:\d+)")]
    private static partial Regex ListeningLine();

    internal static string HostAssemblyPath()
    {
        // tests/Host.Tests/bin/<Configuration>/net10.0 -> src/Host/bin/<Configuration>/net10.0
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var repository = here.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(repository, "src", "Host", "bin", configuration, framework, "EventActors.Host.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the solution first: the host is not at " + path);
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, the way an orchestrator stops a process; waits for it to exit.</summary>
    public async Task<int> StopGracefullyAsync()
    {
        if (SendSignal(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException("kill(SIGTERM) failed");
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    /// <summary>SIGSTOP: the process stands still (a long GC pause, a frozen VM), its sockets open.</summary>
    public void Pause()
    {
        if (SendSignal(_process.Id, 19) != 0)
        {
            throw new InvalidOperationException("kill(SIGSTOP) failed");
        }
    }

    /// <summary>SIGCONT: a paused process runs on.</summary>
    public void Continue()
    {
        if (SendSignal(_process.Id, 18) != 0)
        {
            throw new InvalidOperationException("kill(SIGCONT) failed");
        }
    }

    /// <summary>Waits for the process to exit by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>The server's resident memory, from /proc.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>A temporary directory, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("eventactors-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp directory.
        }
    }
}
