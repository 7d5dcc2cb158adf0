using EventActors.Actors.Connections;
using Akka.Actor;
using EventActors.Actors.Topics;
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
    public static void MapStreamEndpoints(this IEndpointRouteBuilder app, EventActorsNode node)
    {
        app.MapGet("/topics/{topic}/stream", context =>
            Problem.ForTopic(context.Request.RouteValues["topic"] as string ?? "", out var name) is { } invalid
                ? invalid.ToResult().ExecuteAsync(context)
                : StreamAsync(context, node, TopicSet.Create(name), multiTopic: false))
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
                ? StreamAsync(context, node, set, multiTopic: true)
                : new Problem(400, "Too many topics", setError).ToResult().ExecuteAsync(context);
        }).WithRateLimit(RateLimits.StreamPolicy, node.Options.Limits.LimitsStreams);
    }

    private static Task StreamAsync(HttpContext context, EventActorsNode node, TopicSet topics, bool multiTopic)
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

        // The response's task is the lifetime's: no frame of this method stays alive per stream.
        var lifetime = new StreamLifetime(context.RequestAborted);
        var started = response.StartAsync(context.RequestAborted); // headers now, before the first event
        return started.IsCompletedSuccessfully
            ? Open(context, node, request, lifetime)
            : OpenWhenStartedAsync(started, context, node, request, lifetime);
    }

    private static async Task OpenWhenStartedAsync(Task started, HttpContext context, EventActorsNode node, StreamRequest request, StreamLifetime lifetime)
    {
        await started;
        await Open(context, node, request, lifetime);
    }

    private static Task Open(HttpContext context, EventActorsNode node, StreamRequest request, StreamLifetime lifetime)
    {
        if (lifetime.Task.IsCompleted)
        {
            return lifetime.Task; // the client left while the headers went out: no actor for it
        }

        var props = ConnectionActor.Props(request, context.Response.BodyWriter, node.Topics, node.Journal,
            node.ConnectionSettings, context.RequestAborted, lifetime);
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
