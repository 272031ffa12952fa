using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace GatewayErrors;

/// <summary>The one HTML encoder of the pages: it encodes HTML-significant characters only, so names in any script stay readable.</summary>
internal static class PageEncoder
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static string Encode(string value) => Encoder.Encode(value);

    /// <summary>Writes <paramref name="value"/> HTML-encoded as UTF-8, without building a string for short values.</summary>
    public static void Write(IBufferWriter<byte> writer, string value)
    {
        Span<byte> utf8 = stackalloc byte[256];
        var source = value.Length <= 64 ? utf8[..Encoding.UTF8.GetBytes(value, utf8)] : Encoding.UTF8.GetBytes(value);
        var destination = writer.GetSpan(source.Length * 8);
        Encoder.EncodeUtf8(source, destination, out _, out var written);
        writer.Advance(written);
    }

    /// <summary>The UTF-8 bytes of <paramref name="value"/>, HTML-encoded: for texts encoded once and written many times.</summary>
    public static byte[] EncodeToUtf8(string value) => Encoding.UTF8.GetBytes(Encoder.Encode(value));
}
