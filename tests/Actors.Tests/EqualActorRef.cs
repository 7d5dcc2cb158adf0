using Akka.Actor;
using Akka.Util;

namespace EventActors.Actors.Tests;

/// <summary>
/// A second reference to an actor: equal to the actor's own (same path and uid, which is how Akka
/// compares references) but another instance, as a reference to a remote actor resolved anew from
/// each incoming message can be. Locally Akka hands out one instance per actor (an
/// <c>ActorSelection.ResolveOne</c> returns the very same object), so a test that needs an equal
/// but distinct reference makes one here. Messages told to it go to the actor.
/// </summary>
internal sealed class EqualActorRef(IActorRef actor) : IActorRef
{
    public ActorPath Path => actor.Path;

    public void Tell(object message, IActorRef sender) => actor.Tell(message, sender);

    public bool Equals(IActorRef? other) => actor.Equals(other);

    public override bool Equals(object? obj) => obj is IActorRef other && Equals(other);

    public override int GetHashCode() => actor.GetHashCode();

    public int CompareTo(IActorRef? other) => actor.CompareTo(other);

    public int CompareTo(object? obj) => actor.CompareTo(obj);

    public ISurrogate ToSurrogate(ActorSystem system) => actor.ToSurrogate(system);

    public override string ToString() => $"EqualActorRef({actor})";
}
