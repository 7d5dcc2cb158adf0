using System.Globalization;
using System.Text;
using EventActors.Host.Configuration;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>
/// Properties: no text makes the reader throw anything but <see cref="HoconParseException"/>
/// (or hang, or overflow the stack), and generated documents, written in varied styles, read
/// back to the keys and values they were generated from.
/// </summary>
public sealed class HoconPropertyTests
{
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(2_000);

    private static readonly string[] s_fragments =
    [
        "{", "}", "[", "]", "=", ":", ",", ".", "\n", "\r\n", " ", "\t", "\"", "\"\"\"", "\\", "\\u", "\\uZZ", "$", "${", "${?", "SET}",
        "UNSET}", "#", "//", "/", "include ", "include \"x\"", "include file(", "+=", "a", "b.c", "\"k.q\"", "15s", "1.5MiB", "-3d",
        "99999999999999999999999999999TiB", "null", "true", "1e9", "é", "\uD800", "\uFEFF", "\0", "@", "?",
    ];

    private static readonly char[] s_keyCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".ToCharArray();

    private static readonly (string Source, string Expected)[] s_quantities =
        [("15s", "00:00:15"), ("100ms", "00:00:00.1000000"), ("2m", "00:02:00"), ("1d", "1.00:00:00"), ("64KiB", "65536"), ("10kB", "10000"), ("1MB", "1000000")];

    private static Gen<string> Text { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<string>().Select(s => s ?? string.Empty),
        Gen.ArrayOf(Gen.Choose(0, 0xFFFF).Select(i => (char)i)).Select(chars => new string(chars)),
        Gen.ArrayOf(Gen.Elements(s_fragments)).Select(string.Concat));

    [Fact]
    public void Any_text_reads_or_fails_with_a_parse_exception_and_nothing_else() =>
        Check.One(s_config, Prop.ForAll(Text.ToArbitrary(), text =>
        {
            try
            {
                HoconReader.Parse(text, "fuzz.conf", environment: name => name == "SET" ? "value" : null);
            }
            catch (HoconParseException error)
            {
                Assert.True(error.Line >= 1 && error.Column >= 1, error.Message);
                Assert.StartsWith("fuzz.conf(", error.Message);
            }
        }));

    [Fact]
    public void Any_generated_document_reads_back_to_its_keys_and_values_in_any_style() =>
        Check.One(s_config, Prop.ForAll(Root.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (root, seed) =>
        {
            var text = new HoconWriter(new Random(seed)).Document(root);
            var expected = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            Flatten(root, "", expected);
            var actual = HoconReader.Parse(text, "generated.conf", environment: _ => null);
            Assert.True(
                expected.Count == actual.Count && expected.All(pair => actual.TryGetValue(pair.Key, out var value) && value == pair.Value),
                $"Text:\n{text}\nExpected:\n{string.Join("\n", expected)}\nActual:\n{string.Join("\n", actual)}");
        }));

    // The model of a document: what the text says and the configuration value it must become.
    private abstract record Node;

    private sealed record Scalar(string Source, string? Expected) : Node;

    private sealed record Obj(IReadOnlyList<(string Key, Node Value)> Fields) : Node;

    private sealed record Arr(IReadOnlyList<Node> Items) : Node;

    private static Gen<Obj> Root { get; } = Object(depth: 3);

    private static Gen<Node> Value(int depth) => depth == 0
        ? Scalars.Select(s => (Node)s)
        : Gen.Frequency(
            (4, Scalars.Select(s => (Node)s)),
            (1, Object(depth - 1).Select(o => (Node)o)),
            (1, Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Value(depth - 1), n)).Select(items => (Node)new Arr(items))));

    private static Gen<Obj> Object(int depth) =>
        from count in Gen.Choose(0, 4)
        from keys in Gen.ArrayOf(Key, count)
        let unique = keys.Distinct(StringComparer.OrdinalIgnoreCase).ToArray()
        from values in Gen.ArrayOf(Value(depth), unique.Length)
        select new Obj(unique.Zip(values).ToArray());

    private static Gen<string> Key { get; } =
        Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(Gen.Elements(s_keyCharacters), n)).Select(chars => new string(chars));

    private static Gen<Scalar> Scalars { get; } = Gen.OneOf(
        Text.Select(s => new Scalar(Quote(s), s)),
        Text.Where(s => !s.Contains("\"\"\"", StringComparison.Ordinal) && !s.EndsWith('"')).Select(s => new Scalar($"\"\"\"{s}\"\"\"", s)),
        Key.Where(k => k != "null" && !char.IsAsciiDigit(k[0]) && k[0] != '-').Select(k => new Scalar(k, k)),
        Gen.Choose(-1000, 1000).Select(i => new Scalar(i.ToString(CultureInfo.InvariantCulture), i.ToString(CultureInfo.InvariantCulture))),
        Gen.Elements(s_quantities).Select(q => new Scalar(q.Source, q.Expected)),
        Gen.Constant(new Scalar("null", null)));

    /// <summary>A JSON string literal; some characters escaped at random, controls and quotes always.</summary>
    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                _ when c < 0x20 || i % 7 == 3 => quoted.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    private static void Flatten(Node node, string path, Dictionary<string, string?> data)
    {
        string Child(string key) => path.Length == 0 ? key : path + ":" + key;
        switch (node)
        {
            case Scalar scalar:
                data[path] = scalar.Expected;
                break;
            case Obj obj:
                if (obj.Fields.Count == 0 && path.Length > 0)
                {
                    data[path] = null;
                }

                foreach (var (key, value) in obj.Fields)
                {
                    Flatten(value, Child(key), data);
                }

                break;
            case Arr arr:
                if (arr.Items.Count == 0)
                {
                    data[path] = null;
                }

                for (var i = 0; i < arr.Items.Count; i++)
                {
                    Flatten(arr.Items[i], Child(i.ToString(CultureInfo.InvariantCulture)), data);
                }

                break;
        }
    }

    /// <summary>Writes a model as HOCON, choosing at random among the equivalent ways to write each part.</summary>
    private sealed class HoconWriter(Random random)
    {
        private readonly StringBuilder _text = new();

        public string Document(Obj root)
        {
            var braces = random.Next(4) == 0;
            _text.Append(braces ? "{" : "").Append(Blank());
            Fields(root);
            _text.Append(braces ? "}" : "").Append(Blank());
            return _text.ToString();
        }

        private void Fields(Obj obj)
        {
            foreach (var (key, value) in obj.Fields)
            {
                Field(Key(key), value);
                _text.Append(Pick(",", "\n", " , \n", " # comment\n", " // comment\n", ",\n\n"));
            }
        }

        private void Field(string key, Node value)
        {
            _text.Append(key);
            if (value is Obj { Fields.Count: 1 } single && random.Next(2) == 0)
            {
                // A dotted path: a { b = 1 } written as a.b = 1.
                _text.Append('.');
                Field(Key(single.Fields[0].Key), single.Fields[0].Value);
                return;
            }

            _text.Append(value is Obj ? Pick(" ", "", " = ", ":") : Pick(" = ", "=", ": ", ":", " =\n  "));
            Value(value);
        }

        private void Value(Node node)
        {
            switch (node)
            {
                case Scalar scalar:
                    _text.Append(scalar.Source);
                    break;
                case Obj obj:
                    _text.Append('{').Append(Blank());
                    Fields(obj);
                    _text.Append('}');
                    break;
                case Arr arr:
                    _text.Append('[').Append(Blank());
                    foreach (var item in arr.Items)
                    {
                        Value(item);
                        _text.Append(Pick(",", "\n", ", ", " ,\n"));
                    }

                    _text.Append(']');
                    break;
            }
        }

        private string Key(string key) => random.Next(3) == 0 ? Quote(key) : key;

        private string Blank() => Pick("", " ", "\n", "\n# comment\n", "  // comment\n");

        private string Pick(params string[] choices) => choices[random.Next(choices.Length)];
    }
}
