namespace EventActors.Host.Configuration;

/// <summary>
/// A HOCON file that cannot be read: bad syntax, an unset required substitution, a missing
/// include. The message names the file, the line and column (both from 1), and what was expected,
/// so a start-up that fails on it tells the operator where to look.
/// </summary>
public sealed class HoconParseException : FormatException
{
    public HoconParseException(string sourceName, int line, int column, string problem)
        : base($"{sourceName}({line},{column}): {problem}")
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The file's full path, or the name given to text read from memory.</summary>
    public string SourceName { get; }

    public int Line { get; }

    public int Column { get; }

    /// <summary>The message without the position, e.g. <c>expected '=', ':' or '{' after the key 'a', found '%'</c>.</summary>
    public string Problem { get; }
}
