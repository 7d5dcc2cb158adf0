namespace EventActors.Actors.Kernel;

/// <summary>The children: creation, names, lookup and their termination.</summary>
internal sealed partial class ActorCell
{
    // Guarded by a lock because the system's guardian takes top-level ActorOf from any thread.
    private Dictionary<string, ActorCell>? _children;
    private int _lastGeneratedNameId;

    // The self reference doubles as the children lock: it is internal, always present, and a
    // dedicated lock object would cost every actor another allocation.
    private object ChildrenLock => SelfRef;

    public IActorRef ActorOf(Props props, string? name = null) => SpawnChild(props, name).SelfRef;

    internal ActorCell SpawnChild(Props props, string? name)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is not null)
        {
            ValidateName(name);
        }

        ActorCell child;
        lock (ChildrenLock)
        {
            if (_stopping)
            {
                throw new InvalidOperationException($"{SelfRef.Path} is stopping and cannot create children");
            }

            name ??= "$" + ToBase36(++_lastGeneratedNameId);
            var children = _children ??= new Dictionary<string, ActorCell>(StringComparer.Ordinal);
            if (children.ContainsKey(name))
            {
                throw new InvalidActorNameException($"Actor name [{name}] is not unique among the children of {SelfRef.Path}");
            }

            child = new ActorCell(System, props, this, SelfRef.Path / name);
            children.Add(name, child);
        }

        child.SendSystemMessage(new Create());
        return child;
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0)
        {
            throw new InvalidActorNameException("An actor name must not be empty");
        }

        if (name[0] == '$')
        {
            throw new InvalidActorNameException($"Actor name [{name}] must not start with '$': such names are generated");
        }

        foreach (var character in name)
        {
            if (character == '/' || character == '#' || char.IsWhiteSpace(character) || char.IsControl(character))
            {
                throw new InvalidActorNameException($"Actor name [{name}] contains '{character}', which paths do not allow");
            }
        }
    }

    private static string ToBase36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        Span<char> buffer = stackalloc char[13];
        var position = buffer.Length;
        do
        {
            buffer[--position] = digits[(int)(value % 36)];
            value /= 36;
        }
        while (value > 0);

        return new string(buffer[position..]);
    }

    public IEnumerable<IActorRef> Children
    {
        get
        {
            lock (ChildrenLock)
            {
                return _children is null ? [] : _children.Values.Select(IActorRef (child) => child.SelfRef).ToArray();
            }
        }
    }

    public IActorRef? Child(string name)
    {
        lock (ChildrenLock)
        {
            return _children is not null && _children.TryGetValue(name, out var child) ? child.SelfRef : null;
        }
    }

    private ActorCell[] ChildCells()
    {
        lock (ChildrenLock)
        {
            return _children is null ? [] : [.. _children.Values];
        }
    }

    private bool IsChild(ActorCell cell)
    {
        lock (ChildrenLock)
        {
            return _children is not null && _children.TryGetValue(cell.SelfRef.Path.Name, out var child) && ReferenceEquals(child, cell);
        }
    }

    private void HandleChildTerminated(ChildTerminated terminated)
    {
        var cell = ((LocalActorRef)terminated.Child).Cell;
        int remaining;
        lock (ChildrenLock)
        {
            if (_children is not null && _children.TryGetValue(cell.SelfRef.Path.Name, out var child) && ReferenceEquals(child, cell))
            {
                _children.Remove(cell.SelfRef.Path.Name);
            }

            remaining = _children?.Count ?? 0;
        }

        if (remaining > 0)
        {
            return;
        }

        if ((_suspension & Suspension.Terminating) != 0)
        {
            FinishTerminate();
        }
        else if (_extras?.PendingRestartCause is { } cause)
        {
            FinishRecreate(cause);
        }
    }
}
