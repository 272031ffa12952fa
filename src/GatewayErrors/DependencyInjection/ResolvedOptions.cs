namespace GatewayErrors;

/// <summary>
/// What the error path derives from one <see cref="GatewayErrorsOptions"/> instance: the notices, the proxy name and the
/// <c>Proxy-Status</c> values that carry no per-failure parameters. Built once, on first use, for that instance.
/// </summary>
/// <remarks>
/// Options are replaced whole when configuration reloads (<see cref="GatewayErrorsOptionsMonitor"/>), so hanging the
/// derived values on the instance keeps them in step without a check of their own, and two hosts in one process (or
/// two test servers) never share them.
/// </remarks>
internal sealed class ResolvedOptions
{
    private readonly string[] _proxyStatus;
    private readonly Dictionary<string, ErrorNotice> _notices = new(StringComparer.OrdinalIgnoreCase);

    public ResolvedOptions(GatewayErrorsOptions options)
    {
        ProxyName = options.ProxyName ?? "gateway";
        SiteNotice = ErrorNotice.From(options.Notice);
        foreach (var (name, upstream) in options.Upstreams)
        {
            if (ErrorNotice.From(upstream?.Notice) is { } notice)
            {
                _notices[name] = notice;
            }
        }

        // During an outage every response carries one of a handful of header values: each is built here, once.
        _proxyStatus = new string[ErrorTaxonomy.Count];
        for (var i = 0; i < _proxyStatus.Length; i++)
        {
            _proxyStatus[i] = ProxyStatusHeader.Format(ProxyName, ErrorTaxonomy.Get((GatewayErrorType)i), null, null, null);
        }
    }

    /// <summary>The name of this intermediary in <c>Proxy-Status</c> and <c>Cache-Status</c>.</summary>
    public string ProxyName { get; }

    /// <summary>The site's notice, or <see langword="null"/>.</summary>
    public ErrorNotice? SiteNotice { get; }

    /// <summary>The notice for an error of <paramref name="upstream"/>: its own, else the site's.</summary>
    public ErrorNotice? NoticeFor(string? upstream)
        => upstream is not null && _notices.TryGetValue(upstream, out var notice) ? notice : SiteNotice;

    /// <summary>The <c>Proxy-Status</c> value for a failure without received status, next hop or details.</summary>
    public string ProxyStatus(ErrorTypeInfo type) => _proxyStatus[(int)type.Type];
}
