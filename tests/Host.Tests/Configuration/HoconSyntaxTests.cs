using EventActors.Host.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>What each supported piece of HOCON becomes in configuration's flat keys.</summary>
public sealed class HoconSyntaxTests
{
    private static IDictionary<string, string?> Read(string text) => HoconReader.Parse(text, "test.conf", environment: _ => null);

    private static string? Value(string text, string key) => Read(text).TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"'{key}' is not in: {string.Join(", ", Read(text).Keys)}");

    [Theory]
    [InlineData("a = 1")]
    [InlineData("a : 1")]
    [InlineData("a=1")]
    [InlineData("a:1")]
    [InlineData("{ a = 1 }")]
    [InlineData("\n\n  a = 1  \n\n")]
    [InlineData("\uFEFFa = 1")]
    [InlineData("a = 1\r\n")]
    public void A_field_reads_with_either_separator_and_any_surrounding_whitespace(string text) =>
        Assert.Equal(new Dictionary<string, string?> { ["a"] = "1" }, Read(text));

    [Fact]
    public void Nested_objects_become_colon_separated_keys()
    {
        var data = Read("EventActors { RingSize = 1024, Inner: { Deep = x } }");
        Assert.Equal("1024", data["EventActors:RingSize"]);
        Assert.Equal("x", data["EventActors:Inner:Deep"]);
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void A_dotted_path_is_the_same_as_nested_objects() =>
        Assert.Equal(Read("a { b { c = 1 } }"), Read("a.b.c = 1"));

    [Fact]
    public void Objects_for_the_same_key_merge_and_later_scalars_win()
    {
        var data = Read("""
            a { x = 1, y = 2 }
            a { y = 3, z = 4 }
            a.w = 5
            a.x = 6
            """);
        Assert.Equal(new Dictionary<string, string?> { ["a:x"] = "6", ["a:y"] = "3", ["a:z"] = "4", ["a:w"] = "5" }, data);
    }

    [Fact]
    public void A_scalar_replaces_an_earlier_object_and_an_object_replaces_an_earlier_scalar()
    {
        Assert.Equal(new Dictionary<string, string?> { ["a"] = "1" }, Read("a { b = 1 }\na = 1"));
        Assert.Equal(new Dictionary<string, string?> { ["a:b"] = "1" }, Read("a = 1\na { b = 1 }"));
    }

    [Fact]
    public void Keys_merge_without_regard_to_case_as_configuration_keys_compare()
    {
        var data = Read("EventActors.RingSize = 1\neventactors.ringsize = 2\nEVENTACTORS { Other = 3 }");
        Assert.Equal(2, data.Count);
        Assert.Equal("2", data["EventActors:RingSize"]);
        Assert.Equal("3", data["eventactors:other"]);
    }

    [Fact]
    public void A_quoted_key_keeps_its_dots_as_part_of_one_key() =>
        Assert.Equal("Warning", Value("Logging.LogLevel.\"Microsoft.AspNetCore\" = Warning", "Logging:LogLevel:Microsoft.AspNetCore"));

    [Fact]
    public void An_object_needs_no_separator_before_its_brace_and_fields_may_be_separated_by_commas_or_line_breaks()
    {
        var data = Read("a { b = 1, c = 2,\n d = 3\n e = 4, }");
        Assert.Equal(["1", "2", "3", "4"], new[] { "b", "c", "d", "e" }.Select(k => data["a:" + k]));
    }

    [Fact]
    public void Comments_start_with_a_hash_or_two_slashes_and_run_to_the_end_of_the_line()
    {
        var data = Read("""
            # a comment
            // another
            a = 1 # after a value
            b = 2 // after a value
            c = "# not a comment" // but this is
            d = x/y
            e { # after a brace
              f = 3
            }
            """);
        Assert.Equal(new Dictionary<string, string?> { ["a"] = "1", ["b"] = "2", ["c"] = "# not a comment", ["d"] = "x/y", ["e:f"] = "3" }, data);
    }

    [Theory]
    [InlineData("""a = "plain" """, "plain")]
    [InlineData("""a = "" """, "")]
    [InlineData("""a = "quote \" backslash \\ slash \/" """, "quote \" backslash \\ slash /")]
    [InlineData("""a = "\b\f\n\r\t" """, "\b\f\n\r\t")]
    [InlineData("""a = "\u00e9\u20AC\uD83D\uDE00" """, "é€😀")]
    [InlineData("""a = "  spaces kept  " """, "  spaces kept  ")]
    [InlineData("""a = "15s" """, "15s")]
    [InlineData("""a = "64KiB" """, "64KiB")]
    [InlineData("""a = "null" """, "null")]
    [InlineData("""a = "http://localhost:5080" """, "http://localhost:5080")]
    public void A_quoted_string_has_json_escapes_and_is_taken_as_written(string text, string expected) =>
        Assert.Equal(expected, Value(text, "a"));

    [Fact]
    public void A_triple_quoted_string_spans_lines_without_escapes()
    {
        var text = "a = \"\"\"line one\n  \"quoted\" \\n not an escape\nline three\"\"\"\nb = 2";
        var data = Read(text);
        Assert.Equal("line one\n  \"quoted\" \\n not an escape\nline three", data["a"]);
        Assert.Equal("2", data["b"]);
    }

    [Fact]
    public void Quotes_just_before_the_closing_triple_quote_belong_to_the_string() =>
        Assert.Equal("say \"hi\"", Value("a = \"\"\"say \"hi\"\"\"\"", "a"));

    [Theory]
    [InlineData("a = hello", "hello")]
    [InlineData("a = hello world", "hello world")]
    [InlineData("a = hello   world  ", "hello   world")]
    [InlineData("a = ./data/dir", "./data/dir")]
    [InlineData("a = Information", "Information")]
    [InlineData("a = 1.5", "1.5")]
    [InlineData("a = -42", "-42")]
    [InlineData("a = 1e3", "1e3")]
    [InlineData("a = true", "true")]
    [InlineData("a = false", "false")]
    [InlineData("a = yes", "yes")]
    [InlineData("a = \"quoted\" and unquoted", "quoted and unquoted")]
    [InlineData("a = foo\"bar\"", "foobar")]
    public void Unquoted_text_numbers_and_booleans_are_read_as_written_with_inner_whitespace_kept(string text, string expected) =>
        Assert.Equal(expected, Value(text, "a"));

    [Fact]
    public void Null_is_a_key_with_a_null_value_that_replaces_an_earlier_one()
    {
        var data = Read("a = 1\na = null\nb = \"null\"");
        Assert.True(data.ContainsKey("a"));
        Assert.Null(data["a"]);
        Assert.Equal("null", data["b"]);
    }

    [Theory]
    [InlineData("15s", "00:00:15")]
    [InlineData("100ms", "00:00:00.1000000")]
    [InlineData("2m", "00:02:00")]
    [InlineData("1h", "01:00:00")]
    [InlineData("1d", "1.00:00:00")]
    [InlineData("0s", "00:00:00")]
    [InlineData("1.5s", "00:00:01.5000000")]
    [InlineData("-5s", "-00:00:05")]
    [InlineData("250us", "00:00:00.0002500")]
    [InlineData("1500ns", "00:00:00.0000015")]
    [InlineData("10 seconds", "00:00:10")]
    [InlineData("1 minute", "00:01:00")]
    [InlineData("3 days", "3.00:00:00")]
    public void An_unquoted_duration_becomes_timespan_text(string duration, string expected)
    {
        var text = Value("a = " + duration, "a");
        Assert.Equal(expected, text);
        Assert.Equal(TimeSpan.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Parse(text!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("64KiB", "65536")]
    [InlineData("1MiB", "1048576")]
    [InlineData("8MiB", "8388608")]
    [InlineData("1GiB", "1073741824")]
    [InlineData("2TiB", "2199023255552")]
    [InlineData("10kB", "10000")]
    [InlineData("1MB", "1000000")]
    [InlineData("3GB", "3000000000")]
    [InlineData("512B", "512")]
    [InlineData("1.5KiB", "1536")]
    [InlineData("2 mebibytes", "2097152")]
    public void An_unquoted_size_becomes_a_byte_count(string size, string expected) =>
        Assert.Equal(expected, Value("a = " + size, "a"));

    [Theory]
    [InlineData("15 s later")]
    [InlineData("15x")]
    [InlineData("15S")]
    [InlineData("10KB")]
    [InlineData("1M")]
    [InlineData("s15")]
    public void Text_that_is_not_exactly_a_number_and_a_known_unit_stays_as_written(string text) =>
        Assert.Equal(text, Value("a = " + text, "a"));

    [Fact]
    public void Array_elements_become_numbered_keys()
    {
        var data = Read("""
            a = [1, two, "three", 4s]
            b = [
              { name = x }
              { name = y },
            ]
            c = [[1, 2], [3]]
            """);
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["a:0"] = "1", ["a:1"] = "two", ["a:2"] = "three", ["a:3"] = "00:00:04",
                ["b:0:name"] = "x", ["b:1:name"] = "y",
                ["c:0:0"] = "1", ["c:0:1"] = "2", ["c:1:0"] = "3",
            },
            data);
    }

    [Fact]
    public void A_later_array_replaces_an_earlier_one_instead_of_merging() =>
        Assert.Equal(new Dictionary<string, string?> { ["a:0"] = "3" }, Read("a = [1, 2]\na = [3]"));

    [Fact]
    public void An_empty_object_or_array_is_a_key_with_a_null_value_as_in_the_json_provider()
    {
        var data = Read("a = []\nb {}");
        Assert.Equal(new Dictionary<string, string?> { ["a"] = null, ["b"] = null }, data);
    }

    [Fact]
    public void An_empty_document_or_one_of_only_comments_has_no_keys()
    {
        Assert.Empty(Read(""));
        Assert.Empty(Read("# nothing\n// here\n"));
        Assert.Empty(Read("{}"));
    }

    [Fact]
    public void The_word_include_is_an_ordinary_key_when_not_followed_by_whitespace_and_a_quoted_name()
    {
        var data = Read("include = 1\nincludes = 2\ninclude.x = 3\n\"include\" { y = 4 }");
        Assert.Equal("2", data["includes"]);
        Assert.Equal("3", data["include:x"]);
        Assert.Equal("4", data["include:y"]);
    }
}
