using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace GatewayErrors;

/// <summary>
/// The <see cref="IOptionsMonitor{TOptions}"/> of <see cref="GatewayErrorsOptions"/>: the runtime's monitor, except that
/// a reload the validators reject is refused (logged, naming every invalid key) and the last valid options stay in use.
/// </summary>
/// <remarks>
/// <para>
/// The runtime's monitor forgets its value on every reload and builds the options again when next asked; when the new
/// configuration is invalid, every read throws <see cref="OptionsValidationException"/>, on every request, until someone
/// fixes the file. For GatewayErrors those reads are on the error path, so one bad edit of appsettings.json during an
/// incident would turn every gateway error into a bare 500: the answer the package exists to replace.
/// </para>
/// <para>
/// At start-up nothing changes: the first read builds and validates the options and throws when they are invalid, so
/// <c>ValidateOnStart</c> still stops the app with the message that names the key. Only the default (unnamed) options
/// are kept; GatewayErrors reads no other.
/// </para>
/// </remarks>
internal sealed class GatewayErrorsOptionsMonitor : IOptionsMonitor<GatewayErrorsOptions>, IDisposable
{
    private readonly IOptionsFactory<GatewayErrorsOptions> _factory;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _sources = [];
    private readonly Lock _gate = new();
    private Action<GatewayErrorsOptions, string?>[] _listeners = [];
    private GatewayErrorsOptions? _current;
    private string? _lastRejection;

    public GatewayErrorsOptionsMonitor(IOptionsFactory<GatewayErrorsOptions> factory, IEnumerable<IOptionsChangeTokenSource<GatewayErrorsOptions>> sources,
        ILogger<GatewayErrorsOptionsMonitor> logger)
    {
        _factory = factory;
        _logger = logger;
        foreach (var source in sources)
        {
            _sources.Add(ChangeToken.OnChange(source.GetChangeToken, Reload, source.Name));
        }
    }

    public GatewayErrorsOptions CurrentValue => Volatile.Read(ref _current) ?? Create();

    public GatewayErrorsOptions Get(string? name)
        => name is null || name == Options.DefaultName ? CurrentValue : _factory.Create(name);

    public IDisposable? OnChange(Action<GatewayErrorsOptions, string?> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Subscription(this, listener);
    }

    public void Dispose()
    {
        foreach (var source in _sources)
        {
            source.Dispose();
        }
    }

    private GatewayErrorsOptions Create()
    {
        lock (_gate)
        {
            // Throws when the configuration is invalid: at start-up that is what stops the app.
            return _current ??= _factory.Create(Options.DefaultName);
        }
    }

    private void Reload(string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        GatewayErrorsOptions next;
        try
        {
            next = _factory.Create(Options.DefaultName);
        }
        catch (Exception exception) when (Volatile.Read(ref _current) is not null)
        {
            // Validation failures name each key and value; a value the binder cannot convert says so in its own message.
            var reasons = exception is OptionsValidationException validation ? string.Join(" ", validation.Failures) : exception.Message;
            // One edit can raise several changes (a file watcher often fires twice): say it once until the reasons change.
            if (Interlocked.Exchange(ref _lastRejection, reasons) != reasons)
            {
                Log.OptionsReloadRejected(_logger, reasons);
            }

            return;
        }
        catch (Exception)
        {
            // Nothing was valid yet (the app has not read its options): the next read builds them and throws, as at start-up.
            return;
        }

        Action<GatewayErrorsOptions, string?>[] listeners;
        lock (_gate)
        {
            _current = next;
            _lastRejection = null;
            listeners = _listeners;
        }

        foreach (var listener in listeners)
        {
            listener(next, Options.DefaultName);
        }
    }

    private sealed class Subscription(GatewayErrorsOptionsMonitor monitor, Action<GatewayErrorsOptions, string?> listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            lock (monitor._gate)
            {
                // Only this subscription's entry: the same listener subscribed twice stays subscribed once.
                var index = Array.IndexOf(monitor._listeners, listener);
                if (index >= 0)
                {
                    monitor._listeners = [.. monitor._listeners.AsSpan(0, index), .. monitor._listeners.AsSpan(index + 1)];
                }
            }
        }
    }
}
