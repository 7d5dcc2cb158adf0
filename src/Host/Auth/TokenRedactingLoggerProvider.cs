using System.Collections;
using System.Text.RegularExpressions;

namespace EventActors.Host.Auth;

/// <summary>
/// Wraps each of the node's log providers so that no line carries a token: ASP.NET Core's
/// hosting diagnostics log each request's path and query (<c>?access_token=...</c> on stream
/// routes) at Information before any middleware runs, so the redaction has to sit in the log
/// itself. A message with <c>access_token=</c> is formatted, redacted, and passed on as plain
/// text (its structured values, which hold the query too, are dropped).
/// </summary>
internal sealed partial class TokenRedactingLoggerProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    /// <summary>The text with the value of every <c>access_token=</c> replaced.</summary>
    public static string Redact(string text) =>
        text.Contains("access_token=", StringComparison.OrdinalIgnoreCase) ? TokenValue().Replace(text, "access_token=[redacted]") : text;

    [GeneratedRegex("access_token=[^&\\s\"']*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenValue();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (!message.Contains("access_token=", StringComparison.OrdinalIgnoreCase))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            inner.Log(logLevel, eventId, new RedactedState(Redact(message)), exception, static (s, _) => s.Message);
        }
    }

    private sealed record RedactedState(string Message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] => index == 0 ? new("{OriginalFormat}", Message) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
