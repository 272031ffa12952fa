namespace GatewayErrors;

/// <summary>
/// The English words of an error type as shipped (GatewayErrors' neutral resources), for what never follows the visitor's
/// language (the logs) and for a body written without the request's texts. Responses read <see cref="TypeTexts"/> in
/// their language instead.
/// </summary>
/// <remarks>
/// Extension members rather than members of <see cref="ErrorTypeInfo"/>, so the taxonomy stays data that depends on
/// nothing, and Localization depends on it, not the other way round.
/// </remarks>
internal static class EnglishTexts
{
    private static readonly string[] Titles = ErrorTaxonomy.All.Select(static row => PageTexts.Neutral(row.TitleKey)).ToArray();
    private static readonly string[] Summaries = ErrorTaxonomy.All.Select(static row => PageTexts.Neutral(row.SummaryKey)).ToArray();

    extension(ErrorTypeInfo row)
    {
        /// <summary>Gets the English title as shipped ("Upstream service timed out").</summary>
        public string EnglishTitle => Titles[(int)row.Type];

        /// <summary>Gets the English summary as shipped.</summary>
        public string EnglishSummary => Summaries[(int)row.Type];
    }
}
