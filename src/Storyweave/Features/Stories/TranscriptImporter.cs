using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Transcripts;

namespace Storyweave.Features.Stories;

/// <summary>Parses an uploaded transcript file and stores it as a story's transcript (pages and API share this).</summary>
public sealed class TranscriptImporter(StoryweaveDb db, TranscriptService transcripts)
{
    public sealed record Outcome(ParsedTranscript? Parsed, TranscriptFormatException? FormatError, IReadOnlyList<string> Errors, bool NeedsReplace, int Version);

    public async Task<Outcome> ImportAsync(int projectId, int storyId, byte[] file, string? fileName, string? format, bool replace, string actorUserId, CancellationToken ct = default)
    {
        var story = await db.Stories.AsNoTracking().Where(s => s.Id == storyId && s.ProjectId == projectId)
            .Select(s => new { s.TranscriptVersion, Lines = s.Cues.Count }).SingleOrDefaultAsync(ct);
        if (story is null) return new Outcome(null, null, ["That story is not part of this project."], false, 0);
        if (story.Lines > 0 && !replace)
            return new Outcome(null, null, [$"This story already has a transcript ({story.Lines} lines). Importing replaces it: tick \"Replace the current transcript\" (or send replace=true) to go ahead."], true, story.TranscriptVersion);

        ParsedTranscript parsed;
        try
        {
            parsed = TranscriptParser.Parse(file, fileName, format);
        }
        catch (TranscriptFormatException e)
        {
            return new Outcome(null, e, e.Errors.Select(x => x.Line is { } line ? $"Line {line}: {x.Message}" : x.Message).ToList(), false, story.TranscriptVersion);
        }
        var saved = await transcripts.SaveAsync(projectId, storyId,
            parsed.Cues.Select(c => new TranscriptService.CueInput(c.Start, c.End, c.Speaker, c.Text)).ToList(), story.TranscriptVersion, parsed.Format, actorUserId, ct);
        if (saved.Conflict)
            return new Outcome(null, null, ["Someone else changed this transcript just now. Reload the page and try again."], false, saved.Version);
        return saved.Saved ? new Outcome(parsed, null, [], false, saved.Version) : new Outcome(null, null, saved.Errors, false, story.TranscriptVersion);
    }
}
