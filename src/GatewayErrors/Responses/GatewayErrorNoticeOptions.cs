namespace GatewayErrors;

/// <summary>
/// An incident notice: what the operators know, shown on every error page, in problem details (extension member
/// <c>notice</c>) and in the plain text body. Bound from <c>GatewayErrors:Notice</c> (the whole site) and
/// <c>GatewayErrors:Upstreams:&lt;name&gt;:Notice</c> (one upstream), reloaded with the configuration.
/// </summary>
/// <remarks>
/// The notice is plain text: it is HTML-encoded on the page and never read as markup. An upstream's notice replaces
/// the site's notice on that upstream's errors, because it is the more specific of the two.
/// </remarks>
public sealed class GatewayErrorNoticeOptions
{
    /// <summary>The most characters <see cref="Message"/> may have: a notice is a sentence or two, not a report.</summary>
    public const int MaxMessageLength = 500;

    /// <summary>Gets or sets the notice itself, such as "We are deploying a new version." or "The payment provider is down.".</summary>
    /// <value>Defaults to <see langword="null"/>: no notice. At most <see cref="MaxMessageLength"/> characters.</value>
    public string? Message { get; set; }

    /// <summary>
    /// Gets or sets when the incident started, shown in UTC ("Since 2026-12-01 14:05 UTC"). Give the offset
    /// (<c>2026-12-01T14:05:00Z</c>): a time without one is read in the server's time zone.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no start time.</value>
    public DateTimeOffset? Since { get; set; }

    /// <summary>Gets or sets a link to more information, such as the incident on a status page: an absolute <c>https</c> or <c>http</c> URL.</summary>
    /// <value>Defaults to <see langword="null"/>: no link.</value>
    public Uri? Url { get; set; }
}
