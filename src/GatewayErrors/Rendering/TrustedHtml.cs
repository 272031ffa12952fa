namespace GatewayErrors;

/// <summary>
/// Markup GatewayErrors wrote itself (a rendered template, a link it built, its own script): the one kind of value a
/// template writes as it is. Everything else a template prints is HTML-encoded (see <see cref="PageTemplateContext"/>).
/// </summary>
/// <remarks>
/// A template cannot make one: string functions, concatenation and <c>capture</c> all turn it back into a plain string,
/// which is then encoded like any other value. So a value from the request can never become markup, and markup from an
/// <c>include</c> is never encoded twice.
/// </remarks>
internal sealed class TrustedHtml(string markup)
{
    public string Markup { get; } = markup;

    /// <summary>The markup, for Scriban's string functions; what they return is an ordinary (encoded) string again.</summary>
    public override string ToString() => Markup;
}
