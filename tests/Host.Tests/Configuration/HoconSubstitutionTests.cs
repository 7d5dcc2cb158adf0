using EventActors.Host.Configuration;
using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary><c>${VAR}</c> and <c>${?VAR}</c>: environment variables, required or optional.</summary>
public sealed class HoconSubstitutionTests
{
    private static readonly Dictionary<string, string> s_environment = new()
    {
        ["PORT"] = "8080",
        ["RING"] = "4096",
        ["HOME_DIR"] = "/home/me",
        ["TIMEOUT"] = "15s",
        ["EMPTY"] = "",
    };

    private static IDictionary<string, string?> Read(string text) =>
        HoconReader.Parse(text, "test.conf", environment: name => s_environment.GetValueOrDefault(name));

    [Fact]
    public void A_set_variable_replaces_the_substitution()
    {
        var data = Read("a = ${PORT}\nb = ${?RING}\nc = ${EMPTY}");
        Assert.Equal(new Dictionary<string, string?> { ["a"] = "8080", ["b"] = "4096", ["c"] = "" }, data);
    }

    [Fact]
    public void An_unset_optional_substitution_leaves_the_earlier_value_in_place()
    {
        var data = Read("ring = 1024\nring = ${?UNSET}\nport = 80\nport = ${?PORT}");
        Assert.Equal(new Dictionary<string, string?> { ["ring"] = "1024", ["port"] = "8080" }, data);
    }

    [Fact]
    public void An_unset_optional_substitution_with_no_earlier_value_leaves_the_key_out() =>
        Assert.Empty(Read("a.b = ${?UNSET}"));

    [Fact]
    public void An_unset_optional_substitution_in_an_array_leaves_the_element_out() =>
        Assert.Equal(new Dictionary<string, string?> { ["a:0"] = "1", ["a:1"] = "8080" }, Read("a = [1, ${?UNSET}, ${?PORT}]"));

    [Fact]
    public void Substitutions_concatenate_with_text_and_an_unset_optional_one_is_empty_there()
    {
        var data = Read("dir = ${HOME_DIR}/data\nurl = \"http://localhost:\"${PORT}\nx = a${?UNSET}b");
        Assert.Equal("/home/me/data", data["dir"]);
        Assert.Equal("http://localhost:8080", data["url"]);
        Assert.Equal("ab", data["x"]);
    }

    [Fact]
    public void A_substituted_value_is_taken_as_written_not_converted_as_a_duration() =>
        Assert.Equal("15s", Read("a = ${TIMEOUT}")["a"]);

    [Fact]
    public void An_unset_required_substitution_is_an_error_that_names_the_variable_and_where()
    {
        var error = Assert.Throws<HoconParseException>(() => Read("a = 1\nb = ${NOT_SET_ANYWHERE}"));
        Assert.Equal((2, 5), (error.Line, error.Column));
        Assert.Contains("'NOT_SET_ANYWHERE' is not set", error.Message);
        Assert.Contains("${?NOT_SET_ANYWHERE}", error.Message);
    }

    [Fact]
    public void Without_an_explicit_environment_the_process_environment_is_read()
    {
        var name = "EVENTACTORS_HOCON_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "from the process");
        try
        {
            Assert.Equal("from the process", HoconReader.Parse($"a = ${{{name}}}")["a"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
