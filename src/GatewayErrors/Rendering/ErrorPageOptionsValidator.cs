using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace GatewayErrors;

/// <summary>
/// Checks the page options (theme, templates, branding) at start-up; each message names the configuration key and the value.
/// </summary>
/// <remarks>
/// Only rules about the values themselves live here. Templates are compiled by <see cref="ErrorPageStartupCheck"/>:
/// options are validated again on every configuration reload, and a template file that broke meanwhile must not make
/// the options (and with them every request) fail.
/// </remarks>
internal sealed partial class ErrorPageOptionsValidator : IValidateOptions<GatewayErrorsOptions>
{
    private const string Section = GatewayErrorsOptions.SectionName;
    private const string BrandingSection = GatewayErrorsOptions.SectionName + ":Branding";

    public ValidateOptionsResult Validate(string? name, GatewayErrorsOptions options)
    {
        var failures = new List<string>();

        if (BuiltInTemplates.NormalizeTheme(options.Theme) is null)
        {
            failures.Add($"{Section}:Theme = '{options.Theme}' is not a built-in theme; use one of: {string.Join(", ", BuiltInTemplates.ThemeNames)}.");
        }

        if (options.TemplatesPath is { } path && (string.IsNullOrWhiteSpace(path) || path.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            failures.Add($"{Section}:TemplatesPath = '{path}' is not a folder path (leave it unset for no template folder).");
        }

        if (options.Branding.SiteName is { } siteName && (string.IsNullOrWhiteSpace(siteName) || siteName.Length > 100))
        {
            failures.Add($"{BrandingSection}:SiteName = '{siteName}' must be 1 to 100 characters (leave it unset to say \"This site\").");
        }

        if (options.Branding.AccentColor is { } color && !CssColor().IsMatch(color.Trim()))
        {
            failures.Add($"{BrandingSection}:AccentColor = '{color}' is not a CSS colour this page accepts; use #rgb, #rrggbb, #rrggbbaa, rgb(…), hsl(…) or a colour name.");
        }

        if (options.Branding.LogoUrl is { } logo && !IsLogoUrl(logo))
        {
            failures.Add($"{BrandingSection}:LogoUrl = '{logo.OriginalString}' must be an absolute http(s) URL, a root-relative path such as /logo.svg, or a data:image/ URI.");
        }

        CheckHttpUrl(failures, "SupportUrl", options.Branding.SupportUrl);
        CheckHttpUrl(failures, "StatusPageUrl", options.Branding.StatusPageUrl);

        if (options.Branding.SupportEmail is { } email && !Email().IsMatch(email.Trim()))
        {
            failures.Add($"{BrandingSection}:SupportEmail = '{email}' is not an e-mail address such as support@example.com.");
        }

        CheckNotice(failures, $"{Section}:Notice", options.Notice);
        CheckAutoRetry(failures, options.AutoRetry);
        foreach (var culture in options.Localization.Cultures)
        {
            if (string.IsNullOrWhiteSpace(culture) || culture.Length > 35 || !culture.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-')
                || culture.StartsWith('-') || culture.EndsWith('-'))
            {
                failures.Add($"{Section}:Localization:Cultures contains '{culture}', which is not a language tag such as nl or pt-BR.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Localization.ResourceName))
        {
            failures.Add($"{Section}:Localization:ResourceName must not be blank (leave it unset for GatewayErrorPages).");
        }
        foreach (var (upstream, settings) in options.Upstreams)
        {
            CheckNotice(failures, $"{Section}:Upstreams:{upstream}:Notice", settings?.Notice);
        }

        foreach (var (key, template) in options.Templates)
        {
            if (string.IsNullOrWhiteSpace(key) || template is null)
            {
                failures.Add($"{Section}:Templates:{key} needs a name and a template text.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckAutoRetry(List<string> failures, GatewayErrorAutoRetryOptions retry)
    {
        const string Key = Section + ":AutoRetry";
        if (retry.Delay < TimeSpan.FromSeconds(1) || retry.Delay > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Key}:Delay = {retry.Delay} must be at least 00:00:01 and at most 00:10:00.");
        }

        if (retry.MaxDelay < retry.Delay || retry.MaxDelay > TimeSpan.FromHours(1))
        {
            failures.Add($"{Key}:MaxDelay = {retry.MaxDelay} must be at least {Key}:Delay ({retry.Delay}) and at most 01:00:00.");
        }

        if (retry.MaxAttempts is < 1 or > 100)
        {
            failures.Add($"{Key}:MaxAttempts = {retry.MaxAttempts} must be between 1 and 100.");
        }
    }

    private static void CheckNotice(List<string> failures, string key, GatewayErrorNoticeOptions? notice)
    {
        if (notice is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(notice.Message))
        {
            if (notice.Message is not null || notice.Since is not null || notice.Url is not null)
            {
                failures.Add($"{key}:Message must not be blank when {key} is set: it is the text the notice shows (remove the section for no notice).");
            }
        }
        else if (notice.Message.Trim().Length > GatewayErrorNoticeOptions.MaxMessageLength)
        {
            failures.Add($"{key}:Message is {notice.Message.Trim().Length} characters; a notice may have at most {GatewayErrorNoticeOptions.MaxMessageLength} (link the details with {key}:Url).");
        }

        if (notice.Url is { } url && !IsHttp(url))
        {
            failures.Add($"{key}:Url = '{url.OriginalString}' must be an absolute http or https URL.");
        }
    }

    private static void CheckHttpUrl(List<string> failures, string key, Uri? url)
    {
        if (url is not null && !IsHttp(url))
        {
            failures.Add($"{BrandingSection}:{key} = '{url.OriginalString}' must be an absolute http or https URL.");
        }
    }

    // Only schemes that cannot run script: a configured javascript: URL would otherwise become a live link on the page.
    private static bool IsHttp(Uri url)
        => url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp) && !string.IsNullOrEmpty(url.Host);

    private static bool IsLogoUrl(Uri url)
    {
        var text = url.OriginalString.Trim();
        if (text.StartsWith('/') && !text.StartsWith("//", StringComparison.Ordinal))
        {
            return true;
        }

        return IsHttp(url) || text.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase);
    }

    // No quotes, semicolons, braces or angle brackets can pass: the value is written inside a <style> element.
    [GeneratedRegex(@"^(#[0-9a-fA-F]{3,4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s/a-z-]{1,60}\)|[a-zA-Z]{3,30})$", RegexOptions.CultureInvariant)]
    private static partial Regex CssColor();

    [GeneratedRegex(@"^[^\s@<>""'()\[\]\\,;:]+@[^\s@<>""'()\[\]\\,;:]+\.[^\s@<>""'()\[\]\\,;:]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Email();
}
