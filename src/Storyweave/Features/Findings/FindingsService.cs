using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Review;
using Storyweave.Features.Storytellers;

namespace Storyweave.Features.Findings;

/// <summary>
/// Findings of a project: who told the stories, and what the themes show. Shared by the findings
/// page, the JSON API, the charts and the reports.
/// <para>Who counts: a storyteller counts only while <see cref="ConsentPolicy"/> says their consent
/// allows <see cref="ConsentUse.Analysis"/>, and never once they have withdrawn. Stories, sessions,
/// passages and review sheets count only when <see cref="AnalysisScope"/> lets them be analysed and
/// at least one counted storyteller is in them.</para>
/// <para>Every count of people (and of stories and sessions, which stand for people) comes back as a
/// <see cref="GuardedCount"/> with the project's small-numbers guard already applied: show
/// <see cref="GuardedCount.Display"/> or <see cref="GuardedCount.Text"/>, never work the number out again.</para>
/// </summary>
public sealed class FindingsService(StoryweaveDb db, ConsentPolicy consent, TimeProvider clock)
{
    public const string CountingRule =
        "Only storytellers who agreed to their story being used in analysis are counted. People who withdrew are never counted.";

    public const string MultiSelectNote =
        "Storytellers could tick more than one answer, so the percentages add up to more than 100%.";

    public const string ThemeRule =
        "Figures come from coded passages that may be used in analysis. A theme's figures include its sub-themes. " +
        "A passage counts for the storyteller who said it; a passage by the reporter (or by a speaker not linked to anyone) counts for every storyteller in that story.";

    /// <summary>Who told the stories: counts, session sizes, answers to each call-out question, facets.</summary>
    public async Task<WhoTold> WhoToldAsync(int projectId, CancellationToken ct = default)
    {
        var data = await LoadAsync(projectId, ct);
        var guard = data.Guard;
        var n = data.Counted.Count;

        var sizes = data.Stories.Values.Where(s => s.SessionId is not null).Select(s => s.Size).ToList();
        var sessionSizes = Enumerable.Range(1, Sessions.InterviewSession.MaxStorytellers)
            .Select(size => new SessionSize(size, size == 1 ? "One-to-one" : $"Group of {size}", guard.Count(sizes.Count(x => x == size))))
            .Where(s => s.Sessions.Value != 0)
            .ToList();

        var questions = await db.CategoryQuestions.AsNoTracking().Where(q => q.ProjectId == projectId)
            .OrderBy(q => q.Position).ThenBy(q => q.Id)
            .Select(q => new { q.Id, q.Text, Options = q.Options.OrderBy(o => o.Position).ThenBy(o => o.Id).Select(o => new { o.Id, o.Label }).ToList() })
            .ToListAsync(ct);
        var questionResults = questions.Select(q =>
        {
            var answered = q.Options.SelectMany(o => data.AnswersByOption.GetValueOrDefault(o.Id) ?? []).ToHashSet();
            return new QuestionFindings(q.Id, q.Text, Denominator(n, guard),
                q.Options.Select(o => new AnswerFindings(o.Id, o.Label, guard.Count((data.AnswersByOption.GetValueOrDefault(o.Id) ?? []).Count, n))).ToList(),
                guard.Count(n - answered.Count, n), MultiSelectNote);
        }).ToList();

        var facets = await db.StorytellerFacets.AsNoTracking().Where(f => f.Storyteller!.ProjectId == projectId)
            .Select(f => new { f.StorytellerId, f.Kind, f.Value }).ToListAsync(ct);
        var choices = await db.FacetChoices.AsNoTracking().Where(c => c.ProjectId == projectId).Select(c => new { c.Kind, c.Value, c.Id }).ToListAsync(ct);
        var selfDescriptions = await db.Storytellers.AsNoTracking().Where(s => s.ProjectId == projectId)
            .Select(s => new { s.Id, s.SelfDescription }).ToDictionaryAsync(s => s.Id, s => s.SelfDescription, ct);
        var facetResults = new List<FacetFindings>();
        foreach (var kind in Enum.GetValues<FacetKind>())
        {
            var ofKind = facets.Where(f => f.Kind == kind && data.Counted.Contains(f.StorytellerId)).ToList();
            var listed = choices.Where(c => c.Kind == kind).OrderBy(c => c.Id).Select(c => c.Value.Trim()).ToList();
            if (ofKind.Count == 0 && listed.Count == 0) continue;
            // Values are grouped ignoring case and spaces at the ends. The base of each percentage is the
            // storytellers who chose to share this (gave any value of this kind), not everyone: someone
            // who said nothing about their age is not "not in any age band".
            var groups = ofKind.GroupBy(f => f.Value.Trim(), StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Select(f => f.StorytellerId).Distinct().ToList(), StringComparer.OrdinalIgnoreCase);
            var answered = ofKind.Select(f => f.StorytellerId).Distinct().Count();
            var answeredCount = guard.Count(answered, n);
            var of = answeredCount.Suppressed ? $"of {answeredCount.Display} who shared" : $"of the {answeredCount.Display} who shared";
            var listOrder = listed.Concat(groups.Keys.Where(k => !listed.Contains(k, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.CurrentCultureIgnoreCase))
                .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var values = listOrder
                .Select(value =>
                {
                    var people = groups.GetValueOrDefault(value) ?? [];
                    var count = guard.Count(people.Count, answered);
                    // The verbatim words of a small group would single people out: they are hidden with the number.
                    var words = count.Suppressed ? [] : people.Select(id => selfDescriptions.GetValueOrDefault(id) ?? "")
                        .Where(w => w.Trim().Length > 0).Order(StringComparer.CurrentCulture).ToList();
                    return new FacetValueFindings(value, count, $"{count.Text} {of}", words);
                })
                // Largest first. Hidden counts come after every shown one, in the project's list order, so
                // their order cannot tell a reader which hidden group is bigger; values nobody gave come last.
                .OrderBy(v => v.Count.Suppressed ? 1 : v.Count.Value == 0 ? 2 : 0)
                .ThenByDescending(v => v.Count.Value ?? 0)
                .ToList();
            facetResults.Add(new FacetFindings(kind, FacetText.Label(kind), answeredCount, guard.Count(n),
                $"{answeredCount.Text} of the {guard.Count(n).Display} {(n == 1 ? "storyteller" : "storytellers")} chose to share this.", values));
        }

        return new WhoTold(projectId, guard.Threshold, guard.Note, CountingRule,
            guard.Count(n), guard.Count(data.NotCounted), guard.Count(data.Stories.Count), guard.Count(sizes.Count),
            guard.Count(sizes.Count(s => s <= 1)), guard.Count(sizes.Count(s => s > 1)), sessionSizes,
            questionResults, facetResults);
    }

    /// <summary>
    /// Themes: stories, storytellers and passages per theme and sub-theme (in codebook order); a cross-tab of
    /// themes × the answers to one call-out question when <paramref name="crossTabQuestionId"/> is given;
    /// positive / negative / mixed; and the "value for all" view from the review sheets.
    /// </summary>
    public async Task<ThemeFindings> ThemesAsync(int projectId, int? crossTabQuestionId, CancellationToken ct = default)
    {
        var data = await LoadAsync(projectId, ct);
        var guard = data.Guard;
        var n = data.Counted.Count;

        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null && t.MergedIntoId == null)
            .Select(t => new { t.Id, t.ParentId, t.Name, t.Color, t.Position }).ToListAsync(ct);
        var byParent = themes.ToLookup(t => t.ParentId is { } p && themes.Any(x => x.Id == p) ? p : (int?)null);
        var ordered = new List<(int Id, int? ParentId, int Depth, string Name, string Color, string Path)>();
        void Walk(int? parent, int depth, string path)
        {
            foreach (var t in byParent[parent].OrderBy(t => t.Position).ThenBy(t => t.Id))
            {
                var p = path.Length == 0 ? t.Name : $"{path} › {t.Name}";
                ordered.Add((t.Id, parent, depth, t.Name, t.Color, p));
                Walk(t.Id, depth + 1, p);
            }
        }
        Walk(null, 0, "");
        var children = themes.Where(t => t.ParentId is not null).GroupBy(t => t.ParentId!.Value).ToDictionary(g => g.Key, g => g.Select(x => x.Id).ToList());
        var descendants = ordered.ToDictionary(t => t.Id, t => Subtree(t.Id, children));

        // Coded passages that may be analysed, with the themes they carry and the storytellers they count for. Read as
        // two flat lists from two narrow indexes (ProjectRows), never the passages' rows (megabytes of snippets) and never
        // through EF's nested-list shaper, which at 20,000 passages cost ~150 ms of a 200 ms page (BENCHMARKS.md).
        var passages = await ProjectRows.PassagesAsync(db, projectId, ct);
        var themesOf = (await ProjectRows.ThemeLinksAsync(db, projectId, ct)).ToLookup(l => l.PassageId, l => l.ThemeId);
        var labels = await db.SpeakerLabels.AsNoTracking().Where(l => l.Story!.ProjectId == projectId)
            .Select(l => new { l.StoryId, l.Label, l.StorytellerId }).ToListAsync(ct);
        var labelOwner = labels.ToDictionary(l => (l.StoryId, l.Label), l => l.StorytellerId);

        // Each theme shown counts a passage coded with it or with any theme below it, once.
        var position = ordered.Select((t, i) => (t.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var countsFor = ordered.ToDictionary(t => t.Id, t => ordered.Where(a => descendants[a.Id].Contains(t.Id)).Select(a => position[a.Id]).ToArray());
        var tally = ordered.Select(_ => new Tally()).ToArray();
        var lastCounted = new int[ordered.Count];
        Array.Fill(lastCounted, -1);
        // Whether a turn (a story and a speaker) may be analysed, and whom its passages count for: decided once per turn.
        var turns = new Dictionary<(int StoryId, string Speaker), IReadOnlyCollection<int>?>();
        for (var i = 0; i < passages.Count; i++)
        {
            var (id, storyId, speaker) = passages[i];
            if (!themesOf.Contains(id)) continue;
            if (!turns.TryGetValue((storyId, speaker), out var people))
            {
                people = !data.Stories.TryGetValue(storyId, out var story) || !data.Scope.IsTurnVisible(storyId, speaker) ? null
                    // Said by a storyteller: it counts for them alone, and not at all once they withdrew.
                    : labelOwner.GetValueOrDefault((storyId, speaker)) is { } owner ? (data.Counted.Contains(owner) ? [owner] : null)
                    : story.CountedPeople;
                turns[(storyId, speaker)] = people;
            }
            if (people is null) continue;
            foreach (var themeId in themesOf[id])
            {
                if (!countsFor.TryGetValue(themeId, out var counted)) continue;
                foreach (var at in counted)
                {
                    if (lastCounted[at] == i) continue;
                    lastCounted[at] = i;
                    var t = tally[at];
                    t.Passages++;
                    t.Stories.Add(storyId);
                    t.People.UnionWith(people);
                }
            }
        }

        var sheets = await db.ReviewSheets.AsNoTracking().Where(r => r.ProjectId == projectId)
            .Select(r => new { r.StoryId, r.Experience, r.ChangesForIndividuals, r.ChangesForOrganisations, r.ChangesForSociety, ThemeIds = r.Themes.Select(t => t.ThemeId).ToList() })
            .ToListAsync(ct);
        sheets = sheets.Where(s => data.Stories.ContainsKey(s.StoryId)).ToList();
        var experienceOf = sheets.ToDictionary(s => s.StoryId, s => s.Experience);

        ExperienceCounts Experiences(IEnumerable<int> storyIds)
        {
            var list = storyIds.Select(id => experienceOf.GetValueOrDefault(id, Experience.NotSaid)).ToList();
            return new ExperienceCounts(guard.Count(list.Count(e => e == Experience.Positive)), guard.Count(list.Count(e => e == Experience.Negative)),
                guard.Count(list.Count(e => e == Experience.Mixed)), guard.Count(list.Count(e => e == Experience.NotSaid)));
        }

        var themePeople = new Dictionary<int, HashSet<int>>();
        var rows = new List<ThemeRow>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var t = ordered[i];
            themePeople[t.Id] = tally[i].People;
            rows.Add(new ThemeRow(t.Id, t.ParentId, t.Depth, t.Name, t.Color, t.Path, guard.Count(tally[i].Stories.Count), guard.Count(tally[i].People.Count, n),
                tally[i].Passages, Experiences(tally[i].Stories)));
        }

        CrossTab? crossTab = null;
        if (crossTabQuestionId is { } qid)
        {
            var question = await db.CategoryQuestions.AsNoTracking().Where(q => q.Id == qid && q.ProjectId == projectId)
                .Select(q => new { q.Id, q.Text, Options = q.Options.OrderBy(o => o.Position).ThenBy(o => o.Id).Select(o => new { o.Id, o.Label }).ToList() })
                .SingleOrDefaultAsync(ct);
            if (question is not null)
            {
                crossTab = new CrossTab(question.Id, question.Text, question.Options.Select(o => new CrossTabColumn(o.Id, o.Label)).ToList(),
                    ordered.Select(t => new CrossTabRow(t.Id, t.Name, t.Depth, t.Path,
                        question.Options.Select(o => guard.Count(themePeople[t.Id].Count((data.AnswersByOption.GetValueOrDefault(o.Id) ?? []).Contains))).ToList())).ToList());
            }
        }

        var questions = await db.CategoryQuestions.AsNoTracking().Where(q => q.ProjectId == projectId).OrderBy(q => q.Position).ThenBy(q => q.Id)
            .Select(q => new QuestionChoice(q.Id, q.Text)).ToListAsync(ct);

        var themeNames = ordered.ToDictionary(t => t.Id, t => t.Path);
        var levels = new List<ValueLevel>();
        foreach (var (key, label, select) in new (string, string, Func<(string Individuals, string Organisations, string Society), string>)[]
                 {
                     ("individuals", "Changes for individuals", x => x.Individuals),
                     ("organisations", "Changes for organisations", x => x.Organisations),
                     ("society", "Changes for society", x => x.Society),
                 })
        {
            var entries = sheets
                .Select(s => (s.StoryId, Text: select((s.ChangesForIndividuals, s.ChangesForOrganisations, s.ChangesForSociety)).Trim(), s.ThemeIds))
                .Where(s => s.Text.Length > 0)
                .OrderBy(s => data.Stories[s.StoryId].Title, StringComparer.CurrentCulture).ThenBy(s => s.StoryId)
                .Select(s => new ValueEntry(s.StoryId, data.Stories[s.StoryId].Title, s.Text,
                    s.ThemeIds.Where(themeNames.ContainsKey).Select(id => themeNames[id]).Order(StringComparer.CurrentCulture).ToList()))
                .ToList();
            levels.Add(new ValueLevel(key, label, guard.Count(entries.Count), entries));
        }

        return new ThemeFindings(projectId, guard.Threshold, guard.Note, CountingRule, ThemeRule, guard.Count(n), guard.Count(data.Stories.Count),
            rows, questions, crossTab, Experiences(data.Stories.Keys), new ValueForAll(guard.Count(sheets.Count), levels));
    }

    /// <summary>Sets the project's small-numbers threshold (0 turns the guard off). Null when the project does not exist.</summary>
    public async Task<Result<int>?> SetThresholdAsync(int projectId, int? threshold, string actorUserId, CancellationToken ct = default)
    {
        var project = await db.Projects.SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        _loaded = null;
        if (SmallNumberGuard.Validate(threshold) is { } error) return Result.Fail<int>([error]);
        // Saving the value already in force is still a choice: the project no longer follows the default.
        project.SmallNumberThresholdChosenAt = clock.GetUtcNow().UtcDateTime;
        if (project.SmallNumberThreshold == threshold)
        {
            await db.SaveChangesAsync(ct);
            return Result.Ok(threshold.Value);
        }
        var before = project.SmallNumberThreshold;
        project.SmallNumberThreshold = threshold!.Value;
        db.Record(clock, projectId, actorUserId, "findings.threshold-changed", "project", projectId,
            $"{before.ToString(CultureInfo.InvariantCulture)}->{threshold.Value.ToString(CultureInfo.InvariantCulture)}");
        await db.SaveChangesAsync(ct);
        return Result.Ok(threshold.Value);
    }

    private static string Denominator(int n, SmallNumberGuard guard) =>
        $"of {guard.Count(n).Display} {(n == 1 ? "storyteller" : "storytellers")}";

    private static HashSet<int> Subtree(int id, Dictionary<int, List<int>> children)
    {
        var all = new HashSet<int> { id };
        var stack = new Stack<int>([id]);
        while (stack.Count > 0)
            foreach (var child in children.GetValueOrDefault(stack.Pop()) ?? [])
                if (all.Add(child)) stack.Push(child);
        return all;
    }

    /// <summary>One theme's figures while the passages are counted.</summary>
    private sealed class Tally
    {
        public int Passages;
        public readonly HashSet<int> Stories = [];
        public readonly HashSet<int> People = [];
    }

    private sealed record StoryInfo(string Title, int? SessionId, int Size, IReadOnlyCollection<int> CountedPeople);

    private sealed record Loaded(SmallNumberGuard Guard, HashSet<int> Counted, int NotCounted, AnalysisScope Scope,
        Dictionary<int, StoryInfo> Stories, Dictionary<int, HashSet<int>> AnswersByOption);

    // The findings page asks for who told the stories and then for the themes: both start from the same rows, read once
    // per request (the service lives as long as the request). Changing the threshold forgets them.
    private (int ProjectId, Loaded Data)? _loaded;

    /// <summary>Who and what counts in this project, decided once by ConsentPolicy and AnalysisScope.</summary>
    private async Task<Loaded> LoadAsync(int projectId, CancellationToken ct)
    {
        if (_loaded is { } loaded && loaded.ProjectId == projectId) return loaded.Data;
        var data = await ReadAsync(projectId, ct);
        _loaded = (projectId, data);
        return data;
    }

    private async Task<Loaded> ReadAsync(int projectId, CancellationToken ct)
    {
        var threshold = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => p.SmallNumberThreshold).SingleAsync(ct);
        var people = await db.Storytellers.AsNoTracking().Where(s => s.ProjectId == projectId)
            .Select(s => new { s.Id, Withdrawn = s.WithdrawnAt != null }).ToListAsync(ct);
        var present = people.Where(p => !p.Withdrawn).Select(p => p.Id).ToList();
        var decisions = await consent.DecideManyAsync(present, ConsentUse.Analysis, ct);
        var counted = present.Where(id => decisions[id].Allowed).ToHashSet();

        var scope = await AnalysisScope.LoadAsync(db, consent, projectId, ct);
        var links = await db.StoryStorytellers.AsNoTracking().Where(x => x.Story!.ProjectId == projectId)
            .Select(x => new { x.StoryId, x.StorytellerId }).ToListAsync(ct);
        var withdrawn = people.Where(p => p.Withdrawn).Select(p => p.Id).ToHashSet();
        var storyRows = await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId)
            .Select(s => new { s.Id, s.Title, s.SessionId }).ToListAsync(ct);
        var linksByStory = links.ToLookup(l => l.StoryId, l => l.StorytellerId);
        var stories = new Dictionary<int, StoryInfo>();
        foreach (var s in storyRows)
        {
            var inStory = linksByStory[s.Id].ToList();
            var countedPeople = inStory.Where(counted.Contains).ToList();
            if (!scope.IsStoryVisible(s.Id) || countedPeople.Count == 0) continue;
            stories[s.Id] = new StoryInfo(s.Title, s.SessionId, inStory.Count(id => !withdrawn.Contains(id)), countedPeople);
        }

        var answers = await db.StorytellerAnswers.AsNoTracking().Where(a => a.Storyteller!.ProjectId == projectId)
            .Select(a => new { a.StorytellerId, a.OptionId }).ToListAsync(ct);
        var byOption = answers.Where(a => counted.Contains(a.StorytellerId)).GroupBy(a => a.OptionId)
            .ToDictionary(g => g.Key, g => g.Select(a => a.StorytellerId).ToHashSet());
        return new Loaded(new SmallNumberGuard(threshold), counted, present.Count - counted.Count, scope, stories, byOption);
    }
}

/// <summary>Who told the stories. Every count has the small-numbers guard applied.</summary>
/// <param name="Threshold">The project's small-numbers threshold (0 = off).</param>
/// <param name="GuardNote">The sentence to show with any table or chart of these figures.</param>
/// <param name="CountingRule">Which storytellers are counted, in plain words.</param>
/// <param name="Storytellers">Storytellers counted: the denominator of every percentage.</param>
/// <param name="NotCounted">Storytellers in the project who are not counted (no consent to analysis); withdrawn people are left out of this too.</param>
public sealed record WhoTold(int ProjectId, int Threshold, string GuardNote, string CountingRule,
    GuardedCount Storytellers, GuardedCount NotCounted, GuardedCount Stories, GuardedCount Sessions,
    GuardedCount OneToOneSessions, GuardedCount GroupSessions, IReadOnlyList<SessionSize> SessionSizes,
    IReadOnlyList<QuestionFindings> Questions, IReadOnlyList<FacetFindings> Facets);

/// <summary>Sessions of one size (1 = one-to-one, 2–9 = a group).</summary>
public sealed record SessionSize(int Storytellers, string Label, GuardedCount Sessions);

/// <summary>One call-out question: how many counted storytellers ticked each answer.</summary>
/// <param name="Denominator">"of 100 storytellers".</param>
/// <param name="NoAnswer">Counted storytellers who ticked none of the answers.</param>
/// <param name="Note">Multi-select: the percentages add up to more than 100%.</param>
public sealed record QuestionFindings(int QuestionId, string Text, string Denominator, IReadOnlyList<AnswerFindings> Answers, GuardedCount NoAnswer, string Note);

public sealed record AnswerFindings(int OptionId, string Label, GuardedCount Count);

/// <summary>One kind of facet (e.g. age band) read from self-descriptions, with its values, largest first.</summary>
/// <param name="Answered">Counted storytellers who chose to share this (gave any value of this kind), with their percentage of all counted: the base of every value's percentage.</param>
/// <param name="Storytellers">All counted storytellers.</param>
/// <param name="AnsweredText">"27 (68%) of the 40 storytellers chose to share this."</param>
/// <param name="Values">Shown counts largest first, then hidden ones (project list order), then values nobody gave.</param>
public sealed record FacetFindings(FacetKind Kind, string Label, GuardedCount Answered, GuardedCount Storytellers, string AnsweredText, IReadOnlyList<FacetValueFindings> Values);

/// <param name="Count">With its percentage of those who chose to share this kind of fact about themselves.</param>
/// <param name="Text">"13 (48%) of the 27 who shared".</param>
/// <param name="SelfDescriptions">The storytellers' own words, verbatim; empty when the count is hidden by the guard.</param>
public sealed record FacetValueFindings(string Value, GuardedCount Count, string Text, IReadOnlyList<string> SelfDescriptions);

/// <summary>What the themes show. Every count of people, stories or sessions has the guard applied.</summary>
/// <param name="Themes">Every theme and sub-theme in codebook order (a sub-theme follows its parent; see Depth).</param>
/// <param name="Questions">The call-out questions a cross-tab can use.</param>
/// <param name="CrossTab">Themes × the answers of the chosen question, or null when none was chosen (or it is not this project's).</param>
/// <param name="Experience">Positive / negative / mixed stories, from review sheets.</param>
public sealed record ThemeFindings(int ProjectId, int Threshold, string GuardNote, string CountingRule, string ThemeRule,
    GuardedCount Storytellers, GuardedCount Stories, IReadOnlyList<ThemeRow> Themes, IReadOnlyList<QuestionChoice> Questions, CrossTab? CrossTab,
    ExperienceCounts Experience, ValueForAll ValueForAll);

/// <param name="Depth">0 for a top-level theme, 1 for its sub-themes, and so on.</param>
/// <param name="Path">"Theme › Sub-theme".</param>
/// <param name="Storytellers">With a percentage of all counted storytellers.</param>
/// <param name="Passages">Coded passages (not people, so not guarded).</param>
public sealed record ThemeRow(int ThemeId, int? ParentId, int Depth, string Name, string Color, string Path,
    GuardedCount Stories, GuardedCount Storytellers, int Passages, ExperienceCounts Experience);

public sealed record QuestionChoice(int QuestionId, string Text);

/// <summary>Counted storytellers in each theme (rows) who ticked each answer (columns).</summary>
public sealed record CrossTab(int QuestionId, string QuestionText, IReadOnlyList<CrossTabColumn> Columns, IReadOnlyList<CrossTabRow> Rows);

public sealed record CrossTabColumn(int OptionId, string Label);

/// <param name="Cells">One per column, in the same order.</param>
public sealed record CrossTabRow(int ThemeId, string Name, int Depth, string Path, IReadOnlyList<GuardedCount> Cells);

/// <summary>Stories by the experience their review sheet records.</summary>
public sealed record ExperienceCounts(GuardedCount Positive, GuardedCount Negative, GuardedCount Mixed, GuardedCount NotSaid);

/// <summary>The "value for all" view: the changes review sheets record for individuals, organisations and society.</summary>
/// <param name="Sheets">Review sheets of counted stories.</param>
public sealed record ValueForAll(GuardedCount Sheets, IReadOnlyList<ValueLevel> Levels);

/// <param name="Key">"individuals", "organisations" or "society".</param>
/// <param name="Stories">Stories whose review sheet names a change at this level.</param>
public sealed record ValueLevel(string Key, string Label, GuardedCount Stories, IReadOnlyList<ValueEntry> Entries);

/// <param name="Themes">Theme paths ticked on the story's review sheet.</param>
public sealed record ValueEntry(int StoryId, string StoryTitle, string Text, IReadOnlyList<string> Themes);
