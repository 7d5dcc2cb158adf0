using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using EventActors.Actors.Connections;
using EventActors.Host;
using EventActors.Host.Auth;
using EventActors.Host.Cluster;
using EventActors.Host.Configuration;
using EventActors.Host.Demo;
using EventActors.Host.Limits;
using EventActors.Host.Publishing;
using EventActors.Host.Storage;
using EventActors.Host.Streaming;
using Microsoft.AspNetCore.Authentication.JwtBearer;

// token: print a JWT signed with the configured key (docs/security.md), then exit.
if (args.Length > 0 && args[0] == "token")
{
    return TokenCommand.Run(args[1..]);
}

// --demo is a switch; left in, the command-line provider would read the next argument as its value.
var demo = args.Contains("--demo");
args = args.Where(arg => arg != "--demo").ToArray();

// The content root is the build output, where appsettings.json, hocon/ and wwwroot/ are copied,
// so the host finds its files whatever directory it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// hocon/eventactors.conf (every setting, its default and why), the --config PATH file over it,
// then environment variables, the command line and the short forms (--data-dir, --journal,
// --postgres, --demo); a bad or unknown key stops the start here, naming it.
var nodeConfiguration = builder.Configuration.LoadEventActorsConfiguration(demo);
var options = nodeConfiguration.Options;
options.Cluster.RefuseUnusablePort(); // names EventActors:Cluster:Port; Akka.Remote's own bind failure would not

// The default address; --urls (or ASPNETCORE_URLS) still overrides it.
if (builder.Configuration["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
{
    builder.WebHost.UseUrls("http://localhost:5080");
}

var maxConnections = options.EffectiveMaxConnections(OpenFileLimit.Read());
var connectionRate = options.Limits.LimitsNewConnections ? new ConnectionRateLimit(options.Limits) : null;
builder.WebHost.ConfigureKestrel(kestrel =>
{
    // Header and line sizes, header and keep-alive timeouts, the body's minimum rate, the
    // largest body; no minimum response rate (SSE streams idle): KestrelLimits says why each.
    KestrelLimits.Apply(kestrel.Limits, options);
    if (connectionRate is not null)
    {
        // Every endpoint, those from --urls included, counts new connections per IP as it accepts them.
        kestrel.ConfigureEndpointDefaults(connectionRate.Apply);
    }

    // Refuse connections beyond the limit rather than run out of file descriptors: at the
    // limit, accept() fails in a loop and everything else the process opens fails with it.
    kestrel.Limits.MaxConcurrentConnections = maxConnections;
    kestrel.Limits.MaxConcurrentUpgradedConnections = maxConnections;
});
builder.Services.AddSingleton(options);

// With a key, JwtBearer validates tokens; each route asks RequestAuthorization (docs/security.md).
// Without one the node is open: it says so at start-up and in /health.
ValidatedTokens? validated = null;
if (options.Auth.Enabled)
{
    var keys = TokenValidation.StaticKeys(options.Auth); // a bad key file stops the start here, naming the setting
    validated = options.Auth.TokenCacheTime > TimeSpan.Zero ? new ValidatedTokens(options.Auth.TokenCacheTime, options.Auth.ClockSkew) : null;
    if (validated is not null)
    {
        builder.Services.AddSingleton(_ => validated); // made by a factory, so the container disposes it with the host
    }

    // No default scheme unless the rate limiter needs the subject before the routes run: the
    // authentication middleware ASP.NET Core adds by itself then authenticates nothing, and each
    // route asks for the token once (a cached token without JwtBearer's per-request work).
    // (The switch is ASP.NET Core's documented way to keep a single scheme from becoming the default.)
    var limiterNeedsSubject = options.Limits.LimitsPublishes || options.Limits.LimitsStreams;
    AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
    builder.Services.AddAuthentication(auth => auth.DefaultAuthenticateScheme = limiterNeedsSubject ? JwtBearerDefaults.AuthenticationScheme : null)
        .AddJwtBearer(jwt => TokenValidation.Configure(jwt, options.Auth, keys, validated));
}

var authorization = new RequestAuthorization(options.Auth, validated);
builder.Services.AddSingleton(authorization);
builder.Services.AddEventActorsRateLimits(options);
builder.Services.AddSingleton(services => NodeJournal.For(options, services.GetRequiredService<ILoggerFactory>()));
builder.Services.AddSingleton<EventActorsNode>();
// Akka.Hosting starts the actor system with the host and stops it through CoordinatedShutdown
// when the host stops (and stops the host if the actor system ends first). Akka logs through
// Microsoft.Extensions.Logging, into the same log as the rest of the node. The journal's
// Akka.Persistence plugins go in with the node's HOCON (docs/journal.md).
builder.Services.AddAkka(NodeClusterOptions.SystemName, (akka, services) =>
{
    akka.AddHocon(nodeConfiguration.Hocon, HoconAddMode.Prepend) // its akka { } section, ahead of Akka's defaults
        .AddHocon(Akka.Configuration.ConfigurationFactory.ParseString(EventActors.Actors.Topics.TopicSharding.SerializationConfig), HoconAddMode.Append)
        .AddHocon(Akka.Configuration.ConfigurationFactory.ParseString(EventActors.Actors.CompactMailbox.Definition), HoconAddMode.Append)
        .ConfigureLoggers(loggers => loggers.ClearLoggers().AddLoggerFactory())
        // Every node is a member of a cluster, of one when no seed nodes are set (it joins itself
        // at start): topics are sharded the same way on one node as on many.
        .WithRemoting(new RemoteOptions { HostName = options.Cluster.Hostname, Port = options.Cluster.Port })
        .WithClustering(new ClusterOptions
        {
            SeedNodes = options.Cluster.SeedAddresses,
            SplitBrainResolver = new KeepMajorityOption(),
        });
    services.GetRequiredService<NodeJournal>().Configure(akka);
    akka.WithActors((system, registry) => services.GetRequiredService<EventActorsNode>().StartAsync(system, registry));
});
builder.Services.AddHostedService<StreamsShutdown>();
builder.Services.AddHostedService<IdleTopicsMemoryRelease>();
if (options.Demo)
{
    builder.Services.AddHostedService<DemoPublisher>(); // feeds the demo pages' topics
}

builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
    .WithOrigins(options.CorsAllowedOrigins)
    .AllowCredentials() // EventSource(url, { withCredentials: true }) and fetch(..., { credentials: "include" })
    .WithMethods("GET", "POST", "DELETE")
    .WithHeaders("Last-Event-ID", "Content-Type", "Idempotency-Key", "Authorization") // Authorization: a Bearer token from fetch
    .WithExposedHeaders("Retry-After", "WWW-Authenticate")));

// Last, over every log provider: no token reaches a log (hosting logs each request's query).
foreach (var provider in builder.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && !d.IsKeyedService).ToList())
{
    builder.Services.Remove(provider);
    builder.Services.AddSingleton<ILoggerProvider>(services => new TokenRedactingLoggerProvider(
        (ILoggerProvider)(provider.ImplementationInstance
            ?? provider.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, provider.ImplementationType!))));
}

var app = builder.Build();
var node = app.Services.GetRequiredService<EventActorsNode>();
if (!options.Auth.Enabled)
{
    app.Logger.LogWarning("Authorization is off: no EventActors:Auth key is configured, so anyone who can reach this node may publish, read, delete topics and drop connections (docs/security.md)");
}

// Only requests that carry an Origin take part in CORS, and the CORS middleware takes its policy
// provider from the request's services, creating a service scope per request that an open
// stream keeps for its lifetime: same-origin and non-browser clients skip it.
app.UseWhen(context => context.Request.Headers.Origin.Count > 0, cors => cors.UseCors());
if (connectionRate is not null)
{
    app.Use(connectionRate.InvokeAsync); // a connection over the rate gets its 429 before anything else runs
    app.Lifetime.ApplicationStopped.Register(connectionRate.Dispose);
}

// Publishes and open streams per client (EventActors:Limits). The limiter partitions by token
// subject when a request is authenticated, so with a key the token is read first (into
// HttpContext.User; the routes' own checks then reuse the request's cached result).
if (options.Limits.LimitsPublishes || options.Limits.LimitsStreams)
{
    if (options.Auth.Enabled)
    {
        app.UseAuthentication();
    }

    app.UseRateLimiter();
}

app.UseDefaultFiles();
app.UseStaticFiles();

app.MapGet("/health", async () =>
{
    var (connections, topicActors) = await node.CountAsync();
    // "degraded" while the journal cannot reach its database: streams stay open, publishes get 503.
    var journal = node.Journal.IsReachable ? "ok" : "unreachable";
    // "up" once this node has joined its cluster (a cluster of one joins itself at start).
    var cluster = ClusterEndpoints.SelfStatus(node);
    return Results.Ok(new
    {
        status = journal == "ok" && cluster == "up" ? "ok" : "degraded",
        journal,
        cluster,
        node = ClusterEndpoints.HostPort(node.Cluster.SelfAddress),
        auth = options.Auth.Enabled ? "on" : "off",
        connections,
        topicActors,
        dormantTopics = node.DormantTopics.Count,
    });
});
app.MapTopicEndpoints(node, authorization);
app.MapStreamEndpoints(node, authorization);
app.MapClusterEndpoints(node, authorization);
app.MapDelete("/connections", async (HttpContext context) =>
    await authorization.RefuseUnlessAdminAsync(context)
        ?? Results.Ok(new { dropped = (await node.Connections.Ask<ConnectionSupervisor.Dropped>(ConnectionSupervisor.DropAll.Instance, TimeSpan.FromSeconds(10))).Count }));

app.Run();
return node.ExitCode;

/// <summary>Entry point, public so integration tests can reference the host's assembly.</summary>
public partial class Program;
