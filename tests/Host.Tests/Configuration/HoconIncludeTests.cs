using EventActors.Host.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary><c>include "file"</c>: relative to the including file, required, merged in place.</summary>
public sealed class HoconIncludeTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string Write(string relativePath, string text)
    {
        var path = Path.Combine(_directory.Path, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void An_included_file_merges_where_the_include_stands_and_later_fields_win()
    {
        Write("base.conf", "a = 1\nb { x = 1, y = 1 }");
        var main = Write("main.conf", "a = 0\ninclude \"base.conf\"\nb.y = 2");
        Assert.Equal(new Dictionary<string, string?> { ["a"] = "1", ["b:x"] = "1", ["b:y"] = "2" }, HoconReader.ReadFile(main));
    }

    [Fact]
    public void An_include_inside_an_object_puts_the_files_keys_under_that_object()
    {
        Write("ring.conf", "RingSize = 4096");
        var main = Write("main.conf", "EventActors {\n  include \"ring.conf\"\n}");
        Assert.Equal("4096", HoconReader.ReadFile(main)["EventActors:RingSize"]);
    }

    [Fact]
    public void An_include_path_is_relative_to_the_including_file_not_the_working_directory()
    {
        Write("conf/deeper/leaf.conf", "leaf = yes");
        Write("conf/middle.conf", "include \"deeper/leaf.conf\"");
        var main = Write("main.conf", "include \"conf/middle.conf\"");
        Assert.Equal("yes", HoconReader.ReadFile(main)["leaf"]);
    }

    [Fact]
    public void A_missing_included_file_is_an_error_naming_the_file_and_the_include()
    {
        var main = Write("main.conf", "a = 1\n  include \"missing.conf\"");
        var error = Assert.Throws<HoconParseException>(() => HoconReader.ReadFile(main));
        Assert.Equal((main, 2, 11), (error.SourceName, error.Line, error.Column));
        Assert.Contains(Path.Combine(_directory.Path, "missing.conf"), error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void An_error_inside_an_included_file_names_that_file()
    {
        var included = Write("bad.conf", "ok = 1\nbad = @");
        var main = Write("main.conf", "include \"bad.conf\"");
        var error = Assert.Throws<HoconParseException>(() => HoconReader.ReadFile(main));
        Assert.Equal((included, 2, 7), (error.SourceName, error.Line, error.Column));
    }

    [Fact]
    public void An_include_cycle_is_an_error_not_a_hang()
    {
        Write("a.conf", "include \"b.conf\"");
        var b = Write("b.conf", "include \"a.conf\"");
        var error = Assert.Throws<HoconParseException>(() => HoconReader.ReadFile(Path.Combine(_directory.Path, "a.conf")));
        Assert.Equal(b, error.SourceName);
        Assert.Contains("include cycle", error.Message);
    }

    [Fact]
    public void An_include_in_text_that_has_no_file_is_an_error()
    {
        var error = Assert.Throws<HoconParseException>(() => HoconReader.Parse("include \"x.conf\""));
        Assert.Contains("not read from a file", error.Message);
    }

    [Theory]
    [InlineData("include file(\"x.conf\")")]
    [InlineData("include required(\"x.conf\")")]
    public void Only_the_plain_quoted_form_of_include_is_supported(string text)
    {
        var main = Write("main.conf", text);
        var error = Assert.Throws<HoconParseException>(() => HoconReader.ReadFile(main));
        Assert.Contains("only include \"file\" is supported", error.Message);
    }

    [Fact]
    public void Reading_a_missing_top_level_file_names_its_full_path() =>
        Assert.Contains(Path.Combine(_directory.Path, "none.conf"),
            Assert.Throws<FileNotFoundException>(() => HoconReader.ReadFile(Path.Combine(_directory.Path, "none.conf"))).Message);

    [Fact]
    public void A_file_larger_than_the_limit_is_refused_rather_than_read_without_end()
    {
        // The limit is 1 Mi characters (HoconParser.MaxFileChars).
        Write("huge.conf", "a = \"" + new string('x', 1024 * 1024) + "\"");
        var main = Write("main.conf", "include \"huge.conf\"");
        Assert.Contains("larger than", Assert.Throws<HoconParseException>(() => HoconReader.ReadFile(main)).Message);
    }
}
