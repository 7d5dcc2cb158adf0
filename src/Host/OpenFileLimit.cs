namespace EventActors.Host;

/// <summary>The process's soft limit on open files (RLIMIT_NOFILE), where the OS tells it.</summary>
internal static class OpenFileLimit
{
    /// <summary>Reads "Max open files" from /proc/self/limits on Linux; null elsewhere or when unlimited.</summary>
    public static long? Read()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.TryParse(fields[0], System.Globalization.CultureInfo.InvariantCulture, out var soft) ? soft : null;
                }
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or no /proc: no limit is known, and Kestrel's default (none) applies.
        }

        return null;
    }
}
