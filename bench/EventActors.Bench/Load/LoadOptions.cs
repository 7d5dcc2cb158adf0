using System.Globalization;

namespace EventActors.Bench.Load;

/// <summary>
/// The options every load scenario shares, read and checked once. URLs are templates in which
/// <c>{topic}</c> becomes <c>bench.t0</c>, <c>bench.t1</c>, …, so one generator drives any SSE
/// server: ours, a minimal ASP.NET server, Nchan. <c>idle</c> and <c>fanout</c> take several
/// subscription templates, comma-separated, to spread their connections over a server made of
/// several processes (the nodes of a cluster) (each accepts at most ~19,900 connections under this machine's descriptor limit).
/// </summary>
internal sealed record LoadOptions
{
    public const string CommonUsage =
        "--sub-url URL --pub-url URL (templates with {topic}) [--topics 1] [--topic-prefix bench.t] [--subscribers 1000] " +
        "[--rate max|N] [--in-flight 64] [--lanes-per-topic N] [--payload-bytes 100] [--warmup 2] [--duration 15] [--drain-seconds 5] " +
        "[--settle 1] [--source-addresses N] [--first-source-address 0] [--connect-concurrency 200] [--connect-timeout 10] [--server-pid P[,P…]] [--signing-key KEY] " +
        "[--start-file PATH] [--histogram-out FILE] [--json]";

    /// <summary>Descriptors kept for everything but subscriber sockets: runtime, publisher spare, standard streams (100).</summary>
    private const int ReservedDescriptors = 100;

    /// <summary>Local ports one source address should serve at most (20,000), under the 28,232 of the ephemeral range here.</summary>
    private const int PortsPerSourceAddress = 20_000;

    public required string Scenario { get; init; }

    /// <summary>The subscription URL templates: subscriber k connects to template k mod their count. One, but for <c>idle</c> and <c>fanout</c>.</summary>
    public required IReadOnlyList<string> SubUrls { get; init; }

    /// <summary>The templates as given to <c>--sub-url</c>, for reports.</summary>
    public string SubUrl => string.Join(",", SubUrls);

    public string? PubUrl { get; init; }

    public int Topics { get; init; }

    public string TopicPrefix { get; init; } = "bench.t";

    /// <summary>The subscribers this process opens: all of them, or a generator process's share of them.</summary>
    public int Subscribers { get; init; }

    /// <summary>
    /// The run-wide index of this process's first subscriber (0 unless this process is one of
    /// several generators): topic and template follow the run-wide index, so a run split over
    /// processes connects exactly as one process would.
    /// </summary>
    public int FirstSubscriber { get; init; }

    /// <summary>Events per second in total (open loop), or null for as fast as acknowledged (closed loop).</summary>
    public double? Rate { get; init; }

    public int InFlight { get; init; }

    public int LanesPerTopic { get; init; }

    public int PayloadBytes { get; init; }

    public double WarmupSeconds { get; init; }

    public double DurationSeconds { get; init; }

    public double DrainSeconds { get; init; }

    public double SettleSeconds { get; init; }

    /// <summary>Loopback source addresses per generator process.</summary>
    public int SourceAddresses { get; init; }

    /// <summary>Where this process's source addresses start after 127.0.0.2: generator processes use disjoint ones, so they never share a source address's ports.</summary>
    public int FirstSourceAddress { get; init; }

    public int ConnectConcurrency { get; init; }

    /// <summary>
    /// Publishing starts once this file exists (after connecting and settling): several generator
    /// processes that are each a part of one run (their own topics, subscribers and share of the
    /// rate) publish over the same window once all have connected. Null: as soon as this one has settled.
    /// </summary>
    public string? StartFile { get; init; }

    /// <summary>Where to save the delivery latency histogram, for merging the parts of a run (<c>latency-merge</c>).</summary>
    public string? HistogramOut { get; init; }

    public double ConnectTimeoutSeconds { get; init; }

    /// <summary>The server's processes, sampled and summed (several nodes, or nginx's master and workers); empty when not given.</summary>
    public IReadOnlyList<int> ServerPids { get; init; } = [];

    public bool Json { get; init; }

    /// <summary>
    /// The node's HS256 signing key (<c>--signing-key</c>), for a node with authorization on:
    /// every subscriber connection and every publish lane then carries a token of its own.
    /// </summary>
    public string? SigningKey { get; init; }

    public string RateText => Rate is { } rate ? rate.ToString(CultureInfo.InvariantCulture) : "max";

    public string TopicName(int topic) => TopicPrefix + topic.ToString(CultureInfo.InvariantCulture);

    public Uri SubUri(int template, int topic) => Expand(SubUrls[template], topic, "--sub-url");

    public Uri PubUri(int topic) => Expand(PubUrl ?? throw new BenchmarkOptionException("--pub-url is required"), topic, "--pub-url");

    /// <summary>
    /// Reads the shared options; <paramref name="reconnects"/> says sockets are replaced mid-run,
    /// which needs twice the local ports (the closed ones wait in TIME_WAIT). With
    /// <paramref name="generatorProcesses"/> above 1 the subscribers are shared out over that many
    /// processes: source addresses and the descriptor check are per process, for its share.
    /// </summary>
    public static LoadOptions Parse(BenchmarkOptions options, string scenario, int defaultSubscribers = 1000, double defaultDuration = 15,
        bool needsPublisher = true, bool reconnects = false, string subscribersName = "subscribers", double defaultSettle = 1,
        bool severalSubUrls = false, int generatorProcesses = 1)
    {
        var subUrlText = options.String("sub-url") ?? throw new BenchmarkOptionException("--sub-url is required, e.g. 'http://127.0.0.1:5080/topics/{topic}/stream'");
        var subUrls = subUrlText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (subUrls.Length == 0)
        {
            throw new BenchmarkOptionException("--sub-url is required, e.g. 'http://127.0.0.1:5080/topics/{topic}/stream'");
        }

        if (subUrls.Length > 1 && !severalSubUrls)
        {
            throw new BenchmarkOptionException($"--sub-url: {scenario} takes one URL template, was {subUrls.Length} separated by commas " +
                                               "(only idle and fanout spread their connections over several; write a literal comma in a URL as %2C)");
        }

        var pubUrl = options.String("pub-url");
        if (needsPublisher && pubUrl is null)
        {
            throw new BenchmarkOptionException("--pub-url is required, e.g. 'http://127.0.0.1:5080/topics/{topic}/events'");
        }

        var subscribers = options.Int(subscribersName, defaultSubscribers);
        var topics = options.Int("topics", 1);
        var inFlight = options.Int("in-flight", 64);
        if (subscribers < 1 || topics < 1 || inFlight < 1)
        {
            throw new BenchmarkOptionException($"--{subscribersName}, --topics and --in-flight must be at least 1");
        }

        if (generatorProcesses < 1 || generatorProcesses > subscribers)
        {
            throw new BenchmarkOptionException($"--processes must be between 1 and --{subscribersName} ({subscribers:N0}), was {generatorProcesses}");
        }

        // The most subscribers any one generator process opens: all of them when there is one.
        var share = (subscribers + generatorProcesses - 1) / generatorProcesses;

        var rateText = options.String("rate") ?? "max";
        double? rate = rateText.Equals("max", StringComparison.OrdinalIgnoreCase) ? null : PositiveDouble(rateText, "rate");
        var load = new LoadOptions
        {
            Scenario = scenario,
            SubUrls = subUrls,
            PubUrl = pubUrl,
            Topics = topics,
            TopicPrefix = options.String("topic-prefix") ?? "bench.t",
            Subscribers = subscribers,
            Rate = rate,
            InFlight = inFlight,
            // Enough lanes that --in-flight publishes can be under way at once, at least one per topic.
            LanesPerTopic = Math.Max(1, options.Int("lanes-per-topic", (inFlight + topics - 1) / topics)),
            PayloadBytes = options.Int("payload-bytes", 100),
            WarmupSeconds = Seconds(options, "warmup", 2),
            DurationSeconds = Seconds(options, "duration", defaultDuration),
            DrainSeconds = Seconds(options, "drain-seconds", 5),
            SettleSeconds = Seconds(options, "settle", defaultSettle),
            SourceAddresses = options.Int("source-addresses", (share * (reconnects ? 2 : 1) + PortsPerSourceAddress - 1) / PortsPerSourceAddress),
            FirstSourceAddress = options.Int("first-source-address", 0),
            ConnectConcurrency = Math.Max(1, options.Int("connect-concurrency", 200)),
            StartFile = options.String("start-file"),
            HistogramOut = options.String("histogram-out"),
            ConnectTimeoutSeconds = Seconds(options, "connect-timeout", 10),
            ServerPids = Pids(options.String("server-pid")),
            Json = options.Json,
            SigningKey = options.String("signing-key"),
        };
        for (var template = 0; template < subUrls.Length; template++)
        {
            load.SubUri(template, 0);
        }

        if (needsPublisher)
        {
            load.PubUri(0);
        }

        CheckDescriptorLimit(share, generatorProcesses, needsPublisher ? inFlight : 0);
        return load;
    }

    /// <summary>
    /// Generator process <paramref name="index"/>'s part of a run shared out over
    /// <paramref name="processes"/>: a contiguous slice of the subscribers, its own source
    /// addresses, its part of the connect concurrency (so the servers see the same connect rate
    /// as from one process), and no server to sample (the coordinating process samples it).
    /// </summary>
    public LoadOptions ShareOf(int index, int processes)
    {
        var first = (int)((long)Subscribers * index / processes);
        var end = (int)((long)Subscribers * (index + 1) / processes);
        return this with
        {
            FirstSubscriber = first,
            Subscribers = end - first,
            FirstSourceAddress = index * SourceAddresses,
            ConnectConcurrency = Math.Max(1, ConnectConcurrency / processes),
            ServerPids = [],
        };
    }

    public static double Seconds(BenchmarkOptions options, string name, double defaultValue) =>
        options.String(name) is { } text ? NonNegativeDouble(text, name) : defaultValue;

    public static double Fraction(BenchmarkOptions options, string name, double defaultValue)
    {
        var value = options.String(name) is { } text ? NonNegativeDouble(text, name) : defaultValue;
        return value <= 1 ? value : throw new BenchmarkOptionException($"--{name} must be between 0 and 1, was {value}");
    }

    /// <summary>
    /// Every subscriber is a socket, and a generator process may not open more descriptors than
    /// RLIMIT_NOFILE (20,000 here, and the hard limit cannot be raised): say so up front rather
    /// than fail with EMFILE half-way through connecting. A generator process inherits this
    /// process's limit, so its <paramref name="share"/> is checked here, before any is started.
    /// </summary>
    private static void CheckDescriptorLimit(int share, int processes, int publisherConnections)
    {
        var limit = OpenFilesLimit();
        if (limit is not { } max)
        {
            return;
        }

        var needed = share + publisherConnections + ReservedDescriptors;
        if (needed > max)
        {
            var whose = processes == 1 ? "this process" : $"each of the {processes} generator processes";
            throw new BenchmarkOptionException(string.Create(CultureInfo.InvariantCulture,
                $"{share:N0} subscribers need about {needed:N0} file descriptors (one socket each, {publisherConnections} publisher connections, " +
                $"{ReservedDescriptors} for the runtime), but {whose} may open {max:N0} (RLIMIT_NOFILE, 'ulimit -n'). " +
                $"Use at most {Math.Max(0, max - publisherConnections - ReservedDescriptors):N0} subscribers per process, or run several generator processes " +
                $"(idle: --processes N)."));
        }
    }

    private static int[] Pids(string? text)
    {
        if (text is null)
        {
            return [];
        }

        var pids = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                ? pid
                : throw new BenchmarkOptionException($"--server-pid takes process ids separated by commas, was '{text}'"))
            .Distinct()
            .ToArray();
        return pids.Length > 0 ? pids : throw new BenchmarkOptionException($"--server-pid takes process ids separated by commas, was '{text}'");
    }

    /// <summary>The soft RLIMIT_NOFILE of this process (the runtime raises it to the hard limit at start-up), or null if unknown.</summary>
    private static long? OpenFilesLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.TryParse(soft, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
                }
            }
        }
        catch (IOException)
        {
            // not Linux: no check
        }

        return null;
    }

    private Uri Expand(string template, int topic, string option)
    {
        if (!template.Contains("{topic}", StringComparison.Ordinal))
        {
            throw new BenchmarkOptionException($"{option} must contain {{topic}}, was '{template}'");
        }

        return Uri.TryCreate(template.Replace("{topic}", Uri.EscapeDataString(TopicName(topic)), StringComparison.Ordinal), UriKind.Absolute, out var uri)
               && uri.Scheme == Uri.UriSchemeHttp
            ? uri
            : throw new BenchmarkOptionException($"{option} must be an absolute http:// URL (no TLS), was '{template}'");
    }

    private static double PositiveDouble(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value)
            ? value
            : throw new BenchmarkOptionException($"--{name} must be 'max' or a positive number, was '{text}'");

    private static double NonNegativeDouble(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value)
            ? value
            : throw new BenchmarkOptionException($"--{name} must be a non-negative number, was '{text}'");
}
