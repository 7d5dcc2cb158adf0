using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Actors.Connections;

/// <summary>What one SSE stream subscribes to.</summary>
/// <param name="Topics">The topics, canonical order.</param>
/// <param name="Starts">Where to start in each topic, in the order of <paramref name="Topics"/>.</param>
/// <param name="MultiTopic">
/// Ids are multi-topic cursors (<c>GET /stream</c>) rather than single-topic ones
/// (<c>GET /topics/{topic}/stream</c>); a property of the endpoint, not of the topic count.
/// </param>
/// <param name="RequestedId">The <c>Last-Event-ID</c> as received, echoed in reset events.</param>
public sealed record StreamRequest(TopicSet Topics, IReadOnlyList<StartPosition> Starts, bool MultiTopic, string? RequestedId);

/// <summary>Settings of every connection actor.</summary>
/// <param name="Credit">Events a topic may push before this connection has written them.</param>
/// <param name="HeartbeatInterval">A comment is written after this long without a write.</param>
/// <param name="RetryMilliseconds">The <c>retry:</c> sent first.</param>
/// <param name="CatchUpPageSize">Events read from the journal per page when behind.</param>
public sealed record ConnectionSettings(int Credit, TimeSpan HeartbeatInterval, int RetryMilliseconds, int CatchUpPageSize)
{
    /// <summary>Credit goes back to a topic once this many delivered events are written: half the window.</summary>
    public int CreditReturnChunk => GrantCredit.ReturnChunk(Credit); // computed, not stored: a `with` copy keeps it true
}
