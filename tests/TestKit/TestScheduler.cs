using EventActors.Actors.Kernel;

namespace EventActors.TestKit;

/// <summary>
/// Virtual time for tests: nothing scheduled runs until the test calls <see cref="Advance"/>,
/// so timers, receive timeouts and Ask timeouts are tested without waiting on the wall clock.
/// </summary>
public sealed class TestScheduler : IScheduler
{
    private readonly object _gate = new();
    private readonly PriorityQueue<Item, (DateTimeOffset Due, long Order)> _pending = new();
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _order;

    public DateTimeOffset Now
    {
        get
        {
            lock (_gate)
            {
                return _now;
            }
        }
    }

    /// <summary>Scheduled actions not yet run nor cancelled.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.UnorderedItems.Count(entry => !entry.Element.IsCancellationRequested);
            }
        }
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action) => Add(delay, null, action);

    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "A repeating interval must be positive");
        }

        return Add(initialDelay, interval, action);
    }

    /// <summary>Moves the clock forward, running everything that falls due, in due order, on this thread.</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), "Time only moves forward");
        }

        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            Item item;
            lock (_gate)
            {
                if (!_pending.TryPeek(out item!, out var key) || key.Due > target)
                {
                    _now = target;
                    return;
                }

                _pending.Dequeue();
                _now = key.Due;
                if (item.IsCancellationRequested)
                {
                    continue;
                }

                if (item.Interval is { } interval)
                {
                    _pending.Enqueue(item, (key.Due + interval, ++_order));
                }
            }

            item.Action();
        }
    }

    private Item Add(TimeSpan delay, TimeSpan? interval, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var item = new Item(action, interval);
        lock (_gate)
        {
            _pending.Enqueue(item, (_now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay), ++_order));
        }

        return item;
    }

    private sealed class Item(Action action, TimeSpan? interval) : ICancelable
    {
        private volatile bool _cancelled;

        public Action Action { get; } = action;

        public TimeSpan? Interval { get; } = interval;

        public bool IsCancellationRequested => _cancelled;

        public void Cancel() => _cancelled = true;
    }
}
