using System.Text;

namespace EventActors.Host.Configuration;

/// <summary>
/// A recursive-descent reader of the HOCON subset documented in docs/configuration.md, from text
/// to a tree of <see cref="HoconNode"/>s. Every way out of it other than a result is a
/// <see cref="HoconParseException"/> naming the position; every loop consumes input or ends.
/// </summary>
internal sealed partial class HoconParser
{
    /// <summary>
    /// Deepest nesting of objects, arrays and key path segments (100). Guards the stack: the
    /// parser, the merge and the flattening recurse, and a stack overflow cannot be caught.
    /// </summary>
    public const int MaxDepth = 100;

    /// <summary>Deepest chain of includes (16). Guards against a chain that never ends.</summary>
    public const int MaxIncludeDepth = 16;

    /// <summary>
    /// Largest file, in characters (1 Mi). Guards memory, and a read of a device such as
    /// /dev/zero that would never end.
    /// </summary>
    public const int MaxFileChars = 1024 * 1024;

    // Spec: "forbidden characters" of unquoted strings; '.' also ends an unquoted key segment.
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    private readonly string _text;
    private readonly string _sourceName;
    private readonly string? _directory;
    private readonly Context _context;
    private int _pos;
    private int _depth;

    private HoconParser(string text, string sourceName, string? directory, Context context, int depth)
    {
        _text = text;
        _sourceName = sourceName;
        _directory = directory;
        _context = context;
        _depth = depth;
    }

    /// <summary>The environment for substitutions and the files being included, outermost first.</summary>
    public sealed class Context(Func<string, string?> environment)
    {
        public Func<string, string?> Environment { get; } = environment;

        public List<string> IncludeChain { get; } = [];
    }

    /// <param name="directory">Where <c>include</c> paths are relative to; null when the text has no file (an include is then an error).</param>
    public static HoconObject ParseDocument(string text, string sourceName, string? directory, Context context, int depth = 0) =>
        new HoconParser(text, sourceName, directory, context, depth).Document();

    /// <summary>A file's text, refusing one larger than <see cref="MaxFileChars"/>.</summary>
    public static string ReadFileText(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[MaxFileChars + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = reader.ReadBlock(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }

        return length > MaxFileChars
            ? throw new IOException($"'{path}' is larger than {MaxFileChars} characters")
            : new string(buffer, 0, length);
    }

    private HoconObject Document()
    {
        var root = new HoconObject();
        SkipBlank();
        if (Peek() == '[')
        {
            throw Fail(_pos, "the root of a HOCON file must be an object, found '['");
        }

        if (Peek() == '{')
        {
            ObjectBody(root, opening: _pos++);
            SkipBlank();
            if (!AtEnd)
            {
                throw Fail(_pos, $"expected the end of the file after the root object's '}}', found {Describe(_pos)}");
            }
        }
        else
        {
            ObjectBody(root, opening: null);
        }

        return root;
    }

    /// <summary>Fields up to the '}' matching <paramref name="opening"/>, or to the end of the file when it is null.</summary>
    private void ObjectBody(HoconObject target, int? opening)
    {
        Enter(opening ?? _pos);
        while (true)
        {
            SkipBlank();
            if (AtEnd)
            {
                if (opening is { } open)
                {
                    throw Fail(_pos, $"expected '}}' to close the object opened at {Where(open)}, found the end of the file");
                }

                break;
            }

            if (opening is not null && Peek() == '}')
            {
                _pos++;
                break;
            }

            Member(target);
            SkipInlineSpaceAndComment();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (!AtEnd && Peek() != '\n' && !(opening is not null && Peek() == '}'))
            {
                throw Fail(_pos, $"expected a line break, ',' or {(opening is null ? "the end of the file" : "'}'")} after a field's value, found {Describe(_pos)}{QuoteHint(_pos)}");
            }
        }

        _depth--;
    }

    private void Member(HoconObject target)
    {
        if (IncludeDirective())
        {
            Include(target);
            return;
        }

        var keyStart = _pos;
        var path = KeyPath();
        SkipInlineSpace();
        HoconNode? value;
        _depth += path.Count;
        if (_depth > MaxDepth)
        {
            throw Fail(keyStart, $"keys and values nested more than {MaxDepth} deep");
        }

        if (Peek() == '{')
        {
            value = Value();
        }
        else if (Peek() is '=' or ':')
        {
            _pos++;
            SkipBlank();
            value = Value();
        }
        else if (Peek() == '+' && Peek(1) == '=')
        {
            throw Fail(_pos, "'+=' is not supported; write the whole array");
        }
        else
        {
            throw Fail(_pos, $"expected '=', ':' or '{{' after the key '{string.Join('.', path)}', found {Describe(_pos)}{QuoteHint(_pos)}");
        }

        _depth -= path.Count;
        if (value is null)
        {
            return; // Spec: an undefined ${?VAR} as a field's whole value leaves the field out.
        }

        for (var i = path.Count - 1; i > 0; i--)
        {
            var wrapper = new HoconObject();
            wrapper.Set(path[i], value);
            value = wrapper;
        }

        target.Set(path[0], value);
    }

    /// <summary>Key segments: unquoted runs (no whitespace, no '.') or quoted strings, joined by '.'.</summary>
    private List<string> KeyPath()
    {
        var segments = new List<string>();
        while (true)
        {
            var start = _pos;
            string segment;
            if (Peek() == '"')
            {
                if (Peek(1) == '"' && Peek(2) == '"')
                {
                    throw Fail(_pos, "a key cannot be a triple-quoted string");
                }

                segment = QuotedString();
            }
            else if (IsUnquotedStart(_pos) && Peek() != '.')
            {
                while (IsUnquotedStart(_pos) && Peek() != '.')
                {
                    _pos++;
                }

                segment = _text[start.._pos];
            }
            else
            {
                throw Fail(_pos, $"expected a key, found {Describe(_pos)}{QuoteHint(_pos)}");
            }

            if (segment.Length == 0)
            {
                throw Fail(start, "a key must not be empty");
            }

            segments.Add(segment);
            if (Peek() != '.')
            {
                return segments;
            }

            _pos++;
        }
    }

    /// <summary>An object, an array, or a concatenation; null for an undefined <c>${?VAR}</c> alone.</summary>
    private HoconNode? Value()
    {
        switch (Peek())
        {
            case '{':
                var value = new HoconObject();
                ObjectBody(value, opening: _pos++);
                return value;
            case '[':
                return Array();
            default:
                return Concatenation();
        }
    }

    private HoconArray Array()
    {
        var opening = _pos++;
        Enter(opening);
        var items = new List<HoconNode>();
        while (true)
        {
            SkipBlank();
            if (AtEnd)
            {
                throw Fail(_pos, $"expected ']' to close the array opened at {Where(opening)}, found the end of the file");
            }

            if (Peek() == ']')
            {
                _pos++;
                break;
            }

            if (Peek() == ',')
            {
                throw Fail(_pos, "expected a value or ']', found ','");
            }

            if (Value() is { } item)
            {
                items.Add(item); // Spec: an undefined ${?VAR} as an element is left out.
            }

            SkipInlineSpaceAndComment();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (!AtEnd && Peek() != '\n' && Peek() != ']')
            {
                throw Fail(_pos, $"expected a line break, ',' or ']' after an array element, found {Describe(_pos)}{QuoteHint(_pos)}");
            }
        }

        _depth--;
        return new HoconArray(items);
    }

    private void Enter(int position)
    {
        if (++_depth > MaxDepth)
        {
            throw Fail(position, $"keys and values nested more than {MaxDepth} deep");
        }
    }
}
