namespace EventActors.Actors.Kernel;

/// <summary>Something scheduled that can still be called off.</summary>
public interface ICancelable
{
    /// <summary>Calls it off; harmless when it already ran or was cancelled.</summary>
    void Cancel();

    bool IsCancellationRequested { get; }
}

/// <summary>
/// The actor system's clock. Every delay in the kernel (timers, receive timeouts, Ask timeouts)
/// goes through it, so tests can run them on virtual time instead of waiting.
/// </summary>
public interface IScheduler
{
    DateTimeOffset Now { get; }

    /// <summary>Runs <paramref name="action"/> once after <paramref name="delay"/>, on a pool thread.</summary>
    ICancelable ScheduleOnce(TimeSpan delay, Action action);

    /// <summary>Runs <paramref name="action"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action);
}

/// <summary>Message-sending conveniences on any <see cref="IScheduler"/>.</summary>
public static class SchedulerExtensions
{
    public static ICancelable ScheduleTellOnce(this IScheduler scheduler, TimeSpan delay, ICanTell receiver, object message, IActorRef? sender) =>
        scheduler.ScheduleOnce(delay, () => receiver.Tell(message, sender));

    public static ICancelable ScheduleTellRepeatedly(this IScheduler scheduler, TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender) =>
        scheduler.ScheduleRepeatedly(initialDelay, interval, () => receiver.Tell(message, sender));
}

/// <summary>The real clock: one <see cref="Timer"/> per scheduled action.</summary>
/// <remarks>
/// .NET timers sit in per-core timer queues, so thousands of pending timers cost little; a
/// hashed wheel would only pay off for millions of timers firing at once.
/// </remarks>
internal sealed class TimerScheduler : IScheduler
{
    public DateTimeOffset Now => DateTimeOffset.UtcNow;

    public ICancelable ScheduleOnce(TimeSpan delay, Action action) =>
        new ScheduledTimer(action, Clamp(delay), Timeout.InfiniteTimeSpan, repeat: false);

    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "A repeating interval must be positive");
        }

        return new ScheduledTimer(action, Clamp(initialDelay), interval, repeat: true);
    }

    private static TimeSpan Clamp(TimeSpan delay) => delay < TimeSpan.Zero ? TimeSpan.Zero : delay;

    private sealed class ScheduledTimer : ICancelable
    {
        private readonly Action _action;
        private readonly bool _repeat;
        private readonly Timer _timer;
        private volatile bool _cancelled;

        public ScheduledTimer(Action action, TimeSpan dueTime, TimeSpan period, bool repeat)
        {
            _action = action;
            _repeat = repeat;
            // UnsafeStart-like: the callback must not capture the scheduling caller's ExecutionContext.
            using (ExecutionContext.SuppressFlow())
            {
                _timer = new Timer(static state => ((ScheduledTimer)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            _timer.Change(dueTime, period);
        }

        public bool IsCancellationRequested => _cancelled;

        public void Cancel()
        {
            _cancelled = true;
            _timer.Dispose();
        }

        private void Fire()
        {
            if (_cancelled)
            {
                return;
            }

            if (!_repeat)
            {
                _timer.Dispose();
            }

            _action();
        }
    }
}
