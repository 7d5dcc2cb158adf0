using EventActors.Host.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>Every mistake is a <see cref="HoconParseException"/> naming the file, line, column and what was expected.</summary>
public sealed class HoconErrorTests
{
    [Theory]
    [InlineData("a = 1\nb % 2", 2, 3, "expected '=', ':' or '{' after the key 'b', found '%'")]
    [InlineData("a b = 1", 1, 3, "expected '=', ':' or '{' after the key 'a', found 'b'")]
    [InlineData("a = 1 2 }", 1, 9, "expected a line break, ',' or the end of the file after a field's value, found '}'")]
    [InlineData("a {\n  b = 1\n", 3, 1, "expected '}' to close the object opened at line 1, column 3, found the end of the file")]
    [InlineData("a = [1, 2", 1, 10, "expected ']' to close the array opened at line 1, column 5, found the end of the file")]
    [InlineData("a = [1,, 2]", 1, 8, "expected a value or ']', found ','")]
    [InlineData("a = 1,, b = 2", 1, 7, "expected a key, found ','")]
    [InlineData("a = ", 1, 5, "expected a value, found the end of the file")]
    [InlineData("a = \n}", 2, 1, "expected a value, found '}'")]
    [InlineData("a = @home", 1, 5, "expected a value, found '@' (quote a string that contains it)")]
    [InlineData("url = http://x", 1, 11, "expected a line break, ',' or the end of the file after a field's value, found ':' (quote a string that contains it)")]
    [InlineData("a = \"open\nb = 1", 1, 5, "expected '\"' to end the string that starts here, found a line break")]
    [InlineData("a = \"bad \\q escape\"", 1, 10, "expected one of the JSON escapes")]
    [InlineData("a = \"\\u12\"", 1, 8, "expected four hex digits after '\\u'")]
    [InlineData("a = \"\"\"never closed", 1, 5, "expected '\"\"\"' to end the multi-line string")]
    [InlineData("a = $HOME", 1, 5, "expected '{' after '$'")]
    [InlineData("a = ${HOME", 1, 11, "expected '}' to end the substitution of 'HOME', found the end of the file")]
    [InlineData("a = ${}", 1, 7, "expected an environment variable's name")]
    [InlineData("a = [1] += 2", 1, 9, "found '+'")]
    [InlineData("include url(\"http://x\")", 1, 9, "found 'url(' (only include \"file\" is supported)")]
    [InlineData("a += 1", 1, 3, "'+=' is not supported")]
    [InlineData("[1, 2]", 1, 1, "the root of a HOCON file must be an object")]
    [InlineData("{ a = 1 } b = 2", 1, 11, "expected the end of the file after the root object's '}', found 'b'")]
    [InlineData("\"\" = 1", 1, 1, "a key must not be empty")]
    [InlineData("a. = 1", 1, 3, "expected a key, found U+0020")]
    [InlineData("a = 99999999999999999999999999999999TiB", 1, 5, "is too large")]
    [InlineData("a = 1.0000001B", 1, 5, "is not a whole, non-negative number of bytes")]
    [InlineData("a = 100000000000d", 1, 5, "is longer than a TimeSpan can hold")]
    [InlineData("a = 9000000TiB", 1, 5, "is larger than a 64-bit byte count can hold")]
    [InlineData("a = {x = 1} {y = 2}", 1, 13, "found '{'")]
    public void A_mistake_names_the_line_the_column_and_what_was_expected(string text, int line, int column, string expected)
    {
        var error = Assert.Throws<HoconParseException>(() => HoconReader.Parse(text, "my.conf", environment: _ => null));
        Assert.Equal(("my.conf", line, column), (error.SourceName, error.Line, error.Column));
        Assert.Contains(expected, error.Problem);
        Assert.StartsWith($"my.conf({line},{column}): ", error.Message);
    }

    [Fact]
    public void The_exception_is_a_format_exception_so_callers_that_catch_those_catch_it() =>
        Assert.IsAssignableFrom<FormatException>(Assert.Throws<HoconParseException>(() => HoconReader.Parse("a = @")));

    [Theory]
    [InlineData("[")]
    [InlineData("{a=")]
    [InlineData("{a:[")]
    public void Nesting_deeper_than_the_limit_is_an_error_not_a_stack_overflow(string opening)
    {
        var text = "a = " + string.Concat(Enumerable.Repeat(opening, 100_000));
        var error = Assert.Throws<HoconParseException>(() => HoconReader.Parse(text));
        Assert.Contains("nested more than 100 deep", error.Message);
    }

    [Fact]
    public void A_key_path_deeper_than_the_limit_is_an_error_not_a_stack_overflow()
    {
        var text = string.Join('.', Enumerable.Repeat("k", 100_000)) + " = 1";
        Assert.Contains("nested more than 100 deep", Assert.Throws<HoconParseException>(() => HoconReader.Parse(text)).Message);
    }

    [Fact]
    public void Nesting_within_the_limit_reads()
    {
        var text = string.Join('.', Enumerable.Repeat("k", 50)) + " = " + new string('[', 49) + "1" + new string(']', 49);
        var data = HoconReader.Parse(text);
        Assert.Equal("1", Assert.Single(data).Value);
    }
}
