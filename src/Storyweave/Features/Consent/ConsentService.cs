using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Events;

namespace Storyweave.Features.Consent;

/// <summary>
/// Records consent decisions (always as a new record). Deciding what they allow is <see cref="ConsentPolicy"/>'s job.
/// The actor is null when the storyteller changed it themself on their own page (no account).
/// </summary>
public sealed class ConsentService(StoryweaveDb db, TimeProvider clock, Reports.ReportStaleness reportStaleness, Clips.ClipService clips)
{
    public sealed record ConsentInput(
        bool Recording, bool Analysis, bool Quotes, bool Clips, bool PublishStory,
        CreditStyle CreditInReports, CreditStyle CreditInClips, CreditStyle CreditOnPublicSite, string? Pseudonym,
        DateOnly? EmbargoUntil, ConsentMethod Method, int? VerbalMediaId, double? VerbalAtSeconds, string? PaperFormReference,
        DateOnly? GivenOn, string? Note);

    public Task<Result<ConsentRecord>> RecordAsync(int projectId, int storytellerId, ConsentInput input, string? actorUserId, CancellationToken ct = default) =>
        RecordCoreAsync(projectId, storytellerId, input, actorUserId, actorUserId, null, ct);

    /// <param name="eventDetail">Ids or enum words for the event log (e.g. "withdrawal on-behalf"), never free text.</param>
    public Task<Result<ConsentRecord>> RecordAsync(int projectId, int storytellerId, ConsentInput input, string? actorUserId, string? eventDetail, CancellationToken ct = default) =>
        RecordCoreAsync(projectId, storytellerId, input, actorUserId, actorUserId, eventDetail, ct);

    /// <summary>
    /// The storyteller's own decision, made on their own page: always the online form, taken and
    /// recorded by no team member; <paramref name="eventActor"/> names their link in the event log.
    /// </summary>
    public Task<Result<ConsentRecord>> RecordByStorytellerAsync(int projectId, int storytellerId, ConsentInput input, string eventActor, CancellationToken ct = default) =>
        RecordCoreAsync(projectId, storytellerId, input with { Method = ConsentMethod.OnlineForm, VerbalMediaId = null, VerbalAtSeconds = null, GivenOn = null }, eventActor, null, null, ct);

    private async Task<Result<ConsentRecord>> RecordCoreAsync(int projectId, int storytellerId, ConsentInput input, string? eventActor, string? actorUserId, string? eventDetail, CancellationToken ct)
    {
        var errors = new List<string>();
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var usesPseudonym = input.CreditInReports == CreditStyle.Pseudonym || input.CreditInClips == CreditStyle.Pseudonym || input.CreditOnPublicSite == CreditStyle.Pseudonym;
        if (usesPseudonym && string.IsNullOrWhiteSpace(input.Pseudonym)) errors.Add("A made-up name was chosen: write the name to use.");
        if (input.Method == ConsentMethod.RecordedVerbally && input.VerbalAtSeconds is null)
            errors.Add("Consent said out loud: give the time in the recording where it was given (for example 1:05).");
        if (input.VerbalAtSeconds is < 0) errors.Add("The time in the recording cannot be negative.");
        if (input.Method == ConsentMethod.PaperForm && string.IsNullOrWhiteSpace(input.PaperFormReference))
            errors.Add("Paper form: say where the scanned form is kept (for example its file name or folder).");
        if (input.GivenOn is { } given && given > today) errors.Add("The date consent was given cannot be in the future.");
        if ((input.Note?.Length ?? 0) > 2000) errors.Add("The note can be at most 2,000 characters.");
        if ((input.Pseudonym?.Length ?? 0) > 200) errors.Add("The made-up name can be at most 200 characters.");
        if (input.VerbalMediaId is { } mediaId && !await db.MediaFiles.AnyAsync(m => m.Id == mediaId && m.ProjectId == projectId, ct))
            errors.Add("That recording is not part of this project.");
        if (!await db.Storytellers.AnyAsync(s => s.Id == storytellerId && s.ProjectId == projectId, ct))
            errors.Add("That storyteller is not part of this project.");
        if (errors.Count > 0) return Result.Fail<ConsentRecord>(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        var record = new ConsentRecord
        {
            ProjectId = projectId,
            StorytellerId = storytellerId,
            Recording = input.Recording,
            Analysis = input.Analysis,
            Quotes = input.Quotes,
            Clips = input.Clips,
            PublishStory = input.PublishStory,
            CreditInReports = input.CreditInReports,
            CreditInClips = input.CreditInClips,
            CreditOnPublicSite = input.CreditOnPublicSite,
            Pseudonym = input.Pseudonym?.Trim() ?? "",
            EmbargoUntil = input.EmbargoUntil,
            Method = input.Method,
            VerbalMediaId = input.Method == ConsentMethod.RecordedVerbally ? input.VerbalMediaId : null,
            VerbalAtSeconds = input.Method == ConsentMethod.RecordedVerbally ? input.VerbalAtSeconds : null,
            PaperFormReference = input.Method == ConsentMethod.PaperForm ? input.PaperFormReference!.Trim() : "",
            GivenAt = input.GivenOn is { } d && d != today ? d.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc) : now,
            TakenByUserId = input.Method == ConsentMethod.OnlineForm ? null : actorUserId,
            RecordedAt = now,
            RecordedByUserId = actorUserId,
            Note = input.Note?.Trim() ?? "",
        };
        db.ConsentRecords.Add(record);
        db.Record(clock, projectId, eventActor, "consent.recorded", "storyteller", storytellerId, eventDetail);
        await db.SaveChangesAsync(ct);
        // A report file built on the earlier consent may no longer be allowed: mark it out of date now.
        await reportStaleness.CheckAsync(projectId, ct);
        // Clips are checked on every view and export too; this deletes the files of any clip the
        // new decision no longer allows, at once rather than at the next view.
        await clips.RemoveDisallowedAsync(projectId, ct: ct);
        return Result.Ok(record);
    }

    public Task<List<ConsentRecord>> HistoryAsync(int storytellerId, CancellationToken ct = default) =>
        db.ConsentRecords.AsNoTracking().Where(c => c.StorytellerId == storytellerId).OrderByDescending(c => c.Id).ToListAsync(ct);
}
