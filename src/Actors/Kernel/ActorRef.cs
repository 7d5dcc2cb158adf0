namespace EventActors.Actors.Kernel;

/// <summary>Something a message can be told to.</summary>
public interface ICanTell
{
    /// <summary>Enqueues the message and returns at once; never blocks, never throws for a dead target.</summary>
    void Tell(object message, IActorRef? sender);
}

/// <summary>An immutable, thread-safe handle to an actor.</summary>
public interface IActorRef : ICanTell
{
    ActorPath Path { get; }
}

/// <summary>Well-known references.</summary>
public static class ActorRefs
{
    /// <summary>The sender of a message told from outside any actor.</summary>
    public static readonly IActorRef? NoSender = null;

    /// <summary>A reference that discards everything told to it.</summary>
    public static readonly IActorRef Nobody = new NobodyActorRef();

    private sealed class NobodyActorRef : IActorRef
    {
        public ActorPath Path { get; } = ActorPath.Root("nobody") / "nobody";

        public void Tell(object message, IActorRef? sender) { }

        public override string ToString() => "Nobody";
    }
}

/// <summary><c>Tell</c> without a sender (the current actor when called inside one) and <c>Forward</c>.</summary>
public static class ActorRefExtensions
{
    /// <summary>Tells the message; inside an actor the sender is that actor, as in Akka.NET.</summary>
    public static void Tell(this ICanTell receiver, object message) =>
        receiver.Tell(message, ActorCell.Current?.Self);

    /// <summary>Tells the message keeping the original sender of the message being handled.</summary>
    public static void Forward(this ICanTell receiver, object message)
    {
        var cell = ActorCell.Current
            ?? throw new InvalidOperationException("Forward is only possible inside an actor");
        receiver.Tell(message, cell.Sender);
    }

    /// <summary>Whether the reference is no actor at all (no sender, or <see cref="ActorRefs.Nobody"/>).</summary>
    public static bool IsNobody(this IActorRef? actorRef) => actorRef is null || ReferenceEquals(actorRef, ActorRefs.Nobody);
}

/// <summary>References the kernel itself creates: they can receive system messages.</summary>
internal interface IInternalActorRef : IActorRef
{
    ActorSystem System { get; }

    void SendSystemMessage(SystemMessage message);

    bool IsTerminated { get; }
}

/// <summary>The reference to an actor of this process.</summary>
internal sealed class LocalActorRef(ActorCell cell, ActorPath path) : IInternalActorRef
{
    internal ActorCell Cell { get; } = cell;

    public ActorPath Path { get; } = path;

    public ActorSystem System => Cell.System;

    public bool IsTerminated => Cell.IsClosed;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Post(message, sender);
    }

    public void SendSystemMessage(SystemMessage message) => Cell.SendSystemMessage(message);

    public override string ToString() => $"[{Path}]";
}
