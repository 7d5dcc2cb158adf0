namespace EventActors.Actors.Kernel;

/// <summary>
/// A set of actor refs held in one field while it has at most one member, as most death-watch
/// sets do (a connection watches its topic, and is watched by it): a one-element HashSet cost
/// ~200 bytes per set, per open stream twice (docs/benchmarks.md, idle connections). Equality
/// is the refs' own, as a HashSet's default comparer has it. A mutable struct: use it only as a
/// field, never copied.
/// </summary>
internal struct ActorRefSet
{
    private IInternalActorRef? _one;
    private HashSet<IInternalActorRef>? _many;

    public bool Add(IInternalActorRef actor)
    {
        if (_many is { } many)
        {
            return many.Add(actor);
        }

        if (_one is null)
        {
            _one = actor;
            return true;
        }

        if (_one.Equals(actor))
        {
            return false;
        }

        _many = [_one, actor];
        _one = null;
        return true;
    }

    public bool Remove(IInternalActorRef actor)
    {
        if (_many is { } many)
        {
            return many.Remove(actor);
        }

        if (_one is not null && _one.Equals(actor))
        {
            _one = null;
            return true;
        }

        return false;
    }

    /// <summary>Empties the set and returns what it held.</summary>
    public IInternalActorRef[] Drain()
    {
        IInternalActorRef[] members = _many is { } many ? [.. many] : _one is { } one ? [one] : [];
        _one = null;
        _many?.Clear();
        return members;
    }
}
