using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace EventActors.Bench.Load;

/// <summary>
/// A generator process's side of its line to the coordinating process: JSON messages out on
/// standard output (<c>{"name": {...}}</c>, one a line), commands in on standard input, one a
/// line. Progress stays on standard error, which the coordinator forwards. Standard input is
/// read from the start: when it ends, the coordinator is gone (it never closes it first), and
/// this process exits at once, whatever it was doing, rather than hold connections nobody counts.
/// </summary>
internal sealed class GeneratorChannel
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The exit code of a generator whose coordinator went away.</summary>
    private const int Orphaned = 3;

    private readonly StreamWriter _messages;
    private readonly Channel<string> _commands = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = true });

    private GeneratorChannel(StreamWriter messages) => _messages = messages;

    /// <summary>
    /// Takes standard output for messages and sends whatever else this process would write there
    /// to standard error, so that no stray line can be taken for a message.
    /// </summary>
    public static GeneratorChannel Open()
    {
        var channel = new GeneratorChannel(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true });
        Console.SetOut(Console.Error);
        _ = Task.Run(() => channel.ReadCommandsAsync(new StreamReader(Console.OpenStandardInput())));
        return channel;
    }

    public async Task SendAsync<T>(string name, T message) =>
        await _messages.WriteLineAsync(new JsonObject { [name] = JsonSerializer.SerializeToNode(message, Json) }.ToJsonString());

    public async Task WaitForAsync(string command)
    {
        await foreach (var line in _commands.Reader.ReadAllAsync())
        {
            if (line.Trim() == command)
            {
                return;
            }

            Console.Error.WriteLine($"  ignoring the command '{line}' while waiting for '{command}'");
        }
    }

    private async Task ReadCommandsAsync(StreamReader commands)
    {
        while (await commands.ReadLineAsync() is { } line)
        {
            _commands.Writer.TryWrite(line);
        }

        Console.Error.WriteLine("the coordinating process went away; exiting");
        Environment.Exit(Orphaned);
    }
}
