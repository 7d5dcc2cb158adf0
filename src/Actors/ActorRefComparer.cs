using Akka.Actor;

namespace EventActors.Actors;

/// <summary>
/// Compares actor references as Akka does (path and uid), trying the same instance first, and
/// hashes by the uid alone: Akka's own hash walks the path and hashes every element's name, and
/// Akka's own equality compares paths element by element. Both run on the fan-out's hot path: a
/// topic looks a subscriber up on every credit grant, and a connection checks which topic actor
/// sent each delivery. The uid is random per incarnation, so it spreads well; references of the
/// same actor (a local one is the same instance every time) are equal.
/// </summary>
internal sealed class ActorRefComparer : IEqualityComparer<IActorRef>
{
    public static readonly ActorRefComparer Instance = new();

    public bool Equals(IActorRef? x, IActorRef? y) => ReferenceEquals(x, y) || (x is not null && x.Equals(y));

    public int GetHashCode(IActorRef actor) => actor.Path.Uid.GetHashCode();
}
