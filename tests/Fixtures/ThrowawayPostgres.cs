using System.Diagnostics;

namespace EventActors.Fixtures;

/// <summary>
/// A PostgreSQL server of a test's own, for tests that stop and restart the database under a
/// journal: a fresh cluster in a temp directory (<c>scripts/postgres.sh</c>), on a loopback port
/// that stays the same across <see cref="StopAsync"/> and <see cref="ResumeAsync"/>.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _directory;

    private ThrowawayPostgres(string directory, string connectionString)
    {
        _directory = directory;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <param name="alsoListenOn">An address to listen on besides loopback (a test network's link), whose network's clients are trusted too.</param>
    public static async Task<ThrowawayPostgres> StartAsync(string? alsoListenOn = null)
    {
        var directory = Directory.CreateTempSubdirectory("eventactors-pg-").FullName;
        try
        {
            var connectionString = await Script("start", directory, alsoListenOn is null ? [] : [alsoListenOn]);
            return new ThrowawayPostgres(directory, connectionString);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Stops the server (fast shutdown: open connections are cut, as in a restart).</summary>
    public Task StopAsync() => Script("stop", _directory);

    /// <summary>Starts the stopped server again with its data, on the same port.</summary>
    public Task ResumeAsync() => Script("resume", _directory);

    public async ValueTask DisposeAsync()
    {
        await Script("stop", _directory);
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Runs <c>scripts/postgres.sh ACTION DIR</c>; returns its last line (the connection string for start and resume).</summary>
    private static async Task<string> Script(string action, string directory, params string[] more)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(RepositoryRoot(), "scripts", "postgres.sh"), action, directory }.Concat(more))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/postgres.sh {action} failed ({process.ExitCode}): {await errors}");
        }

        return (await output).Trim().Split('\n')[^1];
    }

    /// <summary>The repository holding these tests: the first directory above the test binaries with EventActors.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EventActors.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No EventActors.sln above {AppContext.BaseDirectory}");
    }
}
