using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;

namespace Storyweave.Features.Reports;

/// <summary>
/// A curator's reports: create (texts prefilled from the project), edit, pick and order quotes per
/// theme, and ask for files. Shared by the pages and the API. Every change writes an event.
/// </summary>
public sealed class ReportService(StoryweaveDb db, TimeProvider clock, ConsentPolicy policy, ReportQuoteConsent quoteConsent, ReportContentBuilder builder, ReportQueue queue, ReportStorage storage)
{
    public const int MaxText = 40000;

    /// <summary>A note with a chosen quote is a sentence or two, not a section.</summary>
    public const int MaxQuoteNote = 500;

    public sealed record TextsInput(string? Title, string? Version, DateOnly? Date, string? Purpose, string? Introduction, string? Method,
        string? Challenges, string? ValueForAll, string? Conditions, string? Conclusion);

    /// <summary>A passage or key quote that could support a theme, with what consent says about quoting it.</summary>
    public sealed record Candidate(int? PassageId, int? KeyQuoteId, int StoryId, string StoryTitle, string Text, bool Allowed, string Credit, string Reason)
    {
        public string Kind => PassageId is not null ? "Coded passage" : "Key quote from a review sheet";
    }

    public async Task<Result<Report>> CreateAsync(int projectId, ReportKind kind, string? title, string? actorUserId, CancellationToken ct = default)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(title)) errors.Add("Give the report a title.");
        else if (title.Trim().Length > 300) errors.Add("The title can be at most 300 characters.");
        if (!Enum.IsDefined(kind)) errors.Add("Choose a full report or an overview.");
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) errors.Add("That project does not exist.");
        if (errors.Count > 0) return Result.Fail<Report>(errors);
        var callOut = await db.CallOuts.AsNoTracking().SingleOrDefaultAsync(c => c.ProjectId == projectId, ct);

        var now = clock.GetUtcNow().UtcDateTime;
        var question = project!.ResearchQuestion.Trim();
        var starter = project.ConversationStarter.Trim();
        var introduction = Join(project.Description, question.Length > 0 ? $"Our research question: {question}" : "");
        var method = Join(
            "We used the Community Reporting method, in three stages: gathering stories in peer-to-peer dialogue interviews, where the storyteller sets the agenda; " +
            "making sense of the stories together in workshops, picking out key themes; and responding, by sharing what we learned so it can lead to change.",
            starter.Length > 0 ? $"Every conversation began with the same open question: \u201c{starter}\u201d" : "",
            callOut?.Introduction.Trim() is { Length: > 0 } intro ? $"We invited people to take part with this call-out: {intro}" : "");
        var report = new Report
        {
            ProjectId = projectId,
            Kind = kind,
            Title = title!.Trim(),
            Date = DateOnly.FromDateTime(now),
            Purpose = introduction,
            Introduction = introduction,
            Method = method,
            CreatedAt = now,
            UpdatedAt = now,
            CreatedByUserId = actorUserId,
        };
        db.Reports.Add(report);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "report.created", "report", report.Id, kind.ToString());
        await db.SaveChangesAsync(ct);
        return Result.Ok(report);
    }

    private static string Join(params string[] parts) => string.Join("\n\n", parts.Select(p => p.Trim()).Where(p => p.Length > 0));

    public Task<Report?> FindAsync(int projectId, int reportId, CancellationToken ct = default) =>
        db.Reports.AsNoTracking().SingleOrDefaultAsync(r => r.Id == reportId && r.ProjectId == projectId, ct);

    public Task<List<Report>> ListAsync(int projectId, CancellationToken ct = default) =>
        db.Reports.AsNoTracking().Where(r => r.ProjectId == projectId).Include(r => r.Files).OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id).ToListAsync(ct);

    public async Task<Result<Report>?> UpdateAsync(int projectId, int reportId, TextsInput input, string? actorUserId, CancellationToken ct = default)
    {
        var report = await db.Reports.SingleOrDefaultAsync(r => r.Id == reportId && r.ProjectId == projectId, ct);
        if (report is null) return null;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(input.Title)) errors.Add("Give the report a title.");
        else if (input.Title.Trim().Length > 300) errors.Add("The title can be at most 300 characters.");
        if (string.IsNullOrWhiteSpace(input.Version)) errors.Add("Give a version, for example 1.0.");
        else if (input.Version.Trim().Length > 40) errors.Add("The version can be at most 40 characters.");
        if (input.Date is null) errors.Add("Give the report's date.");
        foreach (var (label, text) in new[] { ("purpose", input.Purpose), ("introduction", input.Introduction), ("method", input.Method), ("challenges", input.Challenges),
                     ("value for all", input.ValueForAll), ("conditions", input.Conditions), ("conclusion", input.Conclusion) })
        {
            if ((text?.Length ?? 0) > MaxText) errors.Add($"The {label} can be at most {MaxText.ToString("N0", CultureInfo.GetCultureInfo("en-GB"))} characters.");
        }
        if (errors.Count > 0) return Result.Fail<Report>(errors);
        report.Title = input.Title!.Trim();
        report.Version = input.Version!.Trim();
        report.Date = input.Date!.Value;
        report.Purpose = input.Purpose?.Trim() ?? "";
        report.Introduction = input.Introduction?.Trim() ?? "";
        report.Method = input.Method?.Trim() ?? "";
        report.Challenges = input.Challenges?.Trim() ?? "";
        report.ValueForAll = input.ValueForAll?.Trim() ?? "";
        report.Conditions = input.Conditions?.Trim() ?? "";
        report.Conclusion = input.Conclusion?.Trim() ?? "";
        report.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        report.ContentVersion++;
        db.Record(clock, projectId, actorUserId, "report.updated", "report", report.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(report);
    }

    public async Task<bool> DeleteAsync(int projectId, int reportId, string actorUserId, CancellationToken ct = default)
    {
        var report = await db.Reports.Include(r => r.Files).SingleOrDefaultAsync(r => r.Id == reportId && r.ProjectId == projectId, ct);
        if (report is null) return false;
        foreach (var f in report.Files) storage.Delete(f);
        db.Reports.Remove(report);
        db.Record(clock, projectId, actorUserId, "report.deleted", "report", reportId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    // ---------- Quotes ----------

    /// <summary>A theme at any depth: its id and its sub-themes' ids (any depth), its depth (0 = main theme) and "Main › Sub".</summary>
    public sealed record ReportTheme(Theme Theme, HashSet<int> Ids, int Depth, string Path);

    /// <summary>Every theme at any depth, in codebook order (a sub-theme follows its parent): quotes can be chosen for each.</summary>
    public async Task<List<ReportTheme>> AllThemesAsync(int projectId, CancellationToken ct = default)
    {
        var list = new List<ReportTheme>();
        void Walk(IEnumerable<CodebookService.ThemeNode> nodes, int depth, string path)
        {
            foreach (var n in nodes)
            {
                var p = path.Length == 0 ? n.Theme.Name : $"{path} \u203a {n.Theme.Name}";
                list.Add(new ReportTheme(n.Theme, CodebookService.Flatten([n]).Select(x => x.Node.Theme.Id).ToHashSet(), depth, p));
                Walk(n.Children, depth + 1, p);
            }
        }
        Walk(await builder.TopThemesAsync(projectId, ct), 0, "");
        return list;
    }

    /// <summary>Top-level themes in codebook order with the ids of each one's sub-themes (any depth).</summary>
    public async Task<List<(Theme Theme, HashSet<int> Ids)>> ThemesAsync(int projectId, CancellationToken ct = default) =>
        (await builder.TopThemesAsync(projectId, ct))
            .Select(t => (t.Theme, CodebookService.Flatten([t]).Select(x => x.Node.Theme.Id).ToHashSet())).ToList();

    /// <summary>
    /// The passages coded with a theme (or its sub-themes) and the key quotes of stories whose review
    /// sheet names it, that the team may see in analysis; each with the policy's answer about quoting it.
    /// </summary>
    public async Task<List<Candidate>?> CandidatesAsync(int projectId, int themeId, CancellationToken ct = default)
    {
        var theme = (await AllThemesAsync(projectId, ct)).FirstOrDefault(t => t.Theme.Id == themeId);
        if (theme is null) return null;
        var ids = theme.Ids;
        var passages = await db.Passages.AsNoTracking().Where(p => p.ProjectId == projectId && p.Themes.Any(x => ids.Contains(x.ThemeId)))
            .OrderBy(p => p.StoryId).ThenBy(p => p.StartOffset)
            .Select(p => new { p.Id, p.StoryId, p.Story!.Title, p.Speaker, p.Snippet }).ToListAsync(ct);
        var sheetStories = db.ReviewSheetThemes.Where(x => ids.Contains(x.ThemeId)).Select(x => x.StoryId);
        var keyQuotes = await db.KeyQuotes.AsNoTracking().Where(q => sheetStories.Contains(q.StoryId) && db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
            .OrderBy(q => q.StoryId).ThenBy(q => q.Position)
            .Select(q => new { q.Id, q.StoryId, Title = db.Stories.Where(s => s.Id == q.StoryId).Select(s => s.Title).First(), q.Speaker, q.Text }).ToListAsync(ct);
        var storyIds = passages.Select(p => p.StoryId).Concat(keyQuotes.Select(q => q.StoryId)).Distinct().ToList();
        var scope = await AnalysisScope.LoadForStoriesAsync(db, policy, projectId, storyIds, ct);
        var visiblePassages = passages.Where(p => scope.IsTurnVisible(p.StoryId, p.Speaker)).ToList();
        var visibleQuotes = keyQuotes.Where(q => scope.IsTurnVisible(q.StoryId, q.Speaker)).ToList();
        var answers = await quoteConsent.DecideAsync(projectId,
            visiblePassages.Select(p => new ReportQuoteConsent.Source(p.StoryId, p.Speaker)).Concat(visibleQuotes.Select(q => new ReportQuoteConsent.Source(q.StoryId, q.Speaker))).ToList(), ct);
        return visiblePassages.Select(p => Make(p.Id, null, p.StoryId, p.Title, p.Snippet, answers[new(p.StoryId, p.Speaker)]))
            .Concat(visibleQuotes.Select(q => Make(null, q.Id, q.StoryId, q.Title, q.Text, answers[new(q.StoryId, q.Speaker)]))).ToList();

        static Candidate Make(int? passageId, int? quoteId, int storyId, string title, string text, ReportQuoteConsent.Answer a) =>
            new(passageId, quoteId, storyId, title, text.Trim(), a.Allowed, a.Credit, a.Reason);
    }

    /// <summary>
    /// Adds a passage or key quote to the end of a theme's quotes (a theme at any depth). A quote coded with the
    /// theme (or its sub-themes) may carry a note; one coded only elsewhere may illustrate this theme too, when
    /// the team may read it in analysis and the curator's <paramref name="note"/> says why (shown in the report).
    /// </summary>
    public async Task<Result<ReportQuote>?> AddQuoteAsync(int projectId, int reportId, int themeId, int? passageId, int? keyQuoteId, string? note, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var candidates = await CandidatesAsync(projectId, themeId, ct);
        if (candidates is null) return Result.Fail<ReportQuote>(["That theme is not in this project's codebook (it may have been deleted or merged)."]);
        if ((passageId is null) == (keyQuoteId is null)) return Result.Fail<ReportQuote>(["Choose one coded passage or one key quote."]);
        note = note?.Trim() ?? "";
        if (note.Length > MaxQuoteNote) return Result.Fail<ReportQuote>([$"The note can be at most {MaxQuoteNote} characters: it is a sentence or two shown with the quote."]);
        if (!candidates.Any(c => c.PassageId == passageId && c.KeyQuoteId == keyQuoteId))
        {
            if (!await VisibleInAnalysisAsync(projectId, passageId, keyQuoteId, ct))
                return Result.Fail<ReportQuote>(["That quote is not coded with this theme (or is not available for analysis), so it cannot support it."]);
            if (note.Length == 0)
                return Result.Fail<ReportQuote>(["That quote is not coded with this theme. To use it to illustrate this theme, add a short note saying why it fits: the note is shown with the quote in the report."]);
        }
        var existing = await db.ReportQuotes.Where(q => q.ReportId == reportId && q.ThemeId == themeId).ToListAsync(ct);
        if (existing.Any(q => q.PassageId == passageId && q.KeyQuoteId == keyQuoteId)) return Result.Fail<ReportQuote>(["That quote is already chosen for this theme."]);
        var quote = new ReportQuote { ReportId = reportId, ThemeId = themeId, PassageId = passageId, KeyQuoteId = keyQuoteId, Note = note, Position = existing.Count == 0 ? 0 : existing.Max(q => q.Position) + 1 };
        db.ReportQuotes.Add(quote);
        await TouchAsync(projectId, reportId, actorUserId, "report.quote-added", ct);
        return Result.Ok(quote);
    }

    /// <summary>Whether the team may read this passage or key quote of the project in analysis (<see cref="AnalysisScope"/>).</summary>
    private async Task<bool> VisibleInAnalysisAsync(int projectId, int? passageId, int? keyQuoteId, CancellationToken ct)
    {
        var source = passageId is { } pid
            ? await db.Passages.AsNoTracking().Where(p => p.Id == pid && p.ProjectId == projectId).Select(p => new { p.StoryId, p.Speaker }).SingleOrDefaultAsync(ct)
            : await db.KeyQuotes.AsNoTracking().Where(q => q.Id == keyQuoteId && db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
                .Select(q => new { q.StoryId, q.Speaker }).SingleOrDefaultAsync(ct);
        if (source is null) return false;
        var scope = await AnalysisScope.LoadForStoriesAsync(db, policy, projectId, [source.StoryId], ct);
        return scope.IsTurnVisible(source.StoryId, source.Speaker);
    }

    /// <summary>Moves a chosen quote one place up (-1) or down (+1) within its theme.</summary>
    public async Task<bool> MoveQuoteAsync(int projectId, int reportId, int reportQuoteId, int direction, string actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return false;
        var quote = await db.ReportQuotes.SingleOrDefaultAsync(q => q.Id == reportQuoteId && q.ReportId == reportId, ct);
        if (quote is null) return false;
        var siblings = await db.ReportQuotes.Where(q => q.ReportId == reportId && q.ThemeId == quote.ThemeId).OrderBy(q => q.Position).ThenBy(q => q.Id).ToListAsync(ct);
        var index = siblings.IndexOf(quote);
        var target = index + Math.Sign(direction);
        if (target >= 0 && target < siblings.Count)
        {
            (siblings[index], siblings[target]) = (siblings[target], siblings[index]);
            for (var i = 0; i < siblings.Count; i++) siblings[i].Position = i;
        }
        await TouchAsync(projectId, reportId, actorUserId, "report.quote-moved", ct);
        return true;
    }

    public async Task<bool> RemoveQuoteAsync(int projectId, int reportId, int reportQuoteId, string actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return false;
        var quote = await db.ReportQuotes.SingleOrDefaultAsync(q => q.Id == reportQuoteId && q.ReportId == reportId, ct);
        if (quote is null) return false;
        db.ReportQuotes.Remove(quote);
        await TouchAsync(projectId, reportId, actorUserId, "report.quote-removed", ct);
        return true;
    }

    private async Task TouchAsync(int projectId, int reportId, string? actorUserId, string action, CancellationToken ct)
    {
        // Every edit moves the content version on, so the files made before it say so (see ReportFile.ContentVersion).
        await db.Reports.Where(r => r.Id == reportId).ExecuteUpdateAsync(s => s.SetProperty(r => r.UpdatedAt, clock.GetUtcNow().UtcDateTime)
            .SetProperty(r => r.ContentVersion, r => r.ContentVersion + 1), ct);
        db.Record(clock, projectId, actorUserId, action, "report", reportId);
        await db.SaveChangesAsync(ct);
    }

    // ---------- Files ----------

    /// <summary>
    /// Makes the report's file in the given format, from the report as it is now. A format has one current
    /// file: while one is being made, asking again returns it (a second click queues nothing); a current file
    /// that cannot be downloaded (out of date or failed) holds nothing worth keeping and is made again in its
    /// place; a ready one stays current until a new file is ready, which then supersedes it
    /// (<see cref="SupersedeEarlierAsync"/>), so a download keeps working meanwhile.
    /// </summary>
    public async Task<ReportFile?> GenerateAsync(int projectId, int reportId, ReportFormat format, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var current = await db.ReportFiles.Where(f => f.ReportId == reportId && f.Format == format && f.SupersededAt == null)
            .OrderByDescending(f => f.Id).ToListAsync(ct);
        if (current.FirstOrDefault(f => f.Status is OutputStatus.Queued or OutputStatus.Running) is { } busy) return busy;
        if (current.FirstOrDefault() is { } newest && (newest.Status == OutputStatus.Failed || newest.OutOfDateAt is not null))
            return await RemakeInPlaceAsync(projectId, newest, actorUserId, ct);
        var file = new ReportFile
        {
            ProjectId = projectId,
            ReportId = reportId,
            Format = format,
            Status = OutputStatus.Queued,
            ProgressText = "Waiting to start",
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedByUserId = actorUserId,
        };
        db.ReportFiles.Add(file);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "report-file.queued", "report-file", file.Id, format.ToString());
        await db.SaveChangesAsync(ct);
        queue.Enqueue(file.Id);
        return file;
    }

    /// <summary>
    /// "Make again" on one file: the same as making its format again (<see cref="GenerateAsync"/>), so an
    /// out-of-date or failed file is made again in its place (one click) and a ready one gets a newer version.
    /// </summary>
    public async Task<ReportFile?> RegenerateAsync(int projectId, int fileId, string actorUserId, CancellationToken ct = default)
    {
        var file = await db.ReportFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fileId && f.ProjectId == projectId, ct);
        if (file is null) return null;
        return await GenerateAsync(projectId, file.ReportId, file.Format, actorUserId, ct);
    }

    private async Task<ReportFile> RemakeInPlaceAsync(int projectId, ReportFile file, string? actorUserId, CancellationToken ct)
    {
        storage.Delete(file);
        file.StoredName = null;
        file.SizeBytes = 0;
        file.Status = OutputStatus.Queued;
        file.Progress = 0;
        file.ProgressText = "Waiting to start";
        file.Error = "";
        file.OutOfDateAt = null;
        file.OutOfDateReason = "";
        file.CompletedAt = null;
        file.ConsentBasis = "[]";
        file.CreatedAt = clock.GetUtcNow().UtcDateTime;
        file.CreatedByUserId = actorUserId;
        db.Record(clock, projectId, actorUserId, "report-file.regenerated", "report-file", file.Id);
        await db.SaveChangesAsync(ct);
        queue.Enqueue(file.Id);
        return file;
    }

    /// <summary>
    /// Called when a file has just become ready: the earlier files of the same report and format (ready, out of
    /// date or failed; never one still being made) are superseded. A superseded file keeps its bytes (leads can
    /// still ask for it) but leaves the public story site; if it was published, the new file takes its place
    /// there, because the lead who published the report asked for the new version. Should a newer file already
    /// be ready (files finishing out of order), this one is superseded instead.
    /// </summary>
    public static async Task SupersedeEarlierAsync(StoryweaveDb db, TimeProvider clock, int fileId, CancellationToken ct)
    {
        var file = await db.ReportFiles.SingleOrDefaultAsync(f => f.Id == fileId && f.Status == OutputStatus.Ready && f.SupersededAt == null, ct);
        if (file is null) return;
        var siblings = await db.ReportFiles.Where(f => f.ReportId == file.ReportId && f.Format == file.Format && f.Id != file.Id && f.SupersededAt == null
            && f.Status != OutputStatus.Queued && f.Status != OutputStatus.Running).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (siblings.Any(f => f.Id > file.Id && f.Status == OutputStatus.Ready && f.OutOfDateAt == null))
        {
            file.SupersededAt = now;
            file.PublishedAt = null;
            db.Record(clock, file.ProjectId, null, "report-file.superseded", "report-file", file.Id);
        }
        else
        {
            foreach (var older in siblings.Where(f => f.Id < file.Id))
            {
                older.SupersededAt = now;
                if (older.PublishedAt is not null)
                {
                    file.PublishedAt ??= now;
                    older.PublishedAt = null;
                }
                db.Record(clock, file.ProjectId, null, "report-file.superseded", "report-file", older.Id, $"by:{file.Id}");
            }
        }
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteFileAsync(int projectId, int fileId, string actorUserId, CancellationToken ct = default)
    {
        var file = await db.ReportFiles.SingleOrDefaultAsync(f => f.Id == fileId && f.ProjectId == projectId, ct);
        if (file is null) return false;
        storage.Delete(file);
        db.ReportFiles.Remove(file);
        db.Record(clock, projectId, actorUserId, "report-file.deleted", "report-file", fileId);
        await db.SaveChangesAsync(ct);
        return true;
    }
}
