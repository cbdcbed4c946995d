using LicensePortal.Options;
using LicensePortal.Services;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LicensePortal.Endpoints;

/// <summary>
/// Reads an uploaded host info file from a request, for the seed's /upload_hostinfo and the API alike: a multipart form's
/// <c>file</c> field, or the raw body. At most <see cref="LicensingOptions.HostInfoMaxBytes"/> plus one byte is read, so an
/// oversized upload is known to be too large without reading it all. What the bytes are is for
/// <see cref="LicenseService.UploadHostInfoAsync"/> to judge (the one intake of host info, also the page's).
/// </summary>
internal static class HostInfoUpload
{
    /// <summary>The file, or a refusal with its HTTP status (413 too large, 400 no file field or a broken form, 415 a body of another type).</summary>
    internal sealed record Result(byte[]? File, int Status, FieldError? Error);

    /// <param name="request">The request.</param>
    /// <param name="rawTypesOnly">
    /// The API takes a raw body only as text/plain or application/octet-stream (or without a type); the seed URL took any.
    /// </param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<Result> ReadAsync(HttpRequest request, bool rawTypesOnly, CancellationToken cancellationToken)
    {
        var limit = request.HttpContext.RequestServices.GetRequiredService<IOptions<LicensingOptions>>().Value.HostInfoMaxBytes;
        if (request.ContentLength > limit && !request.HasFormContentType)
        {
            return TooLarge();
        }
        byte[] body;
        try
        {
            if (request.HasFormContentType)
            {
                if (IsMultipartWithoutBoundary(request.ContentType))
                {
                    return Malformed();
                }
                var form = await request.ReadFormAsync(cancellationToken);
                if (form.Files.GetFile("file") is not { } file)
                {
                    return new Result(null, StatusCodes.Status400BadRequest, new FieldError("file", "Error.Required"));
                }
                await using var stream = file.OpenReadStream();
                body = await ReadCappedAsync(stream, limit, cancellationToken);
            }
            else if (!rawTypesOnly || request.ContentType is null || IsRawFileType(request.ContentType))
            {
                body = await ReadCappedAsync(request.Body, limit, cancellationToken);
            }
            else
            {
                return new Result(null, StatusCodes.Status415UnsupportedMediaType, new FieldError("file", "Error.UnsupportedMediaType"));
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The endpoint's body limit (RequestBodyLimits): the server stopped reading at the limit.
            return TooLarge();
        }
        catch (InvalidDataException ex) when (ex.InnerException is InvalidOperationException)
        {
            // A URL-encoded form with U+0000 in a value: the form reader refuses it ("invalid characters"), a broken form.
            return Malformed();
        }
        catch (InvalidDataException)
        {
            // The form reader's own limits (the file part over MultipartBodyLengthLimit, too many or too long part headers).
            return TooLarge();
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // A form that ends before its closing boundary, or a body the server could not read (bad chunked framing).
            return Malformed();
        }
        return body.Length > limit ? TooLarge() : new Result(body, StatusCodes.Status200OK, null);
    }

    private static Result Malformed() => new(null, StatusCodes.Status400BadRequest, new FieldError("file", "HostInfo.MalformedForm"));

    /// <summary>The form reader throws on a multipart type without a boundary; that is the caller's mistake, a 400.</summary>
    private static bool IsMultipartWithoutBoundary(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)
        && HeaderUtilities.RemoveQuotes(media.Boundary).Length == 0;

    private static Result TooLarge() => new(null, StatusCodes.Status413PayloadTooLarge, new FieldError("file", "HostInfo.TooLarge"));

    private static bool IsRawFileType(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase) || media.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase));

    private static async Task<byte[]> ReadCappedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[limit + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }
        return buffer[..total];
    }
}
