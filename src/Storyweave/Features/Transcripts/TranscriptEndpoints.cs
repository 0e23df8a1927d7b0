using Microsoft.OpenApi;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Features.Transcripts;

public static class TranscriptEndpoints
{
    public sealed record ErrorDto(int? Line, string Message);
    public sealed record ErrorsDto(IReadOnlyList<ErrorDto> Errors);

    /// <summary>Room for the multipart envelope around the file: boundaries, part headers and the format field.</summary>
    private const long EnvelopeBytes = 64 * 1024;

    private const string SendAFile = "Send the transcript as a file upload (multipart/form-data) in a field named 'file'.";

    public static void Map(RouteGroupBuilder api)
    {
        // The body is read with MultipartReader rather than bound as IFormFile: the file is streamed
        // into memory up to the limit and no further (no temp files), and no antiforgery metadata is
        // added, so bearer-token clients need no DisableAntiforgery. Cookie callers are still
        // checked by ApiAntiforgeryMiddleware.
        //
        // The multipart body is described for OpenAPI by a transformer, not by Accepts<IFormFile>():
        // Accepts makes routing answer other content types with 415 before authentication runs,
        // so anonymous callers would learn about the endpoint instead of getting 401 (the
        // authorization matrix test catches exactly that).
        api.MapPost("/transcripts/parse", ParseAsync)
            .WithTags("Transcripts")
            .WithSummary("Reads a transcript file (WebVTT, SRT, oTranscribe, timestamped text, f4/MAXQDA/ATLAS.ti time marks, Word/Teams .docx or plain text) and returns its cues. Nothing is stored.")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = MultipartBody();
                return Task.CompletedTask;
            })
            .Produces<ParsedTranscript>(StatusCodes.Status200OK)
            .Produces<ErrorsDto>(StatusCodes.Status400BadRequest)
            .Produces<ErrorsDto>(StatusCodes.Status422UnprocessableEntity)
            .RequireAuthorization(Policies.SignedIn);
    }

    /// <summary>A transcript file read from a multipart request, or the 400 answer that explains what was wrong.</summary>
    public sealed record Upload(byte[] File, string? FileName, string? Format);

    private static async Task<IResult> ParseAsync(HttpRequest request, string? format, CancellationToken ct)
    {
        var (upload, error) = await ReadUploadAsync(request, format, ct);
        if (error is not null) return error;
        try
        {
            return Results.Ok(TranscriptParser.Parse(upload!.File, upload.FileName, upload.Format));
        }
        catch (TranscriptFormatException e)
        {
            return Unparseable(e);
        }
    }

    public static IResult Unparseable(TranscriptFormatException e) =>
        Results.Json(new ErrorsDto(e.Errors.Select(x => new ErrorDto(x.Line, x.Message)).ToList()), statusCode: StatusCodes.Status422UnprocessableEntity);

    /// <summary>
    /// Reads the field <c>file</c> (and optional <c>format</c>) of a multipart request, streaming the
    /// file into memory up to the limit and no further. Shared by the preview endpoint and the import
    /// into a story.
    /// </summary>
    public static async Task<(Upload? Upload, IResult? Error)> ReadUploadAsync(HttpRequest request, string? format, CancellationToken ct)
    {
        byte[]? file = null;
        string? fileName = null;
        IResult? error = null;
        var failure = await MultipartForm.ReadAsync(request, TranscriptParser.MaxFileBytes + EnvelopeBytes, async part =>
        {
            if (part.Name == "file" && file is null)
            {
                fileName = part.FileName;
                file = await MultipartForm.ReadLimitedAsync(part.Body, TranscriptParser.MaxFileBytes, ct);
                if (file is null) error = BadRequest(TranscriptParser.TooLargeMessage(fileName));
            }
            else if (part.Name == "format")
            {
                var value = await MultipartForm.ReadLimitedAsync(part.Body, 100, ct);
                if (value is null) error = BadRequest(TranscriptParser.UnknownFormatMessage("(a very long value)"));
                else format = System.Text.Encoding.UTF8.GetString(value);
            }
            return error is null;
        }, ct);
        switch (failure)
        {
            case MultipartForm.Failure.TooLarge: return (null, BadRequest(TranscriptParser.TooLargeMessage(fileName)));
            case MultipartForm.Failure.NotMultipart: return (null, BadRequest(SendAFile));
            case MultipartForm.Failure.Unreadable: return (null, BadRequest("The upload could not be read: it was cut off or is not a well-formed file upload. " + SendAFile));
        }
        if (error is not null) return (null, error);

        if (file is null) return (null, BadRequest("No file was sent. " + SendAFile));
        if (file.Length == 0) return (null, BadRequest($"The file{(string.IsNullOrEmpty(fileName) ? "" : $" '{fileName}'")} is empty."));
        if (!string.IsNullOrWhiteSpace(format) && TranscriptParser.KnownFormat(format) is null)
            return (null, BadRequest(TranscriptParser.UnknownFormatMessage(format)));
        return (new Upload(file, fileName, string.IsNullOrWhiteSpace(format) ? null : format), null);
    }

    private static OpenApiRequestBody MultipartBody() => new()
    {
        Required = true,
        Description = $"The transcript file in the field 'file' (at most {TranscriptParser.MaxFileBytes / 1024 / 1024} MB), and optionally its format; without one the format is recognised from the content.",
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "file" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                        ["format"] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            Enum = TranscriptParser.Formats.Select(f => (System.Text.Json.Nodes.JsonNode)f).ToList(),
                        },
                    },
                },
            },
        },
    };

    private static IResult BadRequest(string message) =>
        Results.Json(new ErrorsDto([new ErrorDto(null, message)]), statusCode: StatusCodes.Status400BadRequest);
}
