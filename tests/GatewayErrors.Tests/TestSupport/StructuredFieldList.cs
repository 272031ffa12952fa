using System.Globalization;
using System.Text;

namespace GatewayErrors.Tests.TestSupport;

/// <summary>One member of an RFC 8941 List: a bare item and its parameters.</summary>
public sealed record StructuredItem(object Value, IReadOnlyDictionary<string, object> Parameters)
{
    public object? this[string parameter] => Parameters.TryGetValue(parameter, out var value) ? value : null;
}

/// <summary>A token, kept apart from strings so tests can tell <c>error=x</c> from <c>error="x"</c>.</summary>
public sealed record Token(string Value)
{
    public override string ToString() => Value;
}

/// <summary>
/// A strict parser for RFC 8941 Lists of items (no inner lists, which Proxy-Status does not use). It throws
/// <see cref="FormatException"/> on anything the RFC's parsing algorithm (section 4.2) would reject, so a test that
/// parses a header proves the header is valid, not just that it contains the right words.
/// </summary>
public static class StructuredFieldList
{
    public static IReadOnlyList<StructuredItem> Parse(string input)
    {
        var reader = new Reader(input);
        reader.SkipSpaces();
        var members = new List<StructuredItem>();
        while (!reader.End)
        {
            members.Add(ParseItem(ref reader));
            reader.SkipOws();
            if (reader.End)
            {
                return members;
            }

            reader.Expect(',');
            reader.SkipOws();
            if (reader.End)
            {
                throw new FormatException("Trailing comma in list.");
            }
        }

        return members;
    }

    private static StructuredItem ParseItem(ref Reader reader)
    {
        var value = ParseBareItem(ref reader);
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        while (!reader.End && reader.Peek == ';')
        {
            reader.Advance();
            reader.SkipSpaces();
            var key = ParseKey(ref reader);
            object parameterValue = true;
            if (!reader.End && reader.Peek == '=')
            {
                reader.Advance();
                parameterValue = ParseBareItem(ref reader);
            }

            parameters[key] = parameterValue;
        }

        return new StructuredItem(value, parameters);
    }

    private static string ParseKey(ref Reader reader)
    {
        if (reader.End || !(char.IsAsciiLetterLower(reader.Peek) || reader.Peek == '*'))
        {
            throw new FormatException($"Invalid key start at {reader.Position}.");
        }

        var start = reader.Position;
        while (!reader.End && (char.IsAsciiLetterLower(reader.Peek) || char.IsAsciiDigit(reader.Peek) || reader.Peek is '_' or '-' or '.' or '*'))
        {
            reader.Advance();
        }

        return reader.Slice(start);
    }

    private static object ParseBareItem(ref Reader reader)
    {
        if (reader.End)
        {
            throw new FormatException("Missing item.");
        }

        var c = reader.Peek;
        if (c == '"')
        {
            return ParseString(ref reader);
        }

        if (c == '-' || char.IsAsciiDigit(c))
        {
            var start = reader.Position;
            reader.Advance();
            while (!reader.End && char.IsAsciiDigit(reader.Peek))
            {
                reader.Advance();
            }

            var text = reader.Slice(start);
            if (text.TrimStart('-').Length is 0 or > 15)
            {
                throw new FormatException($"Invalid integer '{text}'.");
            }

            return long.Parse(text, CultureInfo.InvariantCulture);
        }

        if (c == '?')
        {
            reader.Advance();
            var flag = reader.Peek;
            reader.Advance();
            return flag switch { '1' => true, '0' => false, _ => throw new FormatException("Invalid boolean.") };
        }

        if (char.IsAsciiLetter(c) || c == '*')
        {
            var start = reader.Position;
            while (!reader.End && IsTokenChar(reader.Peek))
            {
                reader.Advance();
            }

            return new Token(reader.Slice(start));
        }

        throw new FormatException($"Unexpected '{c}' at {reader.Position}.");
    }

    private static string ParseString(ref Reader reader)
    {
        reader.Expect('"');
        var value = new StringBuilder();
        while (true)
        {
            if (reader.End)
            {
                throw new FormatException("Unterminated string.");
            }

            var c = reader.Peek;
            reader.Advance();
            if (c == '\\')
            {
                if (reader.End || reader.Peek is not ('"' or '\\'))
                {
                    throw new FormatException("Invalid escape.");
                }

                value.Append(reader.Peek);
                reader.Advance();
            }
            else if (c == '"')
            {
                return value.ToString();
            }
            else if (c is < ' ' or > '~')
            {
                throw new FormatException($"Character U+{(int)c:X4} is not allowed in a string.");
            }
            else
            {
                value.Append(c);
            }
        }
    }

    private static bool IsTokenChar(char c)
        => char.IsAsciiLetterOrDigit(c) || c is ':' or '/' or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    private ref struct Reader(string input)
    {
        private readonly string _input = input;

        public int Position { get; private set; }

        public readonly bool End => Position >= _input.Length;

        public readonly char Peek => _input[Position];

        public void Advance() => Position++;

        public readonly string Slice(int start) => _input[start..Position];

        public void Expect(char c)
        {
            if (End || Peek != c)
            {
                throw new FormatException($"Expected '{c}' at {Position}.");
            }

            Advance();
        }

        public void SkipSpaces()
        {
            while (!End && Peek == ' ')
            {
                Advance();
            }
        }

        public void SkipOws()
        {
            while (!End && Peek is ' ' or '\t')
            {
                Advance();
            }
        }
    }
}
