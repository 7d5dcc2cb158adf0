using Akka.Actor;
using Akka.Hosting;
using EventActors.Actors.Persistence;

namespace EventActors.Host.Storage;

/// <summary>
/// The journal a node runs on, as its topics and endpoints see it: the Akka.Persistence plugins it
/// puts into the actor system's configuration, and what topics need beside them (idempotency
/// keys, the read journal, the list of topics). One of ours (<see cref="OurJournal"/>), or
/// Akka.Persistence.Sql (<see cref="AkkaSqlJournal"/>).
/// </summary>
internal abstract class NodeJournal : IAsyncDisposable
{
    /// <summary>The journal <paramref name="options"/> choose.</summary>
    public static NodeJournal For(ServerOptions options, ILoggerFactory loggerFactory) => options.Journal switch
    {
        JournalKind.AkkaSql => new AkkaSqlJournal(options, loggerFactory),
        _ => new OurJournal(options, loggerFactory),
    };

    /// <summary>The read journal's plugin id: catch-up and history read through it.</summary>
    public abstract string ReadJournalId { get; }

    /// <summary>Where topics look up idempotency keys; set by <see cref="StartAsync"/>.</summary>
    public abstract IIdempotencyKeys Keys { get; }

    /// <summary>The topics the journal holds, for <c>GET /topics</c>; set by <see cref="StartAsync"/>.</summary>
    public abstract ITopicCatalog Catalog { get; }

    /// <summary>False while the journal is known to be unreachable (what <c>/health</c> says, and what topics refuse publishes on).</summary>
    public virtual bool IsReachable => true;

    /// <summary>Puts the plugins into the actor system's configuration (before the system starts).</summary>
    public abstract void Configure(AkkaConfigurationBuilder akka);

    /// <summary>
    /// Opens the journal, or checks that its database answers and its tables exist, once the actor
    /// system has started and before any topic does: a node whose journal cannot work fails to
    /// start, and says why.
    /// </summary>
    public abstract Task StartAsync(ActorSystem system);

    /// <summary>Commits what was accepted and closes the journal; after the topics have stopped.</summary>
    public abstract ValueTask DisposeAsync();
}
