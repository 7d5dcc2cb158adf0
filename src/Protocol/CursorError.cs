namespace EventActors.Protocol;

/// <summary>Why a client's resume cursor (its <c>Last-Event-ID</c>) was not accepted.</summary>
public enum CursorError
{
    /// <summary>The cursor parsed.</summary>
    None = 0,

    /// <summary>Not in any cursor format we have issued: typed by hand, truncated, or corrupted.</summary>
    Malformed,

    /// <summary>Longer than any cursor we issue; rejected before it is looked at.</summary>
    Oversized,

    /// <summary>
    /// A well-formed cursor of the other kind: a single-topic id presented to a multi-topic stream,
    /// or the reverse.
    /// </summary>
    WrongKind,

    /// <summary>A well-formed multi-topic cursor issued for a different set of topics.</summary>
    TopicSetMismatch,
}
