using Akka.Configuration;

namespace EventActors.Actors.Tests;

/// <summary>
/// Akka.TestKit with deadlines fit for a loaded machine: an expectation waits up to a minute for
/// what must happen (it returns as soon as it does), so a test fails only when something does not
/// happen at all, never because the machine was slow. Nothing here waits for something not to happen.
/// </summary>
public abstract class ActorTest(string? config = null) : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString(config ?? "").WithFallback(ConfigurationFactory.ParseString(Defaults)))
{
    private const string Defaults = """
        akka.test.single-expect-default = 60s
        akka.test.default-timeout = 60s
        akka.loglevel = WARNING
        """;

    /// <summary>The longest a test waits for something that must happen.</summary>
    protected TimeSpan DefaultTimeout => TestKitSettings.DefaultTimeout;
}
