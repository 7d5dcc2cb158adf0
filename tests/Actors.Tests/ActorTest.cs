using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;

namespace EventActors.Actors.Tests;

/// <summary>
/// Akka.TestKit with deadlines fit for a loaded machine: an expectation waits up to a minute for
/// what must happen (it returns as soon as it does), so a test fails only when something does not
/// happen at all, never because the machine was slow. Nothing here waits for something not to happen.
/// </summary>
public abstract class ActorTest : Akka.TestKit.Xunit2.TestKit
{
    private const string Defaults = """
        akka.test.single-expect-default = 60s
        akka.test.default-timeout = 60s
        akka.loglevel = WARNING
        """;

    protected ActorTest(string? config = null) : base(ConfigFor(config))
    {
    }

    /// <param name="setup">Part of the actor system's setup (the journal the persistence plugins use).</param>
    /// <param name="config">HOCON over the defaults.</param>
    /// <param name="fallback">HOCON under <paramref name="config"/> and over the defaults (the plugins' definitions).</param>
    protected ActorTest(Setup setup, string? config, Config fallback)
        : base(ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(ConfigFor(config, fallback)), setup))
    {
    }

    /// <summary>The longest a test waits for something that must happen.</summary>
    protected TimeSpan DefaultTimeout => TestKitSettings.DefaultTimeout;

    private static Config ConfigFor(string? config, Config? fallback = null) =>
        ConfigurationFactory.ParseString(config ?? "")
            .WithFallback(fallback ?? Config.Empty)
            .WithFallback(ConfigurationFactory.ParseString(Defaults))
            .WithFallback(ConfigurationFactory.ParseString(CompactMailbox.Definition));
}
