namespace EventActors.Actors.Kernel;

/// <summary>A message with the actor that sent it, as it waits in a mailbox.</summary>
public readonly struct Envelope(object message, IActorRef? sender)
{
    public object Message { get; } = message;

    public IActorRef? Sender { get; } = sender;

    public override string ToString() => $"<{Message}> from {Sender?.ToString() ?? "NoSender"}";
}
