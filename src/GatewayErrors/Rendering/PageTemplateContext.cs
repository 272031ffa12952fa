using System.Globalization;
using Scriban;
using Scriban.Functions;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace GatewayErrors;

/// <summary>
/// The Scriban context of one render: created for that render and dropped after it (never reused, as the 2026 advisories
/// GHSA-5wr9-m6jw-xx44 and GHSA-x6m9-38vm-2xhf require), with the model as its only global, GatewayErrors' limits, and
/// output that encodes every value.
/// </summary>
/// <remarks>
/// <para>
/// <b>Escaped by default.</b> Scriban writes what an expression returns as it is (its maintainer declined escaping by
/// default: scriban #637, #388, #137). Here every value an expression writes is HTML-encoded at output, after whatever the
/// template did to it (string functions, concatenation), so it is encoded exactly once. The one exception is
/// <see cref="TrustedHtml"/>, which only GatewayErrors makes: what <c>include</c> returns, the layout's <c>body</c>, the
/// links it builds and its script. Encoding every write instead would encode an included partial's markup, and its values
/// twice; that is why <c>include</c> is replaced rather than its output filtered.
/// </para>
/// <para>
/// <b>Sandbox.</b> The model is a <see cref="ScriptObject"/> built by hand (no CLR object is reachable); <c>include</c>
/// only knows the templates of the configured sources, by name; <c>include_join</c>, <c>object.eval</c> and
/// <c>object.eval_template</c> are gone; the built-in functions are frozen, so one render cannot change what the next
/// one sees. <see cref="TemplateLimits"/> bounds loops, recursion, strings and time.
/// </para>
/// </remarks>
internal sealed class PageTemplateContext : TemplateContext
{
    private static readonly BuiltinFunctions Builtins = CreateBuiltins();

    public PageTemplateContext(TemplateSet templates, ScriptObject model, CancellationToken budget)
        : base(Builtins, StringComparer.Ordinal)
    {
        Templates = templates;
        LoopLimit = TemplateLimits.LoopLimit;
        RecursiveLimit = TemplateLimits.RecursiveLimit;
        LimitToString = TemplateLimits.LimitToString;
        ObjectRecursionLimit = TemplateLimits.ObjectRecursionLimit;
        RegexTimeOut = TemplateLimits.RequestBudget;
        CancellationToken = budget;

        // A misspelt variable is an error the start-up check reports, not an empty string in production.
        StrictVariables = true;
        NewLine = "\n";
        PushCulture(CultureInfo.InvariantCulture);
        PushGlobal(model);
    }

    /// <summary>The templates <c>include</c> can reach: the built-in pieces and the configured ones, by name.</summary>
    public TemplateSet Templates { get; }

    public override TemplateContext Write(SourceSpan span, object? textAsObject)
    {
        switch (textAsObject)
        {
            case null:
                break;
            case TrustedHtml html:
                Write(html.Markup);
                break;
            case string text:
                Write(PageEncoder.Encode(text));
                break;
            default:
                if (ObjectToString(textAsObject) is { } converted)
                {
                    Write(PageEncoder.Encode(converted));
                }

                break;
        }

        return this;
    }

    /// <summary>Renders one template into a string, bounded by <see cref="TemplateLimits.LimitToString"/>.</summary>
    public string Render(ParsedTemplate template)
    {
        var output = template.Template.Render(this);
        if (output.Length >= TemplateLimits.LimitToString)
        {
            throw new ScriptRuntimeException(
                new SourceSpan(template.Origin, default, default), $"The page is longer than LimitToString `{TemplateLimits.LimitToString}`.");
        }

        return output;
    }

    private static BuiltinFunctions CreateBuiltins()
    {
        var builtins = new BuiltinFunctions();
        builtins.SetValue("include", new IncludeFunction(), readOnly: true);
        builtins.Remove("include_join");
        if (builtins["object"] is ScriptObject objects)
        {
            objects.Remove("eval");
            objects.Remove("eval_template");
        }

        if (builtins["html"] is ScriptObject html)
        {
            // Output is encoded anyway: an explicit html.escape must not encode a second time.
            html.SetValue("escape", new PlainTextFunction(), readOnly: true);
        }

        Freeze(builtins);
        return builtins;
    }

    private static void Freeze(ScriptObject scriptObject)
    {
        foreach (var value in scriptObject.Values)
        {
            if (value is ScriptObject inner)
            {
                Freeze(inner);
            }
        }

        scriptObject.IsReadOnly = true;
    }

    /// <summary>
    /// <c>include 'name'</c>: renders another template of the set and returns its output as markup. A name is a template
    /// name, never a path: anything not in the set (<c>../x</c>, <c>/etc/passwd</c>) is an error.
    /// </summary>
    private sealed class IncludeFunction : IScriptCustomFunction
    {
        public int RequiredParameterCount => 1;

        public int ParameterCount => 1;

        public ScriptVarParamKind VarParamKind => ScriptVarParamKind.Direct;

        public Type ReturnType => typeof(object);

        public object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
        {
            var span = callerContext?.Span ?? context.CurrentSpan;
            var name = arguments.Count > 0 ? context.ObjectToString(arguments[0]) : null;
            if (context is not PageTemplateContext page || string.IsNullOrEmpty(name) || page.Templates.Find(name) is not { } template)
            {
                throw new ScriptRuntimeException(span,
                    $"include '{name}': there is no template of that name (include takes a template name such as 'footer' or 'gw-hops', never a path).");
            }

            return new TrustedHtml(context.RenderTemplate(template.Template, arguments, callerContext));
        }

        public ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
            => ValueTask.FromResult(Invoke(context, callerContext, arguments, blockStatement));

        public ScriptParameterInfo GetParameterInfo(int index)
            => index == 0 ? new ScriptParameterInfo(typeof(string), "template_name") : new ScriptParameterInfo(typeof(object), "value");
    }

    /// <summary><c>html.escape</c>: returns its argument as plain text, which output then encodes once.</summary>
    private sealed class PlainTextFunction : IScriptCustomFunction
    {
        public int RequiredParameterCount => 1;

        public int ParameterCount => 1;

        public ScriptVarParamKind VarParamKind => ScriptVarParamKind.None;

        public Type ReturnType => typeof(string);

        public object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
            => arguments.Count > 0 && arguments[0] is { } value ? context.ObjectToString(value) : null;

        public ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
            => ValueTask.FromResult(Invoke(context, callerContext, arguments, blockStatement));

        public ScriptParameterInfo GetParameterInfo(int index) => new(typeof(string), "text");
    }
}

/// <summary>The limits every render runs under; docs/themes-and-templates.md lists them.</summary>
internal static class TemplateLimits
{
    /// <summary>Loop iterations per render, all loops together (Scriban 7 counts nested loops against one limit).</summary>
    public const int LoopLimit = 1000;

    /// <summary>Nested includes and function calls; the built-in page nests three deep.</summary>
    public const int RecursiveLimit = 20;

    /// <summary>The longest string or page, in characters: 1 MiB, Scriban's own default.</summary>
    public const int LimitToString = 1_048_576;

    /// <summary>How deep a value may nest when converted to a string; the model nests two deep.</summary>
    public const int ObjectRecursionLimit = 20;

    /// <summary>
    /// The time one request may spend rendering its page, both renders of a first page together. Checked before every
    /// statement and loop step, and the regex timeout; a template past it gets the built-in page instead.
    /// </summary>
    public static readonly TimeSpan RequestBudget = TimeSpan.FromSeconds(1);
}
