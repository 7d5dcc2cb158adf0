using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Kernel;

/// <summary>
/// A hierarchy of actors with its dispatchers, scheduler, event stream and dead letters.
/// Top-level actors live under <c>/user</c>; the kernel's own under <c>/system</c>.
/// </summary>
public sealed class ActorSystem : IActorRefFactory, IAsyncDisposable
{
    private readonly ActorCell _root;
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly DeadLetterActorRef _deadLetters;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsScheduler;
    private long _lastTemporaryId;
    private int _terminationStarted;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        LoggerFactory = settings.LoggerFactory;
        KernelLogger = LoggerFactory.CreateLogger("EventActors.Actors.Kernel");
        _ownsScheduler = settings.Scheduler is null;
        Scheduler = settings.Scheduler ?? new TimerScheduler();
        Dispatchers = new Dispatchers(settings);
        EventStream = new EventStream();

        var rootPath = ActorPath.Root(name);
        _deadLetters = new DeadLetterActorRef(this, rootPath / "deadLetters");
        var guardian = Props.Create(() => new GuardianActor());
        _root = new ActorCell(this, guardian.WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy), null, rootPath);
        _root.SendSystemMessage(new Create());
        _userGuardian = _root.SpawnChild(guardian, "user");
        _systemGuardian = _root.SpawnChild(guardian, "system");
    }

    /// <summary>Creates and starts an actor system.</summary>
    /// <param name="name">Appears in every actor path; letters, digits, '-' and '_'.</param>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"Actor system name '{name}' must be non-empty and use only letters, digits, '-' and '_'", nameof(name));
        }

        return new ActorSystem(name, settings ?? new ActorSystemSettings());
    }

    public string Name { get; }

    public ActorSystemSettings Settings { get; }

    public IScheduler Scheduler { get; }

    public EventStream EventStream { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Where undeliverable messages go.</summary>
    public IActorRef DeadLetters => _deadLetters;

    /// <summary>How many messages went to dead letters since the system started.</summary>
    public long DeadLetterCount => _deadLetters.Count;

    /// <summary>Completes once every actor has stopped after <see cref="Terminate"/>.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal Dispatchers Dispatchers { get; }

    internal ILogger KernelLogger { get; }

    /// <summary>Starts a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.SpawnChild(props, name).SelfRef;

    /// <summary>Stops an actor after the message it is handling; its children stop first.</summary>
    public void Stop(IActorRef actor)
    {
        if (actor is LocalActorRef local)
        {
            local.SendSystemMessage(new Terminate());
        }
    }

    /// <summary>
    /// Stops every actor: the user's first (children before parents), then the kernel's, then
    /// completes <see cref="WhenTerminated"/>. Calling it again returns the same task.
    /// </summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminationStarted, 1) == 0)
        {
            _ = RunTermination();
        }

        return WhenTerminated;
    }

    private async Task RunTermination()
    {
        try
        {
            foreach (var cell in new[] { _userGuardian, _systemGuardian, _root })
            {
                cell.SendSystemMessage(new Terminate());
                await cell.WhenTerminated.ConfigureAwait(false);
            }

            if (_ownsScheduler && Scheduler is IDisposable disposable)
            {
                disposable.Dispose();
            }

            _terminated.TrySetResult();
        }
        catch (Exception exception)
        {
            _terminated.TrySetException(exception);
        }
    }

    public async ValueTask DisposeAsync() => await Terminate().ConfigureAwait(false);

    internal ActorPath NewTemporaryPath() =>
        ActorPath.Root(Name) / "temp" / ("$" + Interlocked.Increment(ref _lastTemporaryId).ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override string ToString() => $"ActorSystem({Name})";

    /// <summary>The actor behind /, /user and /system: it only supervises.</summary>
    private sealed class GuardianActor : ActorBase
    {
        protected internal override bool Receive(object message) => false;
    }
}

/// <summary>Stopping an actor and waiting for it.</summary>
public static class GracefulStopExtensions
{
    /// <summary>Stops the actor and completes with true once it has stopped, false if that took longer than <paramref name="timeout"/>.</summary>
    public static async Task<bool> GracefulStop(this IActorRef actor, TimeSpan timeout)
    {
        if (actor is not LocalActorRef local)
        {
            throw new ArgumentException($"Only actors of an actor system can be stopped, not {actor}", nameof(actor));
        }

        local.SendSystemMessage(new Terminate());
        var stopped = local.Cell.WhenTerminated;
        var expired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timer = local.System.Scheduler.ScheduleOnce(timeout, () => expired.TrySetResult());
        var first = await Task.WhenAny(stopped, expired.Task).ConfigureAwait(false);
        timer.Cancel();
        return first == stopped;
    }
}
