namespace EventActors.Actors.Kernel;

/// <summary>What a supervisor does with a child that failed.</summary>
public enum Directive
{
    /// <summary>Keep the child's state and go on with its next message.</summary>
    Resume,

    /// <summary>Replace the child's instance with a fresh one; its mailbox is kept.</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same exception.</summary>
    Escalate,
}

/// <summary>Decides a <see cref="Directive"/> for a child's failure.</summary>
public abstract class SupervisorStrategy
{
    /// <summary>
    /// Stops a child that failed to start, was killed or ignored a death pact; restarts it for
    /// any other exception, without limit.
    /// </summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>Stops a child on any failure.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    public abstract Directive Decide(Exception cause);

    /// <summary>Whether a failing child may be restarted once more; false turns the restart into a stop.</summary>
    internal abstract bool RequestRestartPermission(ChildRestartStats stats, DateTime nowUtc);

    /// <summary>Whether failures are logged (at error level) by the supervisor.</summary>
    public bool LoggingEnabled { get; init; } = true;
}

/// <summary>Applies the directive to the failing child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    private readonly Func<Exception, Directive> _decider;

    /// <param name="maxNrOfRetries">Restarts allowed within <paramref name="withinTimeRange"/>; negative: unlimited.</param>
    /// <param name="withinTimeRange">The window restarts are counted in; null: the whole lifetime.</param>
    /// <param name="decider">The directive for each exception.</param>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
    {
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        _decider = decider ?? throw new ArgumentNullException(nameof(decider));
    }

    public OneForOneStrategy(Func<Exception, Directive> decider) : this(-1, null, decider) { }

    public int MaxNrOfRetries { get; }

    public TimeSpan? WithinTimeRange { get; }

    public override Directive Decide(Exception cause) => _decider(cause);

    internal override bool RequestRestartPermission(ChildRestartStats stats, DateTime nowUtc)
    {
        if (MaxNrOfRetries < 0)
        {
            return true;
        }

        if (WithinTimeRange is { } window)
        {
            if (stats.WindowStartUtc is null || nowUtc - stats.WindowStartUtc.Value > window)
            {
                stats.WindowStartUtc = nowUtc;
                stats.RestartCount = 0;
            }
        }

        stats.RestartCount++;
        return stats.RestartCount <= MaxNrOfRetries;
    }
}

/// <summary>Restart bookkeeping a supervisor keeps for one child.</summary>
internal sealed class ChildRestartStats
{
    public int RestartCount;
    public DateTime? WindowStartUtc;
}
