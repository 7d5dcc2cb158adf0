namespace EventActors.Actors.Kernel;

/// <summary>Stops the actor that receives it after the messages enqueued before it.</summary>
public sealed class PoisonPill
{
    public static readonly PoisonPill Instance = new();

    private PoisonPill() { }

    public override string ToString() => "<PoisonPill>";
}

/// <summary>Makes the receiving actor fail with <see cref="ActorKilledException"/>.</summary>
public sealed class Kill
{
    public static readonly Kill Instance = new();

    private Kill() { }

    public override string ToString() => "<Kill>";
}

/// <summary>Sent to the watchers of an actor once it has stopped.</summary>
public sealed record Terminated(IActorRef ActorRef);

/// <summary>Sent when no message arrived within the interval set by <c>SetReceiveTimeout</c>.</summary>
public sealed class ReceiveTimeout : INotInfluenceReceiveTimeout
{
    public static readonly ReceiveTimeout Instance = new();

    private ReceiveTimeout() { }

    public override string ToString() => "<ReceiveTimeout>";
}

/// <summary>Messages of this kind do not restart an actor's receive timeout.</summary>
public interface INotInfluenceReceiveTimeout;

/// <summary>Replies that carry the outcome of an operation (used by Ask and PipeTo).</summary>
public static class Status
{
    public sealed record Success(object? Value);

    public sealed record Failure(Exception Cause);
}

/// <summary>A message that could not be delivered; published on the event stream.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message an actor did not handle; published on the event stream.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);
