using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventActors.Bench.Load;

/// <summary>A generator process failed: it exited, went silent or said something unexpected.</summary>
internal sealed class GeneratorProcessException(string message) : Exception(message);

/// <summary>
/// The coordinating process's side of one generator process: this program again, with the same
/// arguments and <c>--worker-index I</c>. Its standard error is forwarded line by line, prefixed
/// with its index; its standard output carries the messages of <see cref="GeneratorChannel"/>.
/// Disposing kills it if it is still running, so no generator outlives a failed run.
/// </summary>
internal sealed class GeneratorProcess : IAsyncDisposable
{
    /// <summary>How long a generator that closed its output may take to exit, so its exit code can be reported.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly Task _forwarding;

    private GeneratorProcess(int index, Process process)
    {
        Index = index;
        _process = process;
        _forwarding = ForwardAsync(process.StandardError, $"  [{index}] ");
    }

    public int Index { get; }

    public int Pid => _process.Id;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static GeneratorProcess Start(int index, IEnumerable<string> extraArguments)
    {
        var (executable, arguments) = ProgramCommandLine.Current();
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new GeneratorProcessException($"generator process {index} did not start ({executable})");
        return new GeneratorProcess(index, process);
    }

    /// <summary>Reads the next message, which must be <paramref name="name"/>, within <paramref name="within"/>.</summary>
    public async Task<T> ReadAsync<T>(string name, TimeSpan within)
    {
        string? line;
        try
        {
            // WaitAsync rather than a cancelled read: whether a pipe read can be cancelled
            // depends on the platform, and on a timeout this process is killed anyway.
            line = await _process.StandardOutput.ReadLineAsync().WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new GeneratorProcessException($"{this} reported no '{name}' within {within.TotalSeconds:N0} s");
        }

        if (line is null)
        {
            var exited = await WaitForExitAsync(ExitGrace);
            throw new GeneratorProcessException(exited
                ? $"{this} exited with code {_process.ExitCode} before it reported '{name}' (its standard error is above)"
                : $"{this} closed its standard output before it reported '{name}'");
        }

        try
        {
            if (JsonNode.Parse(line) is JsonObject message && message[name] is { } body && body.Deserialize<T>(GeneratorChannel.Json) is { } value)
            {
                return value;
            }
        }
        catch (JsonException)
        {
            // reported below
        }

        throw new GeneratorProcessException($"{this} wrote '{line}' where '{name}' was expected");
    }

    public async Task SendAsync(string command)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
        }
        catch (IOException)
        {
            throw new GeneratorProcessException($"{this} is gone: '{command}' could not be sent");
        }
    }

    /// <summary>Waits for the process to exit and its standard error to be forwarded to the end; false if it is still running.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            await _forwarding.WaitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public override string ToString() => $"generator process {Index} (pid {Pid})";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Console.Error.WriteLine($"  stopping {this}");
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it exited in between
            }
        }

        await WaitForExitAsync(ExitGrace);
        _process.Dispose();
    }

    private static async Task ForwardAsync(StreamReader from, string prefix)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            Console.Error.WriteLine(prefix + line);
        }
    }
}
