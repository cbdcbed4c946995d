using LicensePortal.Endpoints.Api;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Endpoints;

/// <summary>
/// Per-endpoint request body limits, enforced while reading: a body past its endpoint's limit is refused with 413 as
/// soon as the limit is passed (a declared length at once, a chunked body at the first byte over), never read whole.
/// </summary>
public static class RequestBodyLimits
{
    /// <summary>Every JSON endpoint of /api/v1 (the largest real request, a bulk delete of 200 names, is a few KiB).</summary>
    public const long JsonMaxBytes = 1024 * 1024;

    /// <summary>Room for a multipart form's boundaries and part headers around the host info file.</summary>
    public const int MultipartMargin = 8 * 1024;

    /// <summary>
    /// The endpoint's limit as <see cref="IRequestSizeLimitMetadata"/>: routing hands it to the server (Kestrel stops
    /// reading past it), and <see cref="UseRequestBodyLimits"/> enforces it for any server.
    /// </summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long maxBytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimit(maxBytes));

    /// <summary>The host info endpoints: the file's limit plus the multipart framing, for the whole body and the form's file part.</summary>
    public static RouteHandlerBuilder WithHostInfoBodyLimit(this RouteHandlerBuilder builder, int hostInfoMaxBytes) =>
        builder.WithBodyLimit(hostInfoMaxBytes + MultipartMargin).WithFormOptions(multipartBodyLengthLimit: hostInfoMaxBytes + MultipartMargin);

    /// <summary>
    /// Refuses a declared <c>Content-Length</c> over the endpoint's limit before anything reads it, and caps the body
    /// stream at the limit for servers that do not (the in-memory test server; Kestrel also enforces it itself).
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize is { } limit)
        {
            if (context.Request.ContentLength > limit)
            {
                var text = context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
                await ApiProblems.Problem(text, StatusCodes.Status413PayloadTooLarge, "Error.PayloadTooLarge").ExecuteAsync(context);
                return;
            }
            context.Request.Body = new CappedBody(context.Request.Body, limit);
        }
        await next(context);
    });

    private sealed record BodyLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;

    /// <summary>A read-only body that throws the server's own 413 exception once more than the limit has been read.</summary>
    private sealed class CappedBody(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
