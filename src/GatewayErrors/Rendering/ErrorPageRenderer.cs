using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Scriban.Runtime;

namespace GatewayErrors;

/// <summary>
/// Renders the HTML error page: the custom template that matches, else the built-in theme; never throws.
/// </summary>
/// <remarks>
/// Templates are parsed and checked when the app starts (<see cref="ErrorPageStartupCheck"/>), again when the options
/// change, and again when a template file changes: every page is rendered for every error type with hostile values. A
/// request only renders parsed templates, in a fresh <see cref="PageTemplateContext"/>, within
/// <see cref="TemplateLimits.RequestBudget"/>. A custom template that fails or breaks a limit is replaced by the built-in
/// page for that request, and a changed file that fails the check leaves the previous templates in place: a broken
/// template must never turn a 502 into a 500.
/// </remarks>
internal sealed class ErrorPageRenderer : IDisposable
{
    // Distinct pages are bounded by error types x statuses x upstreams; the cap only guards against a pathological
    // number of upstream display names. Past it, pages are rendered per request.
    private const int MaxCachedPages = 1024;

    // The start-up and reload check renders on a cold process, often while everything else starts: a slower clock than
    // a request's, though still a bound (an endless template breaks LoopLimit long before).
    private static readonly TimeSpan CheckBudget = TimeSpan.FromSeconds(5);

    private readonly IOptionsMonitor<GatewayErrorsOptions> _options;
    private readonly ILogger _logger;
    private readonly string _contentRoot;
    private readonly Func<GatewayErrorsOptions, IStringLocalizer?>? _appTexts;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ThemeTemplates> _themes = new(StringComparer.Ordinal);
    private State? _state;
    private TaskCompletionSource _reloaded = NewSignal();
    private string? _lastInvalidReload; // guarded by _gate
    private bool _disposed;

    public ErrorPageRenderer(IOptionsMonitor<GatewayErrorsOptions> options, ILogger<ErrorPageRenderer> logger, IServiceProvider services)
    {
        _options = options;
        _logger = logger;
        var environment = services.GetService<IHostEnvironment>();
        _contentRoot = environment?.ContentRootPath is { Length: > 0 } root ? root : AppContext.BaseDirectory;

        // The app's own GatewayErrorPages resources, when it localizes itself (AddLocalization): found the way its own
        // IStringLocalizer finds its .resx files, in its assembly.
        if (services.GetService<IStringLocalizerFactory>() is { } factory && environment?.ApplicationName is { Length: > 0 } application)
        {
            _appTexts = options => factory.Create(options.Localization.ResourceName, application);
        }
    }

    /// <summary>Completes after the next reload triggered by a template file change, whether it succeeded or not.</summary>
    internal Task NextReload => Volatile.Read(ref _reloaded).Task;

    /// <summary>Compiles the templates for the current options; returns what is wrong with them (empty when all is well).</summary>
    public IReadOnlyList<string> Initialize()
    {
        var options = _options.CurrentValue;
        lock (_gate)
        {
            var errors = new List<string>();
            Replace(Build(options, errors));
            return errors;
        }
    }

    /// <summary>
    /// The texts in the request's language (request localization, else <c>Accept-Language</c>, else English), built once
    /// per language and configuration. Every body of the response uses them, and the page cache keys on them.
    /// </summary>
    public PageTexts TextsFor(HttpContext context)
    {
        var state = CurrentState();
        return state.Options.Localization.Enabled ? state.Texts(PageCultures.Choose(context, state.Cultures)) : state.English;
    }

    /// <summary>
    /// Writes the page for a response as UTF-8. A page without exposed details is rendered once per error type,
    /// status, upstream, retry presence, retry mode, language and notice, then served from <see cref="CachedPage"/>
    /// pieces: the template runs once, not once per failed request (an outage sends the same page to everyone).
    /// </summary>
    public void Write(IBufferWriter<byte> writer, ErrorResponse error)
    {
        var state = CurrentState();
        var texts = error.Texts ?? state.English;
        var type = texts.For(error.Type.Type);
        var retry = state.Options.AutoRetry;
        var cacheable = error.NextHop is null && error.Detail is null;
        var key = new PageKey(error.Type.Type, error.StatusCode, error.UpstreamDisplayName, RequestField.PresenceOf(error),
            AutoRetryPolicy.ModeFor(error, type, retry), texts, error.Notice, error.PageSet);
        var pages = state.Pages;
        if (cacheable && pages.TryGetValue(key, out var cached))
        {
            cached.Write(writer, error);
            return;
        }

        // One budget for everything this request renders, so a slow template holds it for the budget at most.
        using var budget = new CancellationTokenSource(TemplateLimits.RequestBudget);
        var page = Render(state, state.Theme, state.Custom, error, PageModel.Create(error, state.Branding, texts, retry), budget.Token, out var failed);
        if (cacheable && !failed && pages.Count < MaxCachedPages)
        {
            // Rendered again with stand-ins for the per-request values and split around them; the page just rendered
            // for this request checks the split, so a template that does more than print a value is never cached.
            var withSentinels = Render(state, state.Theme, state.Custom, error, PageModel.Create(error, state.Branding, texts, retry, sentinels: true), budget.Token,
                out var sentinelFailed, log: false);
            if (!sentinelFailed
                && CachedPage.TryCreate(withSentinels, page, error, texts, type.RetryAdvice, (long)Math.Ceiling(retry.Delay.TotalSeconds)) is { } created)
            {
                pages.TryAdd(key, created);
            }
        }

        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(page.Length));
        writer.Advance(Encoding.UTF8.GetBytes(page, span));
    }

    /// <summary>The languages a response can be in: the shipped ones and the app's, or English only when localization is off.</summary>
    public IReadOnlyList<string> Languages
    {
        get
        {
            var state = CurrentState();
            return state.Options.Localization.Enabled ? state.Cultures : [PageCultures.Fallback];
        }
    }

    /// <summary>The texts of one of <see cref="Languages"/>, with the app's own resources over the shipped ones.</summary>
    public PageTexts TextsOf(string language) => CurrentState().Texts(language);

    /// <summary>The names of the page sets the custom templates define (folders with a page template in them), in order.</summary>
    public IReadOnlyList<string> PageSets => CurrentState().Custom?.PageSetNames ?? [];

    /// <summary>Whether the custom templates define a page set of that name.</summary>
    public bool HasPageSet(string name) => CurrentState().Custom?.HasPageSet(name) == true;

    /// <summary>The template file that answers a response of a type and status in a page set, or <see langword="null"/> for the built-in page.</summary>
    public string? TemplateFor(GatewayErrorType type, int status, string? pageSet)
        => CurrentState().Custom?.For(pageSet) is { } custom ? (custom.Find(type, status) ?? custom.Layout)?.Origin : null;

    /// <summary>The statuses that have a template of their own in a page set or the site's templates, in order.</summary>
    public IReadOnlyList<int> TemplateStatuses(string? pageSet) => [.. (CurrentState().Custom?.For(pageSet).Statuses ?? []).Order()];

    /// <summary>Renders a page without the page cache, in the configured theme or in <paramref name="theme"/> (a built-in theme name), for the preview.</summary>
    public string Render(ErrorResponse error, string? theme = null)
    {
        var state = CurrentState();
        var (themed, custom, branding) = theme is null || BuiltInTemplates.NormalizeTheme(theme) is not { } name || name == state.Theme.Theme
            ? (state.Theme, state.Custom, state.Branding)
            : state.Themed(name, ThemeForPreview);
        using var budget = new CancellationTokenSource(TemplateLimits.RequestBudget);
        return Render(state, themed, custom, error, PageModel.Create(error, branding, error.Texts ?? state.English, state.Options.AutoRetry), budget.Token, out _);
    }

    private string Render(State state, ThemeTemplates theme, CustomTemplates? templates, ErrorResponse error, ScriptObject model, CancellationToken budget, out bool failed,
        bool log = true)
    {
        failed = false;
        if (templates?.For(error.PageSet) is { } custom)
        {
            var page = custom.Find(error.Type.Type, error.StatusCode);
            if (page is not null || custom.Layout is not null)
            {
                try
                {
                    return RenderCustom(custom, page, model, budget);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    failed = true;
                    if (log)
                    {
                        var template = (page ?? custom.Layout)!;
                        var limit = CustomTemplates.LimitOf(exception);
                        if (state.FirstFailure(template.Origin, limit))
                        {
                            Log.ErrorPageTemplateFailed(_logger, template.Origin, limit, error.StatusCode, theme.Theme, exception.GetType().Name,
                                CustomTemplates.Describe(template, exception), error.TraceId);
                        }
                    }

                    model["body"] = null;
                }
            }
        }

        try
        {
            // The built-in page is GatewayErrors' own and cannot loop, so it gets no time budget: a wall-clock budget
            // would only turn a slow moment (the first render in a cold process on a loaded machine, JIT included)
            // into the last-resort page.
            return new PageTemplateContext(theme.Pieces, model, CancellationToken.None).Render(theme.Page);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            failed = true;
            if (log)
            {
                Log.BuiltInErrorPageFailed(_logger, exception, theme.Theme, error.TraceId);
            }

            return HtmlErrorPage.Render(error, error.Texts ?? state.English);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _state?.Dispose();
            _state = null;
        }
    }

    private static string RenderCustom(CustomTemplates custom, ParsedTemplate? page, ScriptObject model, CancellationToken budget)
    {
        var context = new PageTemplateContext(custom.Set, model, budget);

        // Only a layout: it wraps the built-in content, so a team can restyle the chrome and keep the content.
        var body = context.Render(page ?? custom.Content);
        if (ReferenceEquals(page, custom.Layout))
        {
            return body;
        }

        if (custom.Layout is null)
        {
            if (IsDocument(body))
            {
                return body;
            }

            // A lone page template without a layout is a fragment (a 502.sbn-html with an <h1> and a paragraph): sent as
            // it is, it had no doctype, no styles and no reference, while its advice says "quote the reference below".
            // It goes inside the built-in document instead, with the reference when it does not show one itself.
            if (!body.Contains("class=\"gw-ref\"", StringComparison.Ordinal) && custom.Set.Find(BuiltInTemplates.ReferencePartial) is { } reference)
            {
                body += context.Render(reference);
            }

            model["body"] = new TrustedHtml(body);
            return context.Render(custom.Set.Find(BuiltInTemplates.PagePartial)!);
        }

        model["body"] = new TrustedHtml(body);
        return context.Render(custom.Layout);
    }

    /// <summary>Whether a rendered template is a whole document (starts with a doctype or <c>&lt;html</c>), not a fragment.</summary>
    internal static bool IsDocument(string html)
    {
        var start = html.AsSpan().TrimStart();
        return start.StartsWith("<!doctype", StringComparison.OrdinalIgnoreCase) || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Renders every page of <paramref name="custom"/> for every error type, as a GET and as a POST, with hostile values in
    /// everything that can come from a request, an upstream or an exception; reports what fails, where, and any hostile
    /// value that reached the page unencoded.
    /// </summary>
    private static void Check(CustomTemplates custom, PageBranding branding, PageTexts texts, List<string> errors)
    {
        var before = errors.Count;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var page in custom.Pages)
        {
            foreach (var type in Enum.GetValues<GatewayErrorType>())
            {
                // One failure per page is enough to report, and a page that runs into the time budget would otherwise
                // hold the start for a budget per type and method.
                if (reported.Contains(page.Origin))
                {
                    break;
                }

                foreach (var method in (ReadOnlySpan<string>)["GET", "POST"])
                {
                    var status = CustomTemplates.StatusOf(page.Name) ?? ErrorTaxonomy.Get(type).RecommendedStatus;
                    var model = PageModel.Sample(type, status, method, branding, texts, hostile: true);
                    try
                    {
                        using var budget = new CancellationTokenSource(CheckBudget);
                        var html = RenderCustom(custom, page.Name.Equals(CustomTemplates.LayoutName, StringComparison.OrdinalIgnoreCase) ? null : page, model, budget.Token);
                        if (html.Contains(PageModel.HostileMarker, StringComparison.Ordinal) && reported.Add(page.Origin + " live"))
                        {
                            errors.Add($"Error page template '{page.Origin}' writes a value from the request unencoded.");
                        }
                    }
                    catch (Exception exception) when (exception is not OutOfMemoryException)
                    {
                        if (reported.Add(page.Origin))
                        {
                            errors.Add($"Error page template {CustomTemplates.Describe(page, exception)} (rendered for {ErrorTaxonomy.Get(type).Name}, {status}, {method}, with hostile sample values; limit: {CustomTemplates.LimitOf(exception)}).");
                        }
                    }
                }
            }

            if (errors.Count > before + 10)
            {
                return;
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private State CurrentState()
    {
        var options = _options.CurrentValue;
        var state = Volatile.Read(ref _state);
        if (state is not null && ReferenceEquals(state.Options, options))
        {
            return state;
        }

        // First request without a host start-up, or the options were reloaded: compile once, outside the hot path.
        lock (_gate)
        {
            if (_state is { } current && ReferenceEquals(current.Options, options))
            {
                return current;
            }

            var errors = new List<string>();
            var built = Build(options, errors);
            if (errors.Count > 0)
            {
                Log.ErrorPageTemplatesInvalid(_logger, "the built-in page is used instead", string.Join(" ", errors));
            }

            Replace(built);
            return built;
        }
    }

    private void Replace(State state)
    {
        var previous = _state;
        Volatile.Write(ref _state, state);
        previous?.Dispose();
        if (_disposed)
        {
            state.Dispose();
        }
        else
        {
            state.Watch(Reload);
        }
    }

    private State Build(GatewayErrorsOptions options, List<string> errors)
    {
        var branding = PageBranding.From(options);
        var theme = ThemeFor(branding.Theme);
        PhysicalFileProvider? folder = null;
        if (!string.IsNullOrWhiteSpace(options.TemplatesPath))
        {
            var full = Path.GetFullPath(Path.Combine(_contentRoot, options.TemplatesPath));
            if (Directory.Exists(full))
            {
                folder = new PhysicalFileProvider(full);
            }
            else
            {
                errors.Add($"{GatewayErrorsOptions.SectionName}:TemplatesPath = '{options.TemplatesPath}' is the folder '{full}', which does not exist.");
            }
        }

        var state = new State(options, branding, theme, folder, options.TemplateFileProvider, _appTexts?.Invoke(options));
        state.Custom = CompileCustom(state, errors);
        if (state.Custom is { } custom)
        {
            Log.ErrorPageTemplatesLoaded(_logger, custom.Count, string.Join(", ", state.Sources.Select(static s => s.Origin)), theme.Theme);
        }

        return state;
    }

    private static CustomTemplates? CompileCustom(State state, List<string> errors)
    {
        try
        {
            var display = state.Options.TemplatesPath is { } path ? path.TrimEnd('/', '\\') + "/" : null;
            var before = errors.Count;
            state.Sources = CustomTemplates.Collect(state.Options, state.Folder, display, errors);
            if (errors.Count > before)
            {
                return null;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A file can be mid-write when its change is signalled; the next change event brings the complete file.
            errors.Add($"Error page templates could not be read: {exception.Message}");
            return null;
        }

        if (state.Sources.Count == 0)
        {
            return null;
        }

        var count = errors.Count;
        var custom = CustomTemplates.Parse(state.Sources, state.Theme, errors);
        if (custom is not null)
        {
            foreach (var set in custom.AllSets)
            {
                Check(set, state.Branding, state.English, errors);
            }
        }

        return errors.Count > count ? null : custom;
    }

    private ThemeTemplates ThemeForPreview(string theme)
    {
        lock (_gate)
        {
            return ThemeFor(theme);
        }
    }

    // Called under _gate. Built-in themes compile once per process lifetime of the renderer, whatever reloads happen.
    private ThemeTemplates ThemeFor(string theme)
    {
        if (!_themes.TryGetValue(theme, out var compiled))
        {
            compiled = BuiltInTemplates.Compile(theme);
            _themes[theme] = compiled;
        }

        return compiled;
    }

    private void Reload(State changed)
    {
        lock (_gate)
        {
            if (_disposed || !ReferenceEquals(_state, changed))
            {
                return;
            }

            var errors = new List<string>();
            var custom = CompileCustom(changed, errors);
            if (errors.Count > 0)
            {
                // One save often raises two change events (the file watcher sees the truncate and the write): say the
                // same errors once, and again only once they change or the templates compiled in between.
                var reasons = string.Join(" ", errors);
                if (reasons != _lastInvalidReload)
                {
                    _lastInvalidReload = reasons;
                    Log.ErrorPageTemplatesInvalid(_logger, "the previous templates stay in use until they are fixed", reasons);
                }
            }
            else
            {
                _lastInvalidReload = null;
                changed.Custom = custom;
                Log.ErrorPageTemplatesReloaded(_logger, custom?.Count ?? 0);
            }

            Interlocked.Exchange(ref _reloaded, NewSignal()).TrySetResult();
        }
    }

    /// <summary>Everything compiled for one options instance, and the watch on its template files.</summary>
    private sealed class State(
        GatewayErrorsOptions options, PageBranding branding, ThemeTemplates theme, PhysicalFileProvider? folder, IFileProvider? provider, IStringLocalizer? appTexts)
        : IDisposable
    {
        private readonly ConcurrentDictionary<string, PageTexts> _texts = new(StringComparer.Ordinal);
        private IDisposable? _watch;

        /// <summary>The languages a response can be in: the shipped ones, then the ones the app adds.</summary>
        public IReadOnlyList<string> Cultures { get; } = [.. GatewayErrorLocalizationOptions.ShippedCultures
            .Concat(options.Localization.Cultures.Where(static c => !string.IsNullOrWhiteSpace(c)).Select(static c => c.Trim()))
            .Distinct(StringComparer.OrdinalIgnoreCase)];

        public PageTexts English => field ??= Texts(PageCultures.Fallback);

        /// <summary>The texts of one of <see cref="Cultures"/> (the chooser only returns those, so this stays small).</summary>
        public PageTexts Texts(string language) => _texts.GetOrAdd(language, static (l, s) => PageTexts.Create(l, s.AppTexts), this);

        public IStringLocalizer? AppTexts { get; } = appTexts;
        private ConcurrentDictionary<PageKey, CachedPage> _pages = new();
        private ConcurrentDictionary<(string Template, string Limit), byte> _failures = new();

        public GatewayErrorsOptions Options { get; } = options;

        public PageBranding Branding { get; } = branding;

        public ThemeTemplates Theme { get; } = theme;

        public PhysicalFileProvider? Folder { get; } = folder;

        public List<TemplateSource> Sources { get; set; } = [];

        // Swapped whole by a reload; requests read it once per render. Pages cached from the previous templates go with it.
        public CustomTemplates? Custom
        {
            get => Volatile.Read(ref field);
            set
            {
                Volatile.Write(ref field, value);
                Volatile.Write(ref _pages, new ConcurrentDictionary<PageKey, CachedPage>());
                Volatile.Write(ref _failures, new ConcurrentDictionary<(string Template, string Limit), byte>());
            }
        }

        public ConcurrentDictionary<PageKey, CachedPage> Pages => Volatile.Read(ref _pages);

        /// <summary>
        /// The same templates on another built-in theme, for the preview: compiled on first use, and again after a
        /// reload (the preview is a development tool, so this stays out of the request path).
        /// </summary>
        public (ThemeTemplates Theme, CustomTemplates? Custom, PageBranding Branding) Themed(string theme, Func<string, ThemeTemplates> compile)
        {
            var custom = Custom;
            var themed = Volatile.Read(ref _themed);
            if (themed is null || !ReferenceEquals(themed.For, custom))
            {
                themed = new ThemedTemplates(custom);
                Volatile.Write(ref _themed, themed);
            }

            return themed.ByTheme.GetOrAdd(theme, static (name, arg) =>
            {
                var (state, custom, compile) = arg;
                var pieces = compile(name);
                var templates = custom is null ? null : CustomTemplates.Parse(state.Sources, pieces, []);
                return (pieces, templates, state.Branding with { Theme = name });
            }, (this, custom, compile));
        }

        private ThemedTemplates? _themed;

        private sealed class ThemedTemplates(CustomTemplates? custom)
        {
            public CustomTemplates? For { get; } = custom;

            public ConcurrentDictionary<string, (ThemeTemplates, CustomTemplates?, PageBranding)> ByTheme { get; } = new(StringComparer.Ordinal);
        }

        /// <summary>Whether this is the first failure of a template against a limit since these templates were loaded.</summary>
        public bool FirstFailure(string template, string limit) => _failures.TryAdd((template, limit), 0);

        public void Watch(Action<State> reload)
        {
            if (Folder is null && provider is null)
            {
                return;
            }

            _watch = ChangeToken.OnChange(
                () => new CompositeChangeToken([
                    Folder?.Watch("**/*.*") ?? NullChangeToken.Singleton,
                    provider?.Watch("**/*.*") ?? NullChangeToken.Singleton,
                ]),
                reload,
                this);
        }

        public void Dispose()
        {
            _watch?.Dispose();
            Folder?.Dispose();
        }
    }
}

/// <summary>What a cached page depends on besides the templates and options it was rendered with.</summary>
internal readonly record struct PageKey(
    GatewayErrorType Type, int StatusCode, string Upstream, int Present, RetryMode Retry, PageTexts Texts, ErrorNotice? Notice, string? PageSet);
