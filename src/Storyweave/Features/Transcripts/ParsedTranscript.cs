namespace Storyweave.Features.Transcripts;

/// <summary>One turn or caption. Times are seconds from the start of the recording; plain text has none.</summary>
public sealed record ParsedCue(double? Start, double? End, string Speaker, string Text);

/// <summary>A transcript read from a file, before anything is stored. <see cref="Format"/> is a format id (see <see cref="TranscriptParser.Formats"/>).</summary>
public sealed record ParsedTranscript(string Format, IReadOnlyList<ParsedCue> Cues);

/// <summary>
/// One problem found in a file. <see cref="Line"/> is the line of a text file; it is null when the
/// problem concerns the whole file or a place that has no line number (a Word paragraph, an
/// oTranscribe timestamp), in which case the message names the place.
/// </summary>
public sealed record TranscriptError(int? Line, string Message);

/// <summary>The file could not be read as a transcript. The messages are written for the person who uploaded it.</summary>
public sealed class TranscriptFormatException : Exception
{
    public TranscriptFormatException() : this("The file could not be read as a transcript.")
    {
    }

    public TranscriptFormatException(string message) : this([new TranscriptError(null, message)])
    {
    }

    public TranscriptFormatException(string message, Exception innerException) : base(message, innerException) =>
        Errors = [new TranscriptError(null, message)];

    public TranscriptFormatException(IReadOnlyList<TranscriptError> errors) : base(string.Join(Environment.NewLine, errors.Select(e => e.Message))) =>
        Errors = errors;

    public IReadOnlyList<TranscriptError> Errors { get; }
}
