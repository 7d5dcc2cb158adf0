namespace EventActors.Actors.Kernel;

/// <summary>Receive timeout: <see cref="Kernel.ReceiveTimeout"/> once the actor has had no message for a set time.</summary>
internal sealed partial class ActorCell
{
    public TimeSpan? ReceiveTimeout => _extras?.ReceiveTimeout;

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        if (timeout is { } value && value <= TimeSpan.Zero)
        {
            timeout = null;
        }

        if (timeout is null && _extras is null)
        {
            return;
        }

        var extras = Extras;
        lock (extras)
        {
            extras.ReceiveTimeout = timeout;
            DisarmReceiveTimeout(extras);
        }

        NoteReceiveTimeoutActivity();
    }

    // A busy actor with a receive timeout (a topic actor, which passivates when idle) handles
    // thousands of messages a second. Cancelling and re-creating a timer for each of them cost
    // ~220 bytes and two timer-queue locks per message (docs/benchmarks.md, fan-out path).
    // Instead a message only notes the time. The one pending timer, when it fires, looks at how
    // long the actor has really been idle and either sends the tick or re-arms itself for the
    // rest of the interval; it does so on the scheduler's thread, so that under virtual time
    // (TestScheduler.Advance) the timeout still falls due exactly an interval after the last
    // message. The lock on the extras is taken only when a timer is armed, fires or is called off.
    private void NoteReceiveTimeoutActivity()
    {
        var extras = Extras;
        Volatile.Write(ref extras.ReceiveTimeoutLastActivity, System.Scheduler.Now.UtcTicks);
        if (!Volatile.Read(ref extras.ReceiveTimeoutArmed) && extras.ReceiveTimeout is { } timeout)
        {
            lock (extras)
            {
                if (!extras.ReceiveTimeoutArmed)
                {
                    ArmReceiveTimeout(extras, timeout);
                }
            }
        }
    }

    /// <summary>Called under the extras' lock: a timer is pending, or its tick is on its way, until the tick is handled.</summary>
    private void ArmReceiveTimeout(CellExtras extras, TimeSpan delay)
    {
        var generation = extras.ReceiveTimeoutGeneration;
        extras.ReceiveTimeoutArmed = true;
        extras.ReceiveTimeoutTask = System.Scheduler.ScheduleOnce(delay, () => OnReceiveTimeoutTimer(generation));
    }

    /// <summary>Called under the extras' lock: a timer set before this is ignored if it fires anyway.</summary>
    private static void DisarmReceiveTimeout(CellExtras extras)
    {
        extras.ReceiveTimeoutGeneration++;
        extras.ReceiveTimeoutTask?.Cancel();
        extras.ReceiveTimeoutTask = null;
        extras.ReceiveTimeoutArmed = false;
    }

    /// <summary>On the scheduler's thread.</summary>
    private void OnReceiveTimeoutTimer(int generation)
    {
        var extras = Extras;
        lock (extras)
        {
            if (generation != extras.ReceiveTimeoutGeneration || extras.ReceiveTimeout is not { } timeout)
            {
                return; // called off, or the timeout was changed
            }

            var lastActivity = Volatile.Read(ref extras.ReceiveTimeoutLastActivity);
            var remaining = Remaining(timeout, lastActivity);
            if (remaining > TimeSpan.Zero)
            {
                ArmReceiveTimeout(extras, remaining);
                return;
            }

            extras.ReceiveTimeoutTask = null;
            SelfRef.Tell(new ReceiveTimeoutTick(generation, lastActivity), null);
        }
    }

    /// <summary>On the actor's thread, as a tick is handled: true if the actor is still idle since the timer decided so.</summary>
    private bool ReceiveTimeoutElapsed(ReceiveTimeoutTick tick)
    {
        if (_extras is not { } extras)
        {
            return false;
        }

        lock (extras)
        {
            if (tick.Generation != extras.ReceiveTimeoutGeneration || extras.ReceiveTimeout is not { } timeout)
            {
                return false;
            }

            extras.ReceiveTimeoutArmed = false;
            var lastActivity = Volatile.Read(ref extras.ReceiveTimeoutLastActivity);
            if (lastActivity == tick.LastActivity)
            {
                return true; // the next message arms the timer again
            }

            // A message came in after the timer fired (and found it armed): an interval from that message.
            var remaining = Remaining(timeout, lastActivity);
            ArmReceiveTimeout(extras, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            return false;
        }
    }

    /// <summary>How much of <paramref name="timeout"/> is left since <paramref name="lastActivity"/> (UTC ticks); zero or less once it has passed.</summary>
    private TimeSpan Remaining(TimeSpan timeout, long lastActivity) =>
        timeout - TimeSpan.FromTicks(System.Scheduler.Now.UtcTicks - lastActivity);
}

/// <summary>The receive-timeout timer found the actor idle since <paramref name="lastActivity"/> (UTC ticks).</summary>
internal sealed class ReceiveTimeoutTick(int generation, long lastActivity) : INotInfluenceReceiveTimeout
{
    public int Generation { get; } = generation;

    public long LastActivity { get; } = lastActivity;
}
