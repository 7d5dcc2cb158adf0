namespace EventActors.Bench.Load;

/// <summary>
/// What an idle generator process tells the coordinating process, one JSON line each on its
/// standard output: <see cref="Connected"/> once its streams are open and settled, then, after
/// the coordinator's <see cref="Hold"/> command and the hold, <see cref="Held"/>.
/// </summary>
internal static class IdleWorkerMessages
{
    public const string Connected = "connected";

    public const string Hold = "hold";

    public const string Held = "held";
}

internal sealed record IdleWorkerConnected(ConnectSummary Connect);

/// <summary>The end of the hold, and this process's own cost: its RSS growth while connecting, its largest RSS, its CPU over the hold.</summary>
internal sealed record IdleWorkerHeld(IdleHoldCounts Hold, long? GeneratorGrowthKiB, double GeneratorRssMiB, double? GeneratorCpuPercent);
