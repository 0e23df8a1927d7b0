using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Features.Consent;

/// <summary>The answer to "may this storyteller's story be used for this, and credited how?"</summary>
public sealed record ConsentDecision(bool Allowed, CreditStyle? Credit, string? CreditName, string Reason)
{
    public static ConsentDecision No(string reason) => new(false, null, null, reason);
}

/// <summary>The decision about one whole story: allowed only when every storyteller in it allows the use.</summary>
public sealed record StoryUseDecision(bool Allowed, string Reason, IReadOnlyList<StorytellerUseDecision> People);

/// <summary>One storyteller's part of a <see cref="StoryUseDecision"/> (their name is for team pages only, never public ones).</summary>
public sealed record StorytellerUseDecision(int StorytellerId, string Name, ConsentDecision Decision);

/// <summary>
/// The one place that decides what a storyteller's consent allows. Every feature that shows, codes,
/// quotes, clips, publishes or exports a story asks this class; nothing else reads consent records
/// to make a decision. Rules:
/// <list type="bullet">
/// <item>No consent record means no use at all (deny by default).</item>
/// <item>The newest record is in force; older ones are history.</item>
/// <item>Quotes, clips and publication also wait for the embargo date; analysis does not.</item>
/// <item>Credit: quotes use the "reports" credit, clips the "clips" credit, the public site its own.</item>
/// <item>Whole stories (publication, clips): every storyteller in the story must allow the use and none may have withdrawn.</item>
/// </list>
/// </summary>
public sealed class ConsentPolicy(StoryweaveDb db, TimeProvider clock, ConsentScopeCache scopes)
{
    /// <summary>The rows <see cref="AnalysisScope"/> decides from, kept between requests while they do not change.</summary>
    public ConsentScopeCache Scopes => scopes;

    public async Task<ConsentDecision> DecideAsync(int storytellerId, ConsentUse use, CancellationToken ct = default)
    {
        var all = await DecideManyAsync([storytellerId], use, ct);
        return all[storytellerId];
    }

    /// <summary>Decides for many storytellers with two queries (for lists, boards, reports).</summary>
    public async Task<IReadOnlyDictionary<int, ConsentDecision>> DecideManyAsync(IEnumerable<int> storytellerIds, ConsentUse use, CancellationToken ct = default)
    {
        var people = await PeopleAsync(storytellerIds, ct);
        return people.ToDictionary(p => p.Key, p => Decide(p.Value, use));
    }

    /// <summary>
    /// What decides for one storyteller, loaded once: their name (for credit), whether they have withdrawn, and the
    /// consent record in force (null when none was ever recorded). <see cref="AnalysisScope"/> loads these in the same
    /// statement as a project's story links; the rules below are the only ones that read them.
    /// </summary>
    public sealed record Person(string Name, DateTime? WithdrawnAt, ConsentRecord? Current);

    /// <summary>The rule for one storyteller already loaded. A withdrawn person is refused whatever record is found.</summary>
    public ConsentDecision Decide(Person? person, ConsentUse use) =>
        // A withdrawal purges the records, but a database restored from before it, or a record written by mistake,
        // must not bring their words back.
        person is { WithdrawnAt: not null }
            ? ConsentDecision.No("This storyteller has withdrawn.")
            : Decide(person?.Current, person?.Name ?? "", use, Today);

    /// <summary>The export rule (<see cref="DecideExportsAsync"/>) for one storyteller already loaded.</summary>
    public ConsentDecision DecideExport(Person? person)
    {
        if (person is null) return ConsentDecision.No("This storyteller is not in the project.");
        if (person.WithdrawnAt is not null) return ConsentDecision.No("This storyteller has withdrawn.");
        var analysis = Decide(person.Current, person.Name, ConsentUse.Analysis, Today);
        if (!analysis.Allowed) return analysis;
        var today = Today;
        return person.Current!.EmbargoUntil is { } until && today < until ? ConsentDecision.No($"Embargoed until {until:d MMMM yyyy}.") : analysis;
    }

    /// <summary>One storyteller of a story, with what decides for them.</summary>
    public sealed record StoryPerson(int StoryId, int StorytellerId, Person Person);

    /// <summary>
    /// The chosen story links, each with its storyteller's name, withdrawal and the consent record in force, in one
    /// statement (issue #17: it was three — links, records, people — on every coded passage and search).
    /// </summary>
    /// <remarks>
    /// <paramref name="links"/> must come from <paramref name="context"/>: a caller may read on a context of its own (a
    /// workshop board reads on one), and one statement cannot span two contexts.
    /// </remarks>
    public static Task<List<StoryPerson>> StoryPeopleAsync(StoryweaveDb context, IQueryable<StoryStoryteller> links, CancellationToken ct) =>
        StoryPeopleQuery(context, links).ToListAsync(ct);

    /// <summary>The statement of <see cref="StoryPeopleAsync"/> (its tables are what <see cref="ConsentScopeCache"/> watches).</summary>
    internal static IQueryable<StoryPerson> StoryPeopleQuery(StoryweaveDb context, IQueryable<StoryStoryteller> links) =>
        links.AsNoTracking().Select(x => new StoryPerson(x.StoryId, x.StorytellerId, new Person(x.Storyteller!.Name, x.Storyteller.WithdrawnAt,
            context.ConsentRecords.AsNoTracking().Where(c => c.StorytellerId == x.StorytellerId).OrderByDescending(c => c.Id).FirstOrDefault())));

    private DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>Each storyteller asked about (every id is in the answer; null for one that does not exist), in two statements.</summary>
    private async Task<Dictionary<int, Person?>> PeopleAsync(IEnumerable<int> storytellerIds, CancellationToken ct)
    {
        var ids = storytellerIds.Distinct().ToList();
        var latest = await CurrentAsync(ids, ct);
        var people = await db.Storytellers.AsNoTracking().Where(s => ids.Contains(s.Id)).Select(s => new { s.Id, s.Name, s.WithdrawnAt }).ToDictionaryAsync(s => s.Id, ct);
        return ids.ToDictionary(id => id, id => people.GetValueOrDefault(id) is { } p ? new Person(p.Name, p.WithdrawnAt, latest.GetValueOrDefault(id)) : null);
    }

    /// <summary>
    /// May whole stories be used for <paramref name="use"/> (publication on the public site, or clips)?
    /// A story needs at least one storyteller, and EVERY storyteller in it must allow the use (with no
    /// embargo in force) and must not have withdrawn: a group story is published whole or not at all.
    /// Whether a lead has also chosen to publish is the caller's business (Story.PublishedAt).
    /// </summary>
    public async Task<IReadOnlyDictionary<int, StoryUseDecision>> DecideStoriesAsync(IEnumerable<int> storyIds, ConsentUse use, CancellationToken ct = default)
    {
        var ids = storyIds.Distinct().ToList();
        var links = await StoryPeopleAsync(db, db.StoryStorytellers.Where(x => ids.Contains(x.StoryId)), ct);
        var decisions = links.DistinctBy(l => l.StorytellerId).ToDictionary(l => l.StorytellerId, l => Decide(l.Person, use));
        var result = new Dictionary<int, StoryUseDecision>();
        foreach (var id in ids)
        {
            var people = links.Where(l => l.StoryId == id).OrderBy(l => l.StorytellerId)
                .Select(l => new StorytellerUseDecision(l.StorytellerId, l.Person.Name, decisions[l.StorytellerId]))
                .ToList();
            var refused = people.Where(p => !p.Decision.Allowed).ToList();
            var reason = people.Count == 0 ? "No storyteller is linked to this story, so nobody has agreed."
                : refused.Count == 0 ? (people.Count == 1 ? "The storyteller agreed." : $"All {people.Count} storytellers agreed.")
                : string.Join(" ", refused.Select(p => $"{p.Name}: {p.Decision.Reason}"));
            result[id] = new StoryUseDecision(people.Count > 0 && refused.Count == 0, reason, people);
        }
        return result;
    }

    /// <summary>
    /// May each storyteller's material go into a data export (CSV/XLSX of passages, answers, facets)?
    /// An export is material leaving Storyweave for analysis elsewhere, so it needs consent to
    /// <see cref="ConsentUse.Analysis"/>, no embargo in force (an export is an output, like a quote),
    /// and the person must not have withdrawn. Deny by default, as everywhere.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, ConsentDecision>> DecideExportsAsync(IEnumerable<int> storytellerIds, CancellationToken ct = default)
    {
        var people = await PeopleAsync(storytellerIds, ct);
        return people.ToDictionary(p => p.Key, p => DecideExport(p.Value));
    }

    /// <summary>
    /// May an automatic first draft be made from the story's recording? Transcribing is gathering work (as
    /// typing a transcript is), done on this machine, so it needs what holding the recording needs: every
    /// storyteller in the story agrees to being recorded and none has withdrawn. Analysis consent is not
    /// needed to make a transcript; it still decides, as everywhere, who may read the turns.
    /// </summary>
    public async Task<StoryUseDecision> DecideTranscriptionAsync(int storyId, CancellationToken ct = default) =>
        (await DecideStoriesAsync([storyId], ConsentUse.Recording, ct))[storyId];

    /// <summary>Whether every storyteller of the story agrees, today, to the full story being published.</summary>
    public async Task<bool> IsStoryPublishableAsync(int storyId, CancellationToken ct = default) =>
        (await DecideStoriesAsync([storyId], ConsentUse.PublishStory, ct))[storyId].Allowed;

    /// <summary>The consent record in force for each storyteller (absent when none was ever recorded).</summary>
    public async Task<Dictionary<int, ConsentRecord>> CurrentAsync(IReadOnlyCollection<int> storytellerIds, CancellationToken ct = default)
    {
        var latestIds = db.ConsentRecords.Where(c => storytellerIds.Contains(c.StorytellerId))
            .GroupBy(c => c.StorytellerId).Select(g => g.Max(c => c.Id));
        var rows = await db.ConsentRecords.AsNoTracking().Where(c => latestIds.Contains(c.Id)).ToListAsync(ct);
        return rows.ToDictionary(c => c.StorytellerId);
    }

    /// <summary>The rule itself, with no database: usable in tests and for records already loaded.</summary>
    public static ConsentDecision Decide(ConsentRecord? current, string storytellerName, ConsentUse use, DateOnly today)
    {
        if (current is null) return ConsentDecision.No("No consent has been recorded for this storyteller.");
        if (!current.Allows(use)) return ConsentDecision.No($"The storyteller has not agreed to: {use.Label().ToLowerInvariant()}.");
        var isOutput = use is ConsentUse.Quotes or ConsentUse.Clips or ConsentUse.PublishStory;
        if (isOutput && current.EmbargoUntil is { } until && today < until)
            return ConsentDecision.No($"Embargoed until {until:d MMMM yyyy}.");
        CreditStyle? credit = use switch
        {
            ConsentUse.Quotes => current.CreditInReports,
            ConsentUse.Clips => current.CreditInClips,
            ConsentUse.PublishStory => current.CreditOnPublicSite,
            _ => null,
        };
        return new ConsentDecision(true, credit, credit is { } c ? CreditName(c, storytellerName, current.Pseudonym) : null, "Agreed.");
    }

    /// <summary>The words shown as a storyteller's credit for the chosen style.</summary>
    public static string CreditName(CreditStyle credit, string name, string pseudonym) => credit switch
    {
        CreditStyle.Named => name.Trim(),
        CreditStyle.FirstNameOnly => name.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "",
        CreditStyle.Pseudonym => string.IsNullOrWhiteSpace(pseudonym) ? "A storyteller" : pseudonym.Trim(),
        _ => "Anonymous storyteller",
    };
}
