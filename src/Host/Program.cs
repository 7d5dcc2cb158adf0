using EventActors.Actors.Kernel;

var builder = WebApplication.CreateBuilder(args);

// Issue 4 fixes the default address; --urls (or ASPNETCORE_URLS) still overrides it.
if (builder.Configuration["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
{
    builder.WebHost.UseUrls("http://localhost:5080");
}

builder.Services.AddSingleton(services =>
    ActorSystem.Create("eventactors", new ActorSystemSettings
    {
        LoggerFactory = services.GetRequiredService<ILoggerFactory>(),
    }));

var app = builder.Build();
var actorSystem = app.Services.GetRequiredService<ActorSystem>();
app.Lifetime.ApplicationStopping.Register(() => actorSystem.Terminate().GetAwaiter().GetResult());

app.MapGet("/health", () => Results.Ok(new { status = "ok", actorSystem = actorSystem.Name }));
app.MapGet("/", () => Results.Text(
    "EventActors is running. GET /health reports the node's state.\n", "text/plain"));

app.Run();

/// <summary>Entry point, public so integration tests can reference the host's assembly.</summary>
public partial class Program;
