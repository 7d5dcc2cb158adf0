using EventActors.Actors.Connections;
using Akka.Actor;
using EventActors.Actors.Topics;
using EventActors.Host.Auth;
using EventActors.Host.Limits;
using EventActors.Host.Publishing;
using EventActors.Protocol;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace EventActors.Host.Streaming;

/// <summary><c>GET /topics/{topic}/stream</c> and <c>GET /stream?topic=a&amp;topic=b</c>.</summary>
internal static class StreamEndpoints
{
    /// <summary>
    /// Plain request delegates, and the node captured rather than bound from DI: an open stream
    /// keeps whatever its request allocated for as long as it lasts, and these allocate least
    /// (a parameter from DI would keep a service scope alive; a typed handler, its result wrapper).
    /// </summary>
    public static void MapStreamEndpoints(this IEndpointRouteBuilder app, EventActorsNode node, RequestAuthorization authorization)
    {
        app.MapGet("/topics/{topic}/stream", context =>
            Problem.ForTopic(context.Request.RouteValues["topic"] as string ?? "", out var name) is { } invalid
                ? invalid.ToResult().ExecuteAsync(context)
                : AuthorizeAndStreamAsync(context, node, authorization, TopicSet.Create(name), multiTopic: false))
            .WithRateLimit(RateLimits.StreamPolicy, node.Options.Limits.LimitsStreams);

        app.MapGet("/stream", context =>
        {
            var names = new List<TopicName>();
            foreach (var text in context.Request.Query["topic"])
            {
                if (Problem.ForTopic(text ?? "", out var name) is { } invalid)
                {
                    return invalid.ToResult().ExecuteAsync(context);
                }

                names.Add(name);
            }

            if (names.Count == 0)
            {
                return new Problem(400, "No topic", "Name at least one topic: /stream?topic=a&topic=b.").ToResult().ExecuteAsync(context);
            }

            return TopicSet.TryCreate(names, out var set, out var setError)
                ? AuthorizeAndStreamAsync(context, node, authorization, set, multiTopic: true)
                : new Problem(400, "Too many topics", setError).ToResult().ExecuteAsync(context);
        }).WithRateLimit(RateLimits.StreamPolicy, node.Options.Limits.LimitsStreams);
    }

    private static Task AuthorizeAndStreamAsync(HttpContext context, EventActorsNode node, RequestAuthorization authorization, TopicSet topics, bool multiTopic)
    {
        var authorizing = authorization.AuthorizeReadAsync(context, topics);
        return authorizing.IsCompletedSuccessfully
            ? StreamOrRefuse(context, node, topics, multiTopic, authorizing.Result)
            : StreamWhenAuthorizedAsync(authorizing, context, node, topics, multiTopic);
    }

    private static async Task StreamWhenAuthorizedAsync(ValueTask<(Grants? Grants, IResult? Refusal)> authorizing, HttpContext context, EventActorsNode node, TopicSet topics, bool multiTopic) =>
        await StreamOrRefuse(context, node, topics, multiTopic, await authorizing);

    private static Task StreamOrRefuse(HttpContext context, EventActorsNode node, TopicSet topics, bool multiTopic, (Grants? Grants, IResult? Refusal) decision) =>
        decision.Refusal is { } refused
            ? refused.ExecuteAsync(context)
            : StreamAsync(context, node, topics, multiTopic, decision.Grants!.Expires);

    private static Task StreamAsync(HttpContext context, EventActorsNode node, TopicSet topics, bool multiTopic, DateTimeOffset? expires)
    {
        var from = context.Request.Query["from"];
        if (!StringValues.IsNullOrEmpty(from) && from != "earliest")
        {
            return new Problem(400, "Invalid 'from'", "The only value of 'from' is 'earliest'.").ToResult().ExecuteAsync(context);
        }

        var request = BuildRequest(context.Request, topics, multiTopic, from == "earliest");
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass events through as they come
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // A stream opened with a token ends when the token expires: the response ends normally,
        // and the browser reconnects with a fresh token from Last-Event-ID. One linked
        // CancellationTokenSource with CancelAfter (a timer-queue entry, no polling) stands for
        // the client leaving at exp; the actor ends the stream as for a client gone.
        var aborted = context.RequestAborted;
        if (expires is { } exp)
        {
            var untilExpiry = exp - DateTimeOffset.UtcNow;
            var expiry = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            expiry.CancelAfter(untilExpiry > TimeSpan.Zero ? untilExpiry : TimeSpan.Zero);
            context.Response.RegisterForDispose(expiry);
            aborted = expiry.Token;
        }

        // The response's task is the lifetime's: no frame of this method stays alive per stream.
        var lifetime = new StreamLifetime(aborted);
        var started = response.StartAsync(context.RequestAborted); // headers now, before the first event
        return started.IsCompletedSuccessfully
            ? Open(context, node, request, lifetime, aborted)
            : OpenWhenStartedAsync(started, context, node, request, lifetime, aborted);
    }

    private static async Task OpenWhenStartedAsync(Task started, HttpContext context, EventActorsNode node, StreamRequest request, StreamLifetime lifetime, CancellationToken aborted)
    {
        await started;
        await Open(context, node, request, lifetime, aborted);
    }

    private static Task Open(HttpContext context, EventActorsNode node, StreamRequest request, StreamLifetime lifetime, CancellationToken aborted)
    {
        if (lifetime.Task.IsCompleted)
        {
            return lifetime.Task; // the client left while the headers went out: no actor for it
        }

        var props = ConnectionActor.Props(request, context.Response.BodyWriter, node.Feeds, node.History,
            node.ConnectionSettings, aborted, lifetime);
        node.Connections.Tell(new ConnectionSupervisor.Open(props, lifetime), ActorRefs.NoSender);
        return lifetime.Task;
    }

    private static StreamRequest BuildRequest(HttpRequest request, TopicSet topics, bool multiTopic, bool fromEarliest)
    {
        // Spec: the browser sends Last-Event-ID on reconnection; the query form serves the first
        // connection of a client that stored an id. The header wins when both are present.
        var header = request.Headers["Last-Event-ID"].ToString();
        var query = request.Query["lastEventId"].ToString();
        var id = header.Length > 0 ? header : query.Length > 0 ? query : null;

        var starts = new StartPosition[topics.Count];
        if (id is null)
        {
            Array.Fill(starts, fromEarliest ? StartPosition.Earliest.Instance : StartPosition.Live.Instance);
        }
        else if (multiTopic)
        {
            if (MultiTopicCursor.TryParse(id, topics, out var cursor, out var error))
            {
                for (var i = 0; i < topics.Count; i++)
                {
                    starts[i] = new StartPosition.After(cursor.Positions[i]);
                }
            }
            else
            {
                Array.Fill(starts, new StartPosition.Unusable(error, id));
            }
        }
        else
        {
            starts[0] = EventCursor.TryParse(id, out var cursor, out var error)
                ? new StartPosition.After(cursor)
                : new StartPosition.Unusable(error, id);
        }

        return new StreamRequest(topics, starts, multiTopic, id);
    }
}
