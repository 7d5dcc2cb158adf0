namespace EventActors.Actors.Kernel;

/// <summary>An actor that owns keyed timers, as Akka.NET's <c>IWithTimers</c>.</summary>
public interface IWithTimers
{
    /// <summary>Set by the kernel after the constructor, before <c>PreStart</c>.</summary>
    ITimerScheduler Timers { get; set; }
}

/// <summary>
/// Timers owned by one actor: each key names at most one timer; starting a key again replaces
/// it; all are cancelled when the actor stops or restarts. A message from a timer cancelled or
/// replaced after it fired is dropped, even if it was already in the mailbox. Use only from
/// inside the actor.
/// </summary>
public interface ITimerScheduler
{
    void StartSingleTimer(object key, object message, TimeSpan timeout, IActorRef? sender = null);

    void StartPeriodicTimer(object key, object message, TimeSpan interval, IActorRef? sender = null);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval, IActorRef? sender = null);

    bool IsTimerActive(object key);

    IReadOnlyCollection<object> ActiveTimers { get; }

    void Cancel(object key);

    void CancelAll();
}

/// <summary>The envelope a timer sends to its actor; unwrapped before the actor sees it.</summary>
internal sealed class TimerMessage(object key, int generation, object message, IActorRef? sender)
{
    public object Key { get; } = key;
    public int Generation { get; } = generation;
    public object Message { get; } = message;
    public IActorRef? Sender { get; } = sender;
}

internal sealed class ActorTimers(ActorCell cell) : ITimerScheduler
{
    // Most actors with timers have exactly one (a connection's heartbeat, one per open stream):
    // it is kept in these two fields, and a dictionary is made only for a second key. A
    // dictionary for the one timer cost ~260 bytes per actor (docs/benchmarks.md, idle connections).
    private object? _firstKey;
    private Entry _first;
    private Dictionary<object, Entry>? _more;
    private int _generation;

    public void StartSingleTimer(object key, object message, TimeSpan timeout, IActorRef? sender = null) =>
        Start(key, message, timeout, null, sender);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval, IActorRef? sender = null) =>
        Start(key, message, interval, interval, sender);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval, IActorRef? sender = null) =>
        Start(key, message, initialDelay, interval, sender);

    public bool IsTimerActive(object key) => TryGet(key, out _);

    public IReadOnlyCollection<object> ActiveTimers
    {
        get
        {
            var keys = new List<object>(1 + (_more?.Count ?? 0));
            if (_firstKey is not null)
            {
                keys.Add(_firstKey);
            }

            keys.AddRange(_more?.Keys ?? Enumerable.Empty<object>());
            return keys;
        }
    }

    public void Cancel(object key)
    {
        if (TryRemove(key, out var entry))
        {
            entry.Task.Cancel();
        }
    }

    public void CancelAll()
    {
        if (_firstKey is not null)
        {
            _first.Task.Cancel();
            _firstKey = null;
            _first = default;
        }

        if (_more is { } more)
        {
            foreach (var entry in more.Values)
            {
                entry.Task.Cancel();
            }

            more.Clear();
        }
    }

    /// <summary>Whether a fired timer message is still current; a single timer is done once accepted.</summary>
    internal bool TryAccept(TimerMessage message)
    {
        if (!TryGet(message.Key, out var entry) || entry.Generation != message.Generation)
        {
            return false;
        }

        if (!entry.Periodic)
        {
            TryRemove(message.Key, out _);
        }

        return true;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        var timerMessage = new TimerMessage(key, ++_generation, message, sender);
        var self = cell.SelfRef;
        var scheduler = cell.System.Scheduler;
        var task = interval is { } period
            ? scheduler.ScheduleRepeatedly(delay, period, () => self.Tell(timerMessage, null))
            : scheduler.ScheduleOnce(delay, () => self.Tell(timerMessage, null));
        var entry = new Entry(timerMessage.Generation, task, interval is not null);
        if (_firstKey is null)
        {
            (_firstKey, _first) = (key, entry);
        }
        else
        {
            (_more ??= [])[key] = entry; // Cancel above removed the key wherever it was
        }
    }

    private bool TryGet(object key, out Entry entry)
    {
        if (_firstKey is not null && _firstKey.Equals(key))
        {
            entry = _first;
            return true;
        }

        entry = default;
        return _more is { } more && more.TryGetValue(key, out entry);
    }

    private bool TryRemove(object key, out Entry entry)
    {
        if (_firstKey is not null && _firstKey.Equals(key))
        {
            entry = _first;
            (_firstKey, _first) = (null, default);
            return true;
        }

        entry = default;
        return _more is { } more && more.Remove(key, out entry);
    }

    private readonly record struct Entry(int Generation, ICancelable Task, bool Periodic);
}
