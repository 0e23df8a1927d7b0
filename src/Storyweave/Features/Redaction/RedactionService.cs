using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Clips;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Reports;

namespace Storyweave.Features.Redaction;

/// <summary>The kinds of output redaction applies to; each maps to the credit the storyteller chose for it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RedactionOutput>))]
public enum RedactionOutput
{
    /// <summary>Report files (DOCX, PDF, HTML, Markdown): the "reports" credit.</summary>
    Reports,

    /// <summary>Clip captions, titles and clip exports: the "clips" credit.</summary>
    Clips,

    /// <summary>The public story site and its static export: the "public site" credit.</summary>
    PublicSite,

    /// <summary>Data exports (CSV, XLSX) that carry no credit: every rule applies.</summary>
    Exports,
}

/// <summary>
/// A project's redaction rules, and <b>the one place</b> that decides how they apply to an output.
/// <para>The rule (every output asks <see cref="ForOutputAsync"/>):</para>
/// <list type="number">
/// <item>Redaction always applies to every output: reports, clip captions, the public site and exports.</item>
/// <item>One exception: a storyteller who chose to be credited by name in that kind of output
/// keeps that name there. "Full name" keeps a rule whose term is their full name or any one of its
/// words; "First name only" keeps a rule whose term is their first name. The name is shown in that
/// output's credits anyway, so hiding it in the text would only be inconsistent. A "made-up name"
/// or "anonymous" credit keeps nothing.</item>
/// <item>Only storytellers whom <see cref="ConsentPolicy"/> currently allows in that output count
/// (not withdrawn, not embargoed, agreed to that use); anyone else keeps nothing.</item>
/// <item>Data exports carry no credit, so every rule applies.</item>
/// </list>
/// <para>Adding, changing or deleting a rule makes the outputs made before it out of date: report
/// files (when the rules reports apply changed: <see cref="ReportStaleness.MarkRedactionChangedAsync"/>)
/// and clips whose stored captions or silenced sound read differently (cut again:
/// <see cref="ClipRedactionRecut"/>). The public site and served captions are redacted on every request.</para>
/// </summary>
public sealed class RedactionService(StoryweaveDb db, ConsentPolicy policy, TimeProvider clock, ReportStaleness reports, ClipRedactionRecut clips)
{
    public const int MaxLength = 200;

    /// <summary>Applies rules to text (see <see cref="Redactor"/> for the matching rules).</summary>
    public static string Apply(string? text, IEnumerable<RedactionPair> rules) => new Redactor(rules).Apply(text);

    public Task<List<RedactionRule>> ListAsync(int projectId, CancellationToken ct = default) =>
        db.RedactionRules.AsNoTracking().Where(r => r.ProjectId == projectId).OrderBy(r => r.Term).ToListAsync(ct);

    /// <summary>Builds the redactor for one kind of output of a project (see the class summary for the rule).</summary>
    public async Task<Redactor> ForOutputAsync(int projectId, RedactionOutput output, CancellationToken ct = default)
    {
        var rules = await db.RedactionRules.AsNoTracking().Where(r => r.ProjectId == projectId)
            .Select(r => new RedactionPair(r.Term, r.Replacement)).ToListAsync(ct);
        if (rules.Count == 0) return Redactor.None;
        var kept = await KeptNamesAsync(projectId, output, ct);
        var keptKeys = kept.Select(Redactor.Key).ToHashSet(StringComparer.Ordinal);
        var applied = rules.Where(r => !keptKeys.Contains(Redactor.Key(r.Term))).ToList();
        var keptTerms = rules.Where(r => keptKeys.Contains(Redactor.Key(r.Term))).Select(r => r.Term).ToList();
        return new Redactor(applied) { KeptNames = keptTerms };
    }

    /// <summary>The names storytellers chose to be credited by in this kind of output (see the class summary).</summary>
    public async Task<IReadOnlyList<string>> KeptNamesAsync(int projectId, RedactionOutput output, CancellationToken ct = default)
    {
        ConsentUse? use = output switch
        {
            RedactionOutput.Reports => ConsentUse.Quotes,
            RedactionOutput.Clips => ConsentUse.Clips,
            RedactionOutput.PublicSite => ConsentUse.PublishStory,
            _ => null,
        };
        if (use is null) return [];
        var people = await db.Storytellers.AsNoTracking().Where(s => s.ProjectId == projectId && s.WithdrawnAt == null)
            .Select(s => new { s.Id, s.Name }).ToListAsync(ct);
        var decisions = await policy.DecideManyAsync(people.Select(p => p.Id), use.Value, ct);
        var kept = new List<string>();
        foreach (var person in people)
        {
            var decision = decisions[person.Id];
            if (!decision.Allowed) continue;
            var words = person.Name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) continue;
            if (decision.Credit == CreditStyle.Named)
            {
                kept.Add(person.Name.Trim());
                kept.AddRange(words);
            }
            else if (decision.Credit == CreditStyle.FirstNameOnly) kept.Add(words[0]);
        }
        return kept;
    }

    public async Task<Result<RedactionRule>> AddAsync(int projectId, string? term, string? replacement, string actorUserId, CancellationToken ct = default)
    {
        var (t, r, errors) = Validate(term, replacement);
        if (errors.Count > 0) return Result.Fail<RedactionRule>(errors);
        if (await ExistsAsync(projectId, t, null, ct))
            return Result.Fail<RedactionRule>([$"There is already a rule for \u201c{t}\u201d. Change that rule instead."]);
        var before = await OutputsAsync(projectId, ct);
        var rule = new RedactionRule { ProjectId = projectId, Term = t, Replacement = r, CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedByUserId = actorUserId };
        db.RedactionRules.Add(rule);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "redaction.added", "redaction-rule", rule.Id);
        await db.SaveChangesAsync(ct);
        await MarkOutputsAsync(projectId, before, actorUserId, ct);
        return Result.Ok(rule);
    }

    /// <summary>Null when the rule is not in this project.</summary>
    public async Task<Result<RedactionRule>?> UpdateAsync(int projectId, int ruleId, string? term, string? replacement, string actorUserId, CancellationToken ct = default)
    {
        var rule = await db.RedactionRules.SingleOrDefaultAsync(r => r.Id == ruleId && r.ProjectId == projectId, ct);
        if (rule is null) return null;
        var (t, r, errors) = Validate(term, replacement);
        if (errors.Count > 0) return Result.Fail<RedactionRule>(errors);
        if (await ExistsAsync(projectId, t, ruleId, ct))
            return Result.Fail<RedactionRule>([$"There is already a rule for \u201c{t}\u201d. Change that rule instead."]);
        var before = await OutputsAsync(projectId, ct);
        rule.Term = t;
        rule.Replacement = r;
        db.Record(clock, projectId, actorUserId, "redaction.changed", "redaction-rule", rule.Id);
        await db.SaveChangesAsync(ct);
        await MarkOutputsAsync(projectId, before, actorUserId, ct);
        return Result.Ok(rule);
    }

    public async Task<bool> DeleteAsync(int projectId, int ruleId, string actorUserId, CancellationToken ct = default)
    {
        var rule = await db.RedactionRules.SingleOrDefaultAsync(r => r.Id == ruleId && r.ProjectId == projectId, ct);
        if (rule is null) return false;
        var before = await OutputsAsync(projectId, ct);
        db.RedactionRules.Remove(rule);
        db.Record(clock, projectId, actorUserId, "redaction.removed", "redaction-rule", ruleId);
        await db.SaveChangesAsync(ct);
        await MarkOutputsAsync(projectId, before, actorUserId, ct);
        return true;
    }

    private sealed record StoredOutputs(Redactor Reports, Redactor Clips);

    /// <summary>The redactors of the outputs that are stored as files (the others are redacted on every request).</summary>
    private async Task<StoredOutputs> OutputsAsync(int projectId, CancellationToken ct) =>
        new(await ForOutputAsync(projectId, RedactionOutput.Reports, ct), await ForOutputAsync(projectId, RedactionOutput.Clips, ct));

    /// <summary>After a rule change (already saved): report files and clips made with the earlier rules are made out of date.</summary>
    private async Task MarkOutputsAsync(int projectId, StoredOutputs before, string actorUserId, CancellationToken ct)
    {
        var after = await OutputsAsync(projectId, ct);
        if (!before.Reports.SameRulesAs(after.Reports)) await reports.MarkRedactionChangedAsync(projectId, actorUserId, ct);
        await clips.RecutAsync(projectId, before.Clips, after.Clips, actorUserId, ct);
    }

    private async Task<bool> ExistsAsync(int projectId, string term, int? exceptId, CancellationToken ct)
    {
        var key = Redactor.Key(term);
        var terms = await db.RedactionRules.AsNoTracking().Where(r => r.ProjectId == projectId && r.Id != exceptId).Select(r => r.Term).ToListAsync(ct);
        return terms.Any(x => Redactor.Key(x) == key);
    }

    /// <summary>Checks a rule's words and says exactly what to fix.</summary>
    public static (string Term, string Replacement, List<string> Errors) Validate(string? term, string? replacement)
    {
        var t = string.Join(' ', (term ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var r = (replacement ?? "").Trim();
        var errors = new List<string>();
        if (t.Length == 0) errors.Add("Write the word or name to hide, for example Sarah.");
        else if (t.Length > MaxLength) errors.Add($"The word to hide can be at most {MaxLength} characters.");
        else if (!t.Any(char.IsLetterOrDigit)) errors.Add("The word to hide needs at least one letter or number.");
        if (r.Length == 0) errors.Add("Write what to show instead, for example [name] or a made-up name.");
        else if (r.Length > MaxLength) errors.Add($"What to show instead can be at most {MaxLength} characters.");
        if (errors.Count == 0 && new Redactor([new RedactionPair(t, "")]).Contains(r))
            errors.Add($"What to show instead must not contain \u201c{t}\u201d itself, or the name would still appear.");
        return (t, r, errors);
    }
}
