using EventActors.Host;
using EventActors.Host.Publishing;
using EventActors.Host.Streaming;

var builder = WebApplication.CreateBuilder(args);

// The default address; --urls (or ASPNETCORE_URLS) still overrides it.
if (builder.Configuration["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
{
    builder.WebHost.UseUrls("http://localhost:5080");
}

var options = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
if (builder.Configuration["data-dir"] is { Length: > 0 } dataDir)
{
    options.DataDir = dataDir; // --data-dir PATH
}

options.Validate(); // a bad value stops the start here, naming the key
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(services => EventActorsNode.Start(options, services.GetRequiredService<ILoggerFactory>()));

var app = builder.Build();
var node = app.Services.GetRequiredService<EventActorsNode>();
// Streams end when shutdown begins (they would otherwise hold it up); topics and the journal
// stop only once the web server has stopped taking requests, so no request meets them stopped.
app.Lifetime.ApplicationStopping.Register(() => node.EndStreamsAsync().GetAwaiter().GetResult());
app.Lifetime.ApplicationStopped.Register(() => node.DisposeAsync().AsTask().GetAwaiter().GetResult());

app.MapGet("/health", async () =>
{
    var (connections, topicActors) = await node.CountAsync();
    return Results.Ok(new { status = "ok", connections, topicActors });
});
app.MapTopicEndpoints();
app.MapStreamEndpoints();
app.MapGet("/", () => Results.Text(
    "EventActors is running. POST /topics/{topic}/events publishes; GET /topics/{topic}/stream streams (see docs/api.md).\n",
    "text/plain"));

app.Run();

/// <summary>Entry point, public so integration tests can reference the host's assembly.</summary>
public partial class Program;
