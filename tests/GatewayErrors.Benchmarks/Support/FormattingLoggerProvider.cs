using Microsoft.Extensions.Logging;

namespace GatewayErrors.Benchmarks.Support;

/// <summary>
/// A logger that does the work a console logger does on the request thread (check the level, format the message,
/// render the exception with its stack trace) and then drops the text, so a benchmark sees the cost of logging
/// without measuring a terminal or a disk.
/// </summary>
internal sealed class FormattingLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new FormattingLogger();

    public void Dispose()
    {
    }

    private sealed class FormattingLogger : ILogger
    {
        // Written so the JIT cannot drop the formatting as dead code.
        private static int _length;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            var length = message.Length;
            if (exception is not null)
            {
                length += exception.ToString().Length;
            }

            _length = length;
        }
    }
}
