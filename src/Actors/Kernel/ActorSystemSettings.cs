using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventActors.Actors.Kernel;

/// <summary>Everything an <see cref="ActorSystem"/> can be configured with; every value has a default.</summary>
public sealed record ActorSystemSettings
{
    public DispatcherSettings DefaultDispatcher { get; init; } = new();

    /// <summary>Further dispatchers that <see cref="Props.WithDispatcher"/> can name.</summary>
    public IReadOnlyDictionary<string, DispatcherSettings> Dispatchers { get; init; } =
        new Dictionary<string, DispatcherSettings>();

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock for timers, receive timeouts and Ask timeouts; tests pass a virtual one.</summary>
    public IScheduler? Scheduler { get; init; }

    /// <summary>Timeout of an Ask that names none. Guards against a caller waiting forever.</summary>
    public TimeSpan DefaultAskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Dead letters logged individually before the log only counts them, so a storm of them
    /// (say, a stopped topic still being published to) cannot flood the log.
    /// </summary>
    public int DeadLettersLoggedIndividually { get; init; } = 10;
}
