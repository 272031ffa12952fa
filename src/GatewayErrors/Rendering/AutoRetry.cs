using Microsoft.AspNetCore.Http;

namespace GatewayErrors;

/// <summary>What the page does about retrying.</summary>
internal enum RetryMode
{
    /// <summary>The failure is not transient: the page says when to try again, nothing more.</summary>
    None,

    /// <summary>A GET or HEAD that failed transiently: the page counts down, checks, and reloads once the site works.</summary>
    Automatic,

    /// <summary>Any other method: resending is the visitor's decision, so the page says it does not, and offers a way back.</summary>
    NotResent,
}

/// <summary>Decides whether a page retries by itself (see <see cref="GatewayErrorAutoRetryOptions"/>).</summary>
internal static class AutoRetryPolicy
{
    public static RetryMode ModeFor(ErrorResponse error, TypeTexts texts, GatewayErrorAutoRetryOptions options)
    {
        if (!HttpMethods.IsGet(error.Method) && !HttpMethods.IsHead(error.Method))
        {
            // A POST, PUT or DELETE resent by a script could order twice; WCAG aside, that decision is the visitor's.
            return RetryMode.NotResent;
        }

        if (!options.Enabled)
        {
            return RetryMode.None;
        }

        return error.StatusCode switch
        {
            // RFC 9110 section 10.2.3: the server said when to come back; a wait longer than the cap is left to the visitor.
            StatusCodes.Status503ServiceUnavailable => error.RetryAfterSeconds is { } seconds && seconds <= options.MaxDelay.TotalSeconds
                ? RetryMode.Automatic
                : RetryMode.None,
            StatusCodes.Status502BadGateway or StatusCodes.Status504GatewayTimeout => texts.WaitAndReload ? RetryMode.Automatic : RetryMode.None,
            _ => RetryMode.None,
        };
    }

    /// <summary>The countdown's first value: the Retry-After wait when known, else the configured delay.</summary>
    public static long WaitSeconds(ErrorResponse error, GatewayErrorAutoRetryOptions options)
        => error.RetryAfterSeconds is { } seconds ? Math.Max(1, seconds) : (long)Math.Ceiling(options.Delay.TotalSeconds);

    /// <summary>
    /// A CSP nonce as the app gave it, if it can go into an attribute as it is: base64 or base64url, at most 256 characters.
    /// Anything else is dropped rather than encoded, since an encoded nonce would not match the header's.
    /// </summary>
    public static string? SafeNonce(string? nonce)
    {
        if (string.IsNullOrEmpty(nonce) || nonce.Length > 256)
        {
            return null;
        }

        foreach (var c in nonce)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '-' or '_'))
            {
                return null;
            }
        }

        return nonce;
    }
}
