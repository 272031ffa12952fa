using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GatewayErrors;

/// <summary>
/// Copies a response body as it is written, up to a limit, while passing every byte on unchanged: the response body
/// feature of a request whose response may be kept. Past the limit it stops copying and keeps passing bytes on.
/// </summary>
/// <remarks>
/// Installed only on opted-in endpoints, and only when the kept copy is due for a refresh, so a hot route pays for it
/// once per refresh interval. Writes through <see cref="Writer"/> reach the same stream, so both ways are seen.
/// </remarks>
internal sealed class ResponseCapture : Stream, IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly HttpResponse _response;
    private readonly long _limit;
    private PipeWriter? _writer;
    private byte[]? _buffer;
    private int _length;

    public ResponseCapture(IHttpResponseBodyFeature inner, HttpResponse response, long limit)
    {
        _inner = inner;
        _response = response;
        _limit = limit;
    }

    /// <summary>
    /// The status and headers as the endpoint set them, read when its first byte (or the start of its response) came
    /// through, before any middleware between the endpoint and <c>UseGatewayErrors()</c> saw it: a compressing
    /// middleware adds its <c>Content-Encoding</c> to the same headers when it receives that byte, and its bytes are
    /// not the ones copied here. Null until then.
    /// </summary>
    public ResponseHead? Head { get; private set; }

    /// <summary>Reads the status and headers now, unless the first write already did.</summary>
    public ResponseHead TakeHead() => Head ??= ResponseHead.Of(_response);

    /// <summary>True when the body grew past the limit, so no copy can be kept.</summary>
    public bool Oversized { get; private set; }

    public IHttpResponseBodyFeature Inner => _inner;

    /// <summary>The bytes written so far, in a new array of exactly their length.</summary>
    public byte[] ToArray() => _buffer is null ? [] : _buffer.AsSpan(0, _length).ToArray();

    /// <summary>Pushes out bytes still held by <see cref="Writer"/>, so the copy is complete.</summary>
    public Task FlushWriterAsync() => _writer is null ? Task.CompletedTask : _writer.FlushAsync().AsTask();

    /// <summary>Returns the pooled buffer; call once the copy was taken or abandoned.</summary>
    public void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // IHttpResponseBodyFeature
    Stream IHttpResponseBodyFeature.Stream => this;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

    public void DisableBuffering() => _inner.DisableBuffering();

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        TakeHead();
        if (_writer is not null)
        {
            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await _inner.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        => SendFileFallback.SendFileAsync(this, path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync().ConfigureAwait(false);
        }

        await _inner.CompleteAsync().ConfigureAwait(false);
    }

    // Stream
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => _inner.Stream.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.Stream.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Copy(buffer);
        _inner.Stream.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Copy(buffer.Span);
        return _inner.Stream.WriteAsync(buffer, cancellationToken);
    }

    private void Copy(ReadOnlySpan<byte> bytes)
    {
        if (Head is null && !bytes.IsEmpty)
        {
            TakeHead();
        }

        if (Oversized || bytes.IsEmpty)
        {
            return;
        }

        if (_length + (long)bytes.Length > _limit)
        {
            Oversized = true;
            Release();
            return;
        }

        if (_buffer is null || _buffer.Length - _length < bytes.Length)
        {
            var size = (int)Math.Min(_limit, Math.Max(_length + bytes.Length, (_buffer?.Length ?? 2048) * 2L));
            var grown = ArrayPool<byte>.Shared.Rent(size);
            _buffer?.AsSpan(0, _length).CopyTo(grown);
            Release();
            _buffer = grown;
        }

        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }
}

/// <summary>A response's status and headers at one moment: what a kept copy replays.</summary>
internal sealed record ResponseHead(int StatusCode, KeyValuePair<string, string[]>[] Headers)
{
    public static ResponseHead Of(HttpResponse response)
    {
        var headers = new KeyValuePair<string, string[]>[response.Headers.Count];
        var i = 0;
        foreach (var (name, values) in response.Headers)
        {
            headers[i++] = new(name, values.ToArray()!);
        }

        return new(response.StatusCode, headers);
    }

    /// <summary>The headers as a dictionary of their own, for the readers of response headers.</summary>
    public IHeaderDictionary ToHeaders()
    {
        var headers = new HeaderDictionary(Headers.Length);
        foreach (var (name, values) in Headers)
        {
            headers[name] = values;
        }

        return headers;
    }
}
