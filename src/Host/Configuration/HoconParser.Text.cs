using System.Globalization;
using System.Text;

namespace EventActors.Host.Configuration;

/// <summary>Strings, substitutions, includes, whitespace and comments, and error positions.</summary>
internal sealed partial class HoconParser
{
    private bool AtEnd => _pos >= _text.Length;

    /// <summary>
    /// Spec: "value concatenation": simple values on one line (quoted, triple-quoted, unquoted,
    /// substitutions) joined with the whitespace between them kept; whitespace before and after
    /// the whole value is not part of it. Only an all-unquoted value can be <c>null</c>, a duration
    /// or a size; anything quoted or substituted is taken as written.
    /// </summary>
    private HoconScalar? Concatenation()
    {
        var start = _pos;
        var text = new StringBuilder();
        var pendingSpace = "";
        var pieces = 0;
        var undefinedPieces = 0;
        var allUnquoted = true;
        while (true)
        {
            string piece;
            if (Peek() == '"')
            {
                piece = Peek(1) == '"' && Peek(2) == '"' ? TripleQuotedString() : QuotedString();
                allUnquoted = false;
            }
            else if (Peek() == '$')
            {
                var value = Substitution();
                undefinedPieces += value is null ? 1 : 0;
                piece = value ?? "";
                allUnquoted = false;
            }
            else if (IsUnquotedStart(_pos))
            {
                var pieceStart = _pos;
                while (IsUnquotedStart(_pos))
                {
                    _pos++;
                }

                piece = _text[pieceStart.._pos];
            }
            else
            {
                break;
            }

            text.Append(pieces++ > 0 ? pendingSpace : "").Append(piece);
            var spaceStart = _pos;
            SkipInlineSpace();
            pendingSpace = _text[spaceStart.._pos];
        }

        if (pieces == 0)
        {
            throw Fail(_pos, $"expected a value, found {Describe(_pos)}{QuoteHint(_pos)}");
        }

        if (pieces == 1 && undefinedPieces == 1)
        {
            return null;
        }

        var result = text.ToString();
        if (!allUnquoted)
        {
            return new HoconScalar(result);
        }

        if (result == "null")
        {
            return new HoconScalar(null);
        }

        var converted = HoconUnits.TryConvert(result, out var error);
        return error is null ? new HoconScalar(converted ?? result) : throw Fail(start, error);
    }

    /// <summary>Spec: a JSON string: one line, with JSON's escapes.</summary>
    private string QuotedString()
    {
        var start = _pos++;
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() == '\n')
            {
                throw Fail(start, $"expected '\"' to end the string that starts here, found {Describe(_pos)} (use \"\"\" for a string of several lines)");
            }

            var c = _text[_pos++];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            var escape = Peek();
            _pos++;
            switch (escape)
            {
                case '"' or '\\' or '/': text.Append(escape); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'u' when _pos + 4 <= _text.Length && ushort.TryParse(_text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    text.Append((char)code);
                    _pos += 4;
                    break;
                case 'u':
                    throw Fail(_pos, "expected four hex digits after '\\u'");
                default:
                    throw Fail(_pos - 2, $"expected one of the JSON escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, found '\\' then {Describe(_pos - 1)}");
            }
        }
    }

    /// <summary>Spec: between <c>"""</c> and <c>"""</c>, as written: no escapes, line breaks kept; quotes just before the closing ones belong to the string.</summary>
    private string TripleQuotedString()
    {
        var start = _pos;
        _pos += 3;
        var end = _text.IndexOf("\"\"\"", _pos, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Fail(start, "expected '\"\"\"' to end the multi-line string that starts here, found the end of the file");
        }

        while (end + 3 < _text.Length && _text[end + 3] == '"')
        {
            end++;
        }

        var text = _text[_pos..end];
        _pos = end + 3;
        return text;
    }

    /// <summary>
    /// <c>${VAR}</c> (required) or <c>${?VAR}</c> (optional): the value of an environment variable,
    /// or null for an optional one that is not set. Unlike HOCON, the name never refers to
    /// another key of the file.
    /// </summary>
    private string? Substitution()
    {
        var start = _pos;
        if (Peek(1) != '{')
        {
            throw Fail(_pos, "expected '{' after '$' (quote a string that contains '$')");
        }

        _pos += 2;
        var optional = Peek() == '?';
        _pos += optional ? 1 : 0;
        var nameStart = _pos;
        while (!AtEnd && (char.IsAsciiLetterOrDigit(Peek()) || Peek() is '_' or '.' or '-'))
        {
            _pos++;
        }

        var name = _text[nameStart.._pos];
        if (name.Length == 0)
        {
            throw Fail(_pos, $"expected an environment variable's name (letters, digits, '_', '.', '-'), found {Describe(_pos)}");
        }

        if (Peek() != '}')
        {
            throw Fail(_pos, $"expected '}}' to end the substitution of '{name}', found {Describe(_pos)}");
        }

        _pos++;
        var value = _context.Environment(name);
        return value is null && !optional
            ? throw Fail(start, $"the environment variable '{name}' is not set (write ${{?{name}}} to make it optional)")
            : value;
    }

    /// <summary>
    /// Spec: the unquoted word <c>include</c>, whitespace, then a quoted file name. HOCON's other
    /// forms (<c>file(...)</c>, <c>required(...)</c>, ...) are refused by name; anything else
    /// after <c>include</c> (<c>include = 1</c>) makes it an ordinary key.
    /// </summary>
    private bool IncludeDirective()
    {
        const string Keyword = "include";
        var start = _pos;
        if (!_text.AsSpan(_pos).StartsWith(Keyword, StringComparison.Ordinal)
            || _pos + Keyword.Length >= _text.Length
            || !IsInlineSpace(_text[_pos + Keyword.Length]))
        {
            return false;
        }

        _pos += Keyword.Length;
        SkipInlineSpace();
        if (Peek() == '"')
        {
            return true;
        }

        var word = _pos;
        while (char.IsAsciiLetter(Peek()))
        {
            _pos++;
        }

        if (_pos > word && Peek() == '(')
        {
            throw Fail(word, $"expected a quoted file name after 'include', found '{_text[word.._pos]}(' (only include \"file\" is supported)");
        }

        _pos = start;
        return false;
    }

    /// <summary>
    /// <c>include "path"</c>: the file's fields merge into the object that holds the include, as
    /// if written there. Relative paths are relative to the including file. Unlike HOCON, a
    /// missing file is an error: a typo must not silently drop settings.
    /// </summary>
    private void Include(HoconObject target)
    {
        var start = _pos;
        var name = QuotedString();
        if (_directory is null)
        {
            throw Fail(start, "include needs a file to be relative to, and this text was not read from a file");
        }

        string path;
        try
        {
            path = Path.GetFullPath(name, _directory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Fail(start, $"'{name}' is not a file path: {e.Message}");
        }

        var chain = _context.IncludeChain;
        if (chain.Contains(path, StringComparer.Ordinal))
        {
            throw Fail(start, $"include cycle: {string.Join(" -> ", chain.SkipWhile(p => p != path))} -> {path}");
        }

        if (chain.Count >= MaxIncludeDepth)
        {
            throw Fail(start, $"includes nested more than {MaxIncludeDepth} deep");
        }

        string text;
        try
        {
            text = ReadFileText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Fail(start, $"the included file '{path}' does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(start, $"the included file '{path}' cannot be read: {e.Message}");
        }

        chain.Add(path);
        target.MergeFrom(ParseDocument(text, path, Path.GetDirectoryName(path), _context, _depth));
        chain.RemoveAt(chain.Count - 1);
    }

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private static bool IsInlineSpace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');

    private bool IsCommentStart(int at) =>
        at < _text.Length && (_text[at] == '#' || (_text[at] == '/' && at + 1 < _text.Length && _text[at + 1] == '/'));

    /// <summary>A character of an unquoted string here: not whitespace, not forbidden, not the start of a // comment.</summary>
    private bool IsUnquotedStart(int at) =>
        at < _text.Length && !IsInlineSpace(_text[at]) && _text[at] != '\n' && !Forbidden.Contains(_text[at]) && !IsCommentStart(at);

    private void SkipInlineSpace()
    {
        while (!AtEnd && IsInlineSpace(Peek()))
        {
            _pos++;
        }
    }

    private void SkipInlineSpaceAndComment()
    {
        SkipInlineSpace();
        if (IsCommentStart(_pos))
        {
            var end = _text.IndexOf('\n', _pos);
            _pos = end < 0 ? _text.Length : end;
        }
    }

    /// <summary>Whitespace, line breaks and comments.</summary>
    private void SkipBlank()
    {
        while (true)
        {
            SkipInlineSpaceAndComment();
            if (Peek() != '\n' || AtEnd)
            {
                return;
            }

            _pos++;
        }
    }

    private HoconParseException Fail(int at, string problem)
    {
        var (line, column) = LineAndColumn(at);
        return new HoconParseException(_sourceName, line, column, problem);
    }

    private string Where(int at)
    {
        var (line, column) = LineAndColumn(at);
        return $"line {line}, column {column}";
    }

    private (int Line, int Column) LineAndColumn(int at)
    {
        at = Math.Clamp(at, 0, _text.Length);
        var lineStart = at == 0 ? 0 : _text.LastIndexOf('\n', at - 1) + 1;
        return (_text.AsSpan(0, at).Count('\n') + 1, at - lineStart + 1);
    }

    private string Describe(int at)
    {
        if (at >= _text.Length)
        {
            return "the end of the file";
        }

        var c = _text[at];
        return c switch
        {
            '\n' => "a line break",
            _ when char.IsControl(c) || char.IsSurrogate(c) || char.IsWhiteSpace(c) || c == '\uFEFF' => $"U+{(int)c:X4}",
            _ => $"'{c}'",
        };
    }

    private string QuoteHint(int at) =>
        at < _text.Length && Forbidden.Contains(_text[at]) && _text[at] is not ('"' or '{' or '}' or '[' or ']' or ',')
            ? " (quote a string that contains it)"
            : "";
}
