using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;

namespace GatewayErrors;

/// <summary>
/// The byte form of a <see cref="StaleCopy"/> in the shared cache. Versioned, length-prefixed and bounds-checked: bytes
/// written by another version or by something else entirely are rejected with <see cref="InvalidDataException"/>,
/// never half-read.
/// </summary>
/// <remarks>
/// Bytes from the shared cache are hostile (anyone who can write to it can write a well-formed copy): only a 200 is
/// read, and the headers go through the <see cref="StaleCopy"/> constructor, which drops every one that
/// <see cref="StaleCopy.MayReplay(string)"/> refuses (hop-by-hop, <c>Set-Cookie</c>, <c>Content-Length</c>, <c>Age</c>,
/// bad names or values), and clamps <c>Age</c> and freshness to valid structured-field integers.
/// </remarks>
internal sealed class StaleCopySerializer : IHybridCacheSerializer<StaleCopy>
{
    private const uint Magic = 0x47455331; // "GES1"
    private const int MaxHeaders = 1000;
    private const int MaxStringBytes = 64 * 1024;

    public static readonly StaleCopySerializer Instance = new();

    public void Serialize(StaleCopy value, IBufferWriter<byte> target)
    {
        var writer = new Writer(target);
        writer.UInt32(Magic);
        writer.Byte(value.IsVaryRules ? (byte)1 : (byte)0);
        writer.Int64(value.StoredAt.UtcTicks);
        if (value.IsVaryRules)
        {
            writer.Strings(value.VaryHeaders);
            return;
        }

        writer.Int32(value.StatusCode);
        writer.Int64(value.StaleIfError?.Ticks ?? -1);
        writer.Int64(value.FreshnessSeconds);
        writer.Int64(value.InitialAgeSeconds);
        writer.Int32(value.Headers.Length);
        foreach (var (name, values) in value.Headers)
        {
            writer.String(name);
            writer.Strings(values);
        }

        writer.Int32(value.Body.Length);
        writer.Bytes(value.Body);
    }

    public StaleCopy Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new Reader(source.IsSingleSegment ? source.FirstSpan : source.ToArray());
        if (reader.UInt32() != Magic)
        {
            throw new InvalidDataException("Not a stale copy written by GatewayErrors (wrong magic number).");
        }

        var isVaryRules = reader.Byte() switch
        {
            0 => false,
            1 => true,
            var kind => throw new InvalidDataException($"Unknown stale copy kind {kind}."),
        };
        var storedAt = new DateTimeOffset(reader.Ticks(), TimeSpan.Zero);
        if (isVaryRules)
        {
            var rules = StaleCopy.ForVaryRules(reader.Strings(), storedAt);
            reader.End();
            return rules;
        }

        var status = reader.Int32();
        if (status != 200)
        {
            // Only a 200 is ever kept; anything else under a copy's key was not written by GatewayErrors.
            throw new InvalidDataException($"Status {status} is not the status of a kept copy.");
        }

        var staleIfError = reader.Int64() is var sie and >= 0 ? TimeSpan.FromTicks(sie) : (TimeSpan?)null;
        var freshness = reader.Int64();
        var initialAge = reader.Int64();
        var headerCount = reader.Count(MaxHeaders);
        var headers = new KeyValuePair<string, string[]>[headerCount];
        for (var i = 0; i < headers.Length; i++)
        {
            headers[i] = new(reader.String(), reader.Strings());
        }

        var body = reader.Bytes(reader.Count(int.MaxValue));
        reader.End();
        return new StaleCopy(status, storedAt, staleIfError, freshness, initialAge, headers, body);
    }

    private readonly ref struct Writer(IBufferWriter<byte> target)
    {
        public void Byte(byte value)
        {
            target.GetSpan(1)[0] = value;
            target.Advance(1);
        }

        public void UInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(target.GetSpan(4), value);
            target.Advance(4);
        }

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(target.GetSpan(4), value);
            target.Advance(4);
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(target.GetSpan(8), value);
            target.Advance(8);
        }

        public void Bytes(ReadOnlySpan<byte> value) => target.Write(value);

        public void String(string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            Int32(length);
            Encoding.UTF8.GetBytes(value, target.GetSpan(length));
            target.Advance(length);
        }

        public void Strings(string[] values)
        {
            Int32(values.Length);
            foreach (var value in values)
            {
                String(value);
            }
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public byte Byte() => Take(1)[0];

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public long Ticks()
            => Int64() is var ticks and >= 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? ticks
                : throw new InvalidDataException("The stale copy's time is out of range.");

        public int Count(int max)
        {
            var count = Int32();
            return count >= 0 && count <= max && count <= _data.Length - _position
                ? count
                : throw new InvalidDataException($"A stale copy length of {count} does not fit the {_data.Length - _position} bytes left.");
        }

        public byte[] Bytes(int count) => Take(count).ToArray();

        public string String() => Encoding.UTF8.GetString(Take(Count(MaxStringBytes)));

        public string[] Strings()
        {
            var values = new string[Count(MaxHeaders)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = String();
            }

            return values;
        }

        public readonly void End()
        {
            if (_position != _data.Length)
            {
                throw new InvalidDataException($"{_data.Length - _position} bytes follow the stale copy.");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _data.Length - _position)
            {
                throw new InvalidDataException("The stale copy ends early.");
            }

            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }
    }
}
