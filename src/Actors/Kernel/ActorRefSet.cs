namespace EventActors.Actors.Kernel;

/// <summary>
/// A set of actor refs held in two fields while it has at most two members, as most death-watch
/// sets do (a connection watches its topic, and is watched by it and by its supervisor): a small
/// HashSet cost ~140-200 bytes per set, per open stream twice (docs/benchmarks.md, idle
/// connections). Equality
/// is the refs' own, as a HashSet's default comparer has it. A mutable struct: use it only as a
/// field, never copied.
/// </summary>
internal struct ActorRefSet
{
    private IInternalActorRef? _first;
    private IInternalActorRef? _second;
    private HashSet<IInternalActorRef>? _many; // once a third member came; the fields stay empty from then on

    public bool Add(IInternalActorRef actor)
    {
        if (_many is { } many)
        {
            return many.Add(actor);
        }

        if (actor.Equals(_first) || actor.Equals(_second))
        {
            return false;
        }

        if (_first is null)
        {
            _first = actor;
        }
        else if (_second is null)
        {
            _second = actor;
        }
        else
        {
            _many = [_first, _second, actor];
            _first = _second = null;
        }

        return true;
    }

    public bool Remove(IInternalActorRef actor)
    {
        if (_many is { } many)
        {
            return many.Remove(actor);
        }

        if (actor.Equals(_first))
        {
            _first = null;
            return true;
        }

        if (actor.Equals(_second))
        {
            _second = null;
            return true;
        }

        return false;
    }

    /// <summary>Empties the set and returns what it held.</summary>
    public IInternalActorRef[] Drain()
    {
        IInternalActorRef[] members = _many is { } many ? [.. many]
            : (_first, _second) switch
            {
                ({ } first, { } second) => [first, second],
                ({ } first, null) => [first],
                (null, { } second) => [second],
                _ => [],
            };
        _first = _second = null;
        _many?.Clear();
        return members;
    }
}
