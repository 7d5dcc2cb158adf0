using EventActors.Actors.Connections;
using EventActors.Actors.Kernel;
using EventActors.Actors.Topics;
using EventActors.Host.Publishing;
using EventActors.Protocol;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace EventActors.Host.Streaming;

/// <summary><c>GET /topics/{topic}/stream</c> and <c>GET /stream?topic=a&amp;topic=b</c>.</summary>
internal static class StreamEndpoints
{
    /// <summary>The node is captured rather than bound from DI, which would keep a service scope alive for as long as each stream is open.</summary>
    public static void MapStreamEndpoints(this IEndpointRouteBuilder app, EventActorsNode node)
    {
        app.MapGet("/topics/{topic}/stream", (HttpContext context, string topic) =>
            Problem.ForTopic(topic, out var name) is { } invalid
                ? Task.FromResult(invalid.ToResult())
                : StreamAsync(context, node, TopicSet.Create(name), multiTopic: false));

        app.MapGet("/stream", Task<IResult> (HttpContext context) =>
        {
            var names = new List<TopicName>();
            foreach (var text in context.Request.Query["topic"])
            {
                if (Problem.ForTopic(text ?? "", out var name) is { } invalid)
                {
                    return Task.FromResult(invalid.ToResult());
                }

                names.Add(name);
            }

            if (names.Count == 0)
            {
                return Task.FromResult(new Problem(400, "No topic", "Name at least one topic: /stream?topic=a&topic=b.").ToResult());
            }

            return TopicSet.TryCreate(names, out var set, out var setError)
                ? StreamAsync(context, node, set, multiTopic: true)
                : Task.FromResult(new Problem(400, "Too many topics", setError).ToResult());
        });
    }

    private static async Task<IResult> StreamAsync(HttpContext context, EventActorsNode node, TopicSet topics, bool multiTopic)
    {
        var from = context.Request.Query["from"];
        if (!StringValues.IsNullOrEmpty(from) && from != "earliest")
        {
            return new Problem(400, "Invalid 'from'", "The only value of 'from' is 'earliest'.").ToResult();
        }

        var request = BuildRequest(context.Request, topics, multiTopic, from == "earliest");
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass events through as they come
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted); // headers now, before the first event

        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var props = ConnectionActor.Props(request, response.BodyWriter, node.Topics, node.Journal,
            node.ConnectionSettings, context.RequestAborted, completed);
        IActorRef connection;
        try
        {
            connection = await node.Connections.Ask<IActorRef>(new ConnectionSupervisor.Open(props), TimeSpan.FromSeconds(10));
        }
        catch (Exception error) when (error is AskTimeoutException or InvalidOperationException)
        {
            return Results.Empty; // shutting down: the response ends and the client reconnects
        }

        await using (context.RequestAborted.Register(() => connection.Tell(ConnectionActor.ClientGone.Instance, null)))
        {
            await completed.Task;
        }

        return Results.Empty;
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
