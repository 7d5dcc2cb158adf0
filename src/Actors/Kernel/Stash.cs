namespace EventActors.Actors.Kernel;

/// <summary>An actor that can set messages aside until it is ready for them, as Akka.NET's.</summary>
public interface IWithUnboundedStash
{
    /// <summary>Set by the kernel after the constructor, before <c>PreStart</c>.</summary>
    IStash Stash { get; set; }
}

/// <summary>Messages set aside by an actor; on restart they go back to its mailbox.</summary>
public interface IStash
{
    /// <summary>Sets the message being handled aside.</summary>
    void Stash();

    /// <summary>Puts the oldest stashed message back in front of the mailbox.</summary>
    void Unstash();

    /// <summary>Puts every stashed message back in front of the mailbox, oldest first.</summary>
    void UnstashAll();

    /// <summary>Empties the stash and returns what it held.</summary>
    IReadOnlyList<Envelope> ClearStash();

    int Count { get; }
}

internal sealed class ActorStash(ActorCell cell) : IStash
{
    private readonly List<Envelope> _stashed = [];
    private int? _lastStashedInvocation;

    public int Count => _stashed.Count;

    public void Stash()
    {
        var envelope = cell.CurrentEnvelope;
        if (envelope.Message is null)
        {
            throw new IllegalActorStateException("Stash() is only possible while handling a message");
        }

        // Stashing one delivery twice would duplicate it on unstash.
        if (_lastStashedInvocation == cell.InvocationCount)
        {
            throw new IllegalActorStateException($"{envelope.Message} was already stashed");
        }

        _stashed.Add(envelope);
        _lastStashedInvocation = cell.InvocationCount;
    }

    public void Unstash()
    {
        if (_stashed.Count == 0)
        {
            return;
        }

        var first = _stashed[0];
        _stashed.RemoveAt(0);
        cell.Prepend([first]);
    }

    public void UnstashAll()
    {
        if (_stashed.Count == 0)
        {
            return;
        }

        cell.Prepend([.. _stashed]);
        _stashed.Clear();
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        Envelope[] cleared = [.. _stashed];
        _stashed.Clear();
        return cleared;
    }
}
