using EventActors.Actors.Kernel;
using Microsoft.Extensions.Logging;

namespace EventActors.TestKit;

/// <summary>
/// Base class for xUnit actor tests, as Akka.TestKit.Xunit2's: one actor system per test,
/// terminated when the test class is disposed.
/// </summary>
public abstract class TestKit : TestKitBase, IDisposable
{
    private static int s_systemCounter;

    /// <param name="settings">Settings for the test's system; pass a <see cref="TestScheduler"/> as Scheduler for virtual time.</param>
    protected TestKit(ActorSystemSettings? settings = null)
    {
        var system = ActorSystem.Create($"test-{Interlocked.Increment(ref s_systemCounter)}", settings ?? new ActorSystemSettings());
        InitializeTest(system, "testActor");
    }

    /// <summary>The virtual clock, when the settings gave one.</summary>
    protected TestScheduler? TestScheduler => Sys.Scheduler as TestScheduler;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && !Sys.Terminate().Wait(DefaultTimeout))
        {
            throw new TimeoutException($"{Sys} did not terminate within {DefaultTimeout}");
        }
    }

    /// <summary>A logger factory that records log lines, for tests that assert on logging.</summary>
    public static (ILoggerFactory Factory, RecordingLoggerProvider Provider) RecordingLoggerFactory()
    {
        var provider = new RecordingLoggerProvider();
        return (LoggerFactory.Create(builder => builder.AddProvider(provider).SetMinimumLevel(LogLevel.Trace)), provider);
    }
}

/// <summary>A test probe: a second <see cref="TestKitBase"/> on the same system.</summary>
public sealed class TestProbe : TestKitBase
{
    private static int s_probeCounter;

    public TestProbe(ActorSystem system, string? name = null)
    {
        InitializeTest(system, name ?? $"testProbe-{Interlocked.Increment(ref s_probeCounter)}");
    }

    public IActorRef Ref => TestActor;

    /// <summary>Tells <paramref name="message"/> to <paramref name="actor"/> with this probe as the sender.</summary>
    public void Send(IActorRef actor, object message) => actor.Tell(message, Ref);

    /// <summary>Answers the sender of the last message received.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    /// <summary>Passes <paramref name="message"/> on keeping its original sender.</summary>
    public void Forward(IActorRef actor, object message) => actor.Tell(message, LastSender);
}

/// <summary>Keeps every log line written through it.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly List<(LogLevel Level, string Category, string Message, Exception? Exception)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose() { }

    private sealed class Recorder(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._entries)
            {
                owner._entries.Add((logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
