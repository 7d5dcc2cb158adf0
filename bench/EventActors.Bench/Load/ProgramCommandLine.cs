using System.Reflection;

namespace EventActors.Bench.Load;

/// <summary>How this program was started, so it can start more of itself as generator processes.</summary>
internal static class ProgramCommandLine
{
    /// <summary>
    /// The executable (the <c>dotnet</c> muxer, or the apphost) and the arguments after it. On
    /// Linux, argv exactly as the kernel has it: with <c>dotnet x.dll</c> that includes the entry
    /// assembly and any host options (<c>dotnet exec --runtimeconfig …</c>), which the runtime's
    /// own view of the arguments drops.
    /// </summary>
    public static (string Executable, IReadOnlyList<string> Arguments) Current()
    {
        var executable = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process's executable is unknown");
        try
        {
            var argv = File.ReadAllText("/proc/self/cmdline").Split('\0');
            var count = argv.Length > 0 && argv[^1].Length == 0 ? argv.Length - 1 : argv.Length; // NUL-terminated, so a last empty entry
            if (count > 0)
            {
                return (executable, argv[1..count]);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // not Linux: the runtime's view below
        }

        // The program's arguments; when run by the muxer, the entry assembly goes first.
        var arguments = Environment.GetCommandLineArgs()[1..];
        var byMuxer = Path.GetFileNameWithoutExtension(executable).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return byMuxer && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry
            ? (executable, [entry, .. arguments])
            : (executable, arguments);
    }
}
