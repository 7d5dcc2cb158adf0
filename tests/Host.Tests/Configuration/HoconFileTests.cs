using Akka.Configuration;
using EventActors.Host.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>
/// <see cref="HoconFile.Read"/>: Akka.NET's HOCON parser on real files, with what it does not
/// do itself: includes relative to the including file, and errors that name the file.
/// </summary>
public sealed class HoconFileTests : IDisposable
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
    public void An_include_path_is_relative_to_the_including_file_not_the_working_directory()
    {
        Write("conf/deeper/leaf.conf", "leaf = yes");
        Write("conf/middle.conf", "include \"deeper/leaf.conf\"");
        var main = Write("main.conf", "include \"conf/middle.conf\"");
        Assert.Equal("yes", HoconFile.Read(main).GetString("leaf"));
    }

    [Fact]
    public void An_include_inside_an_object_puts_the_files_keys_under_it_and_later_fields_win()
    {
        Write("ring.conf", "RingSize = 4096\nSubscriberCredit = 8");
        var main = Write("main.conf", "EventActors {\n  include \"ring.conf\"\n  SubscriberCredit = 16\n}");
        var config = HoconFile.Read(main);
        Assert.Equal((4096, 16), (config.GetInt("EventActors.RingSize"), config.GetInt("EventActors.SubscriberCredit")));
    }

    [Fact]
    public void A_substitution_in_an_included_file_refers_to_that_files_keys_even_at_the_top_level()
    {
        Write("base.conf", "size = 4096\nEventActors.RingSize = ${size}");
        var main = Write("main.conf", "include \"base.conf\"");
        Assert.Equal(4096, HoconFile.Read(main).GetInt("EventActors.RingSize"));
    }

    [Fact]
    public void A_missing_included_file_is_an_error_naming_it_and_the_file_that_includes_it()
    {
        var main = Write("main.conf", "a = 1\ninclude \"missing.conf\"");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Read(main));
        Assert.Contains(main, error.Message);
        Assert.Contains(Path.Combine(_directory.Path, "missing.conf"), error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void An_include_cycle_is_an_error_not_a_hang()
    {
        var a = Write("a.conf", "include \"b.conf\"");
        var b = Write("b.conf", "include \"a.conf\"");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Read(a));
        Assert.Contains($"include cycle {a} -> {b} -> {a}", error.Message);
    }

    [Fact]
    public void A_syntax_error_names_the_file_the_line_and_the_column()
    {
        var main = Write("main.conf", "EventActors {\n  RingSize = 4096 !\n}");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Read(main));
        Assert.StartsWith($"Configuration file {main}(2,19) is not valid HOCON: ", error.Message);
    }

    [Fact]
    public void A_syntax_error_in_an_included_file_names_that_file_not_the_one_including_it()
    {
        var included = Write("bad.conf", "ok = 1\nbad = \"\\q\"");
        var main = Write("main.conf", "include \"bad.conf\"");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Read(main));
        Assert.StartsWith($"Configuration file {included} is not valid HOCON: Unknown escape code: q", error.Message);
    }

    [Fact]
    public void An_optional_substitution_is_refused_naming_the_file_rather_than_read_as_the_whole_configuration()
    {
        var main = Write("main.conf", "EventActors.DataDir = ${?EVENTACTORS_DATA}");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Read(main));
        Assert.Contains(main, error.Message);
        Assert.Contains("${?NAME} (an optional substitution) is not supported", error.Message);
    }

    [Theory]
    [InlineData("path = \"/a\"\npath = ${path}\":/b\"", "path")]
    [InlineData("a = ${b}\nb = [${a}]", "b")]
    public void A_substitution_that_refers_to_itself_is_an_error_naming_it_not_a_stack_overflow(string text, string key)
    {
        var main = Write("main.conf", text);
        Assert.Equal($"Configuration file {main}: the substitution ${{{key}}} refers to itself, which Akka.NET's HOCON does not support; write the value out",
            Assert.Throws<ConfigurationException>(() => HoconFile.Read(main)).Message);
    }

    [Fact]
    public void A_substitution_of_another_key_of_the_same_file_is_resolved()
    {
        var main = Write("main.conf", "base = \"/var/lib/eventactors\"\nEventActors.DataDir = ${base}\"/data\"");
        Assert.Equal("/var/lib/eventactors/data", HoconFile.Read(main).GetString("EventActors.DataDir"));
    }

    [Fact]
    public void An_environment_variable_cannot_be_substituted_and_the_error_says_what_to_do_instead()
    {
        var main = Write("main.conf", "EventActors.DataDir = ${HOME}");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Read(main));
        Assert.Contains(main, error.Message);
        Assert.Contains("Unresolved substitution: HOME", error.Message);
        Assert.Contains("EventActors__Name=value", error.Message);
    }

    [Fact]
    public void A_missing_file_names_its_full_path() =>
        Assert.Contains(Path.Combine(_directory.Path, "none.conf"),
            Assert.Throws<FileNotFoundException>(() => HoconFile.Read(Path.Combine(_directory.Path, "none.conf"))).Message);
}
