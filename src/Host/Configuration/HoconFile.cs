using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace EventActors.Host.Configuration;

/// <summary>
/// Reads a HOCON file with Akka.NET's parser, resolving <c>include "file"</c> relative to the
/// including file. Akka's parser knows nothing of files, so this adds what a user needs from
/// them: a missing file, a missing include, an include cycle and a syntax error each name the file.
/// </summary>
public static partial class HoconFile
{
    /// <summary>Parses the file at <paramref name="path"/> (relative to the working directory) and every file it includes.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist; the message names its full path.</exception>
    /// <exception cref="ConfigurationException">The file, or one it includes, cannot be read; the message names that file.</exception>
    public static Config Read(string path) => new(Parse(Path.GetFullPath(path), includedBy: null, []));

    private static HoconRoot Parse(string path, string? includedBy, IReadOnlyList<string> chain)
    {
        if (!File.Exists(path))
        {
            throw includedBy is null
                ? new FileNotFoundException($"The configuration file '{path}' does not exist.", path)
                : new ConfigurationException($"Configuration file {includedBy}: the file it includes, '{path}', does not exist");
        }

        if (chain.Contains(path))
        {
            throw new ConfigurationException($"Configuration file {includedBy}: include cycle {string.Join(" -> ", [.. chain, path])}");
        }

        var text = File.ReadAllText(path);
        var directory = Path.GetDirectoryName(path)!;
        var includeFailed = false;
        HoconRoot root;
        try
        {
            root = Parser.Parse(text, included =>
            {
                try
                {
                    // The included file's substitutions were resolved against that file as it was
                    // parsed; handed back, Akka would re-resolve them under a path that is wrong at
                    // the root (".key").
                    return new HoconRoot(Parse(Path.GetFullPath(included, directory), path, [.. chain, path]).Value);
                }
                catch
                {
                    includeFailed = true; // that file's own error names it; not wrapped again here
                    throw;
                }
            });
        }
        catch (Exception e) when (!includeFailed)
        {
            throw new ConfigurationException($"Configuration file {path}{Position(text, e.Message)} is not valid HOCON: {e.Message.TrimEnd()}{Hint(text, e.Message)}", e);
        }

        // Akka's parser reads ${?NAME} as a substitution of the whole configuration, not an
        // error: a value that contains itself, which would overflow the stack when read.
        if (root.Substitutions.Any(substitution => string.IsNullOrEmpty(substitution.Path)))
        {
            throw new ConfigurationException($"Configuration file {path} is not valid HOCON here: {Hint(text, "")}".TrimEnd());
        }

        // Nor does it refuse a substitution that leads back to itself (a = ${a}"x", or a = ${b}
        // with b = ${a}): reading the value would overflow the stack and kill the process.
        if (root.Substitutions.FirstOrDefault(RefersToItself) is { } cycle)
        {
            throw new ConfigurationException(
                $"Configuration file {path}: the substitution ${{{cycle.Path}}} refers to itself, which Akka.NET's HOCON does not support; write the value out");
        }

        return root;
    }

    /// <summary>Whether <paramref name="substitution"/>'s value contains it, directly or through other substitutions.</summary>
    private static bool RefersToItself(HoconSubstitution substitution)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object?>([substitution.ResolvedValue]);
        while (pending.TryPop(out var next))
        {
            if (next is null || !seen.Add(next))
            {
                continue;
            }

            switch (next)
            {
                case HoconSubstitution found when ReferenceEquals(found, substitution):
                    return true;
                case HoconSubstitution other:
                    pending.Push(other.ResolvedValue);
                    break;
                case HoconValue value:
                    value.Values.ForEach(pending.Push);
                    break;
                case HoconObject section:
                    foreach (var child in section.Items.Values)
                    {
                        pending.Push(child);
                    }

                    break;
                case HoconArray array:
                    array.ForEach(pending.Push);
                    break;
            }
        }

        return false;
    }

    /// <summary><c>(line,column)</c> of Akka's "at position N" (an index into the text), or nothing when it gives none.</summary>
    private static string Position(string text, string message)
    {
        if (AtPosition().Match(message) is not { Success: true } match || !int.TryParse(match.Groups[1].Value, out var index) || index > text.Length)
        {
            return "";
        }

        var lineStart = text.LastIndexOf('\n', Math.Max(index - 1, 0)) + 1;
        var line = text.AsSpan(0, lineStart).Count('\n') + 1;
        return $"({line},{index - lineStart + 1})";
    }

    private static string Hint(string text, string message) =>
        text.Contains("${?", StringComparison.Ordinal)
            ? " ${?NAME} (an optional substitution) is not supported by Akka.NET's HOCON; set the value through the environment (EventActors__Name=value) instead"
            : message.StartsWith("Unresolved substitution", StringComparison.Ordinal)
                ? " (Akka.NET's HOCON substitutes keys of the same file, not environment variables; set the value through the environment, EventActors__Name=value, instead)"
                : "";

    [GeneratedRegex(@"at position (\d+)")]
    private static partial Regex AtPosition();
}
