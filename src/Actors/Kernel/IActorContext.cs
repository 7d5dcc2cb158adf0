using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Kernel;

/// <summary>A behaviour: handles a message and says whether it did.</summary>
public delegate bool Receive(object message);

/// <summary>Creates actors: an <see cref="ActorSystem"/> (top level) or an actor (children).</summary>
public interface IActorRefFactory
{
    /// <summary>Starts an actor. Its constructor runs on the dispatcher, not in this call.</summary>
    /// <param name="name">Unique among its siblings; generated when null.</param>
    IActorRef ActorOf(Props props, string? name = null);
}

/// <summary>What an actor sees of itself and its surroundings while it handles a message.</summary>
public interface IActorContext : IActorRefFactory
{
    IActorRef Self { get; }

    /// <summary>The sender of the message being handled (dead letters when there was none).</summary>
    IActorRef Sender { get; }

    IActorRef Parent { get; }

    ActorSystem System { get; }

    Props Props { get; }

    IEnumerable<IActorRef> Children { get; }

    IActorRef? Child(string name);

    /// <summary>Stops a child or the actor itself, after the message being handled.</summary>
    void Stop(IActorRef actor);

    /// <summary>Delivers <see cref="Terminated"/> once <paramref name="subject"/> has stopped (at once if it already has).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>No <see cref="Terminated"/> for <paramref name="subject"/> will arrive after this call.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour; <see cref="UnbecomeStacked"/> returns to the one below.</summary>
    void BecomeStacked(Receive receive);

    void UnbecomeStacked();

    /// <summary>Delivers <see cref="ReceiveTimeout"/> after this long without a message; null turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);

    TimeSpan? ReceiveTimeout { get; }

    /// <summary>A logger whose category is the actor's type.</summary>
    ILogger GetLogger();
}
