using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Storyweave.Hosting;

/// <summary>
/// Reads a multipart/form-data request part by part, without writing anything to disk, for the endpoints that take
/// small files into memory (transcripts). The caller says what to do with each part and may stop early with its own
/// message; this says plainly when the request is not multipart, is over the size allowed, or was cut off.
/// </summary>
public static class MultipartForm
{
    public enum Failure { None, NotMultipart, TooLarge, Unreadable }

    private const int ReadBufferBytes = 64 * 1024;

    /// <summary>One part: its field name, the file name it was sent with (if any) and its body.</summary>
    public sealed record Part(string? Name, string? FileName, Stream Body);

    /// <summary>
    /// Calls <paramref name="part"/> for each part in order until it answers false. <paramref name="maxBytes"/> bounds the
    /// whole request (Kestrel's own limit is lowered to it, so a body sent without a Content-Length is cut off at the same size).
    /// </summary>
    public static async Task<Failure> ReadAsync(HttpRequest request, long maxBytes, Func<Part, Task<bool>> part, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) return Failure.TooLarge;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
            return Failure.NotMultipart;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = maxBytes;
        try
        {
            // 64 KB reads instead of MultipartReader's 4 KB: a 100-file import's body was a quarter of its CPU (issue #17).
            var reader = new MultipartReader(boundary, request.Body, ReadBufferBytes) { BodyLengthLimit = maxBytes };
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                if (!await part(new Part(HeaderUtilities.RemoveQuotes(disposition.Name).Value, fileName, section.Body))) break;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Failure.TooLarge;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or BadHttpRequestException)
        {
            return Failure.Unreadable;
        }
        return Failure.None;
    }

    /// <summary>The part's bytes, or null as soon as they pass <paramref name="limit"/> (the rest is never buffered).</summary>
    /// <remarks>Read into a pooled buffer and copied once into an array of the part's size: a MemoryStream growing from 256
    /// bytes plus a new 80 KB block per part was about five times a 42 KB transcript's size in garbage (issue #17).</remarks>
    public static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0) break;
                if (length + (long)read > limit) return null;
                length += read;
            }
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
