namespace EventActors.Actors.Kernel;

/// <summary>Base of the kernel's own exceptions.</summary>
public class ActorException : Exception
{
    public ActorException(string message) : base(message) { }

    public ActorException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The actor's constructor or <c>PreStart</c> threw; the default strategy stops it.</summary>
public sealed class ActorInitializationException(IActorRef actor, string message, Exception? inner)
    : ActorException(message, inner)
{
    public IActorRef Actor { get; } = actor;
}

/// <summary>Thrown inside an actor that received <see cref="Kill"/>.</summary>
public sealed class ActorKilledException(string message) : ActorException(message);

/// <summary>An actor did not handle the <see cref="Terminated"/> of an actor it watched.</summary>
public sealed class DeathPactException(IActorRef deadActor)
    : ActorException($"Monitored actor [{deadActor}] terminated and its Terminated was not handled")
{
    public IActorRef DeadActor { get; } = deadActor;
}

/// <summary>An actor name is malformed or already taken by a sibling.</summary>
public sealed class InvalidActorNameException(string message) : ActorException(message);

/// <summary>An Ask got no reply within its timeout.</summary>
public sealed class AskTimeoutException(string message) : ActorException(message);

/// <summary>An operation that the actor's current state does not allow (such as stashing twice).</summary>
public sealed class IllegalActorStateException(string message) : ActorException(message);
