using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Kernel;

/// <summary>The kernel's log messages, source-generated so that disabled levels cost nothing.</summary>
internal static partial class KernelLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Actor {Path} failed; its supervisor decided {Directive}")]
    public static partial void ChildFailed(ILogger logger, Exception cause, ActorPath path, Directive directive);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "PostStop of {Path} threw")]
    public static partial void PostStopFailed(ILogger logger, Exception exception, ActorPath path);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "PreRestart of {Path} threw")]
    public static partial void PreRestartFailed(ILogger logger, Exception exception, ActorPath path);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Actor {Path} failed while stopping")]
    public static partial void FailureWhileStopping(ILogger logger, Exception exception, ActorPath path);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Critical, Message = "The root guardian {Path} failed; the actor system stops")]
    public static partial void RootGuardianFailed(ILogger logger, Exception exception, ActorPath path);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "The supervisor strategy of {Path} threw; escalating")]
    public static partial void DeciderFailed(ILogger logger, Exception exception, ActorPath path);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Handling system message {MessageType} in {Path} threw")]
    public static partial void SystemMessageFailed(ILogger logger, Exception exception, string messageType, ActorPath path);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "Unhandled {MessageType} in {Path}")]
    public static partial void UnhandledMessage(ILogger logger, string messageType, ActorPath path);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Dead letter #{Count}: {MessageType} from {Sender} to {Recipient}")]
    public static partial void DeadLetter(ILogger logger, string messageType, ActorPath? sender, ActorPath recipient, long count);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "{Count} dead letters so far (no longer logged one by one)")]
    public static partial void DeadLettersCounted(ILogger logger, long count);
}
