using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Reports;
using Storyweave.Features.Review;
using Storyweave.Features.Stories;
using Storyweave.Features.Workshops;

namespace Storyweave.Features.Sample;

/// <summary>
/// The sample's later stages: review sheets, a codebook, coded passages and memos, a finished workshop and a
/// report. Everything goes through the real services, so it is as consistent as work done in the pages.
/// Nobody can be credited with it: the seed runs before any account exists, so the actor is null
/// (the activity log shows "Storyweave"), and no account is made that anyone could sign in to.
/// </summary>
public sealed partial class SampleProject
{
    private sealed record SampleStories(Story Tomatoes, Story Compost, Story Bees);

    /// <summary>The codebook's themes by name, for the later stages to code with.</summary>
    private sealed class SampleThemes(Dictionary<string, int> ids)
    {
        public int this[string name] => ids[name];
    }

    private async Task SeedStagesAsync(int projectId, SampleStories stories, CancellationToken ct)
    {
        var themes = await SeedCodebookAsync(projectId, ct);
        await SeedReviewSheetsAsync(projectId, stories, themes, ct);
        await SeedCodingAsync(projectId, stories, themes, ct);
        await SeedWorkshopAsync(projectId, stories, ct);
        await SeedReportAsync(projectId, ct);
    }

    public const string ReportTitle = "Growing together: what the garden stories tell us (made-up sample report)";

    /// <summary>
    /// A full report with its texts written and quotes picked for the main themes (only those the storytellers
    /// agreed can be quoted), and its HTML file queued for the ordinary background worker: no PDF, so first start
    /// never waits for Chromium.
    /// </summary>
    private async Task SeedReportAsync(int projectId, CancellationToken ct)
    {
        var created = Check(await reports.CreateAsync(projectId, ReportKind.Full, ReportTitle, actorUserId: null, ct: ct), "the report");
        Check(await reports.UpdateAsync(projectId, created.Id, new ReportService.TextsInput(ReportTitle, "1.0", new DateOnly(2026, 10, 15)), actorUserId: null, ct), "the report's details");
        // The template's outline, with the sample's own writing in its sections (found by their headings).
        var outline = await reports.OutlineAsync(projectId, created.Id, ct) ?? throw new InvalidOperationException("Seeding the sample: the report has no outline.");
        async Task WriteAsync(string heading, Func<string, string> body)
        {
            var section = outline.Single(e => e.Section.Title == heading).Section;
            Check(await reports.UpdateSectionAsync(projectId, created.Id, section.Id,
                new ReportService.SectionInput(section.Kind, section.Title, body(section.Body), section.ThemeId, section.Setting), actorUserId: null, ct), $"the report's \u201c{heading}\u201d");
        }
        await WriteAsync("Introduction", intro => intro + "\n\n" +
            "We wanted to find out what happens when tenants and housing association staff run a community garden together, and to share it with both so the next project goes better. " +
            "**This is a made-up sample report:** the people, the estate and the stories are invented.");
        await WriteAsync("Making sense of the stories", text => text + "\n\n" +
            "Three reporters filled in a review sheet for each story. The team coded the transcripts with a codebook that started from the " +
            "\u201cBenefits of co-production\u201d template, then made sense of the stories together in a workshop with tenants, where groups of cards were named and voted on.");
        await WriteAsync("Challenges", _ =>
            "Some people wanted to be heard but not quoted, so a few of the most striking words are described in this report rather than quoted.\n\n" +
            "> Only three stories were gathered, so these findings are a starting point, not a conclusion about every tenant.");
        await WriteAsync("Value for all", _ => "Tenants felt listened to and found reasons to take part; staff learned how much tenants already know about running things together.");
        await WriteAsync("Conditions", _ => "- Asking before deciding.\n- Sharing the work out fairly.\n- Settling disagreements at the table, with everyone there.");
        await WriteAsync("Conclusion and recommendations", _ =>
            "Small things done together, like choosing tomatoes or drawing up a compost rota, built the trust that let tenants and staff talk about bigger things.\n\n" +
            "We recommend the housing association keeps asking first, and brings the same way of working to decisions about the estate.");

        var wanted = new[] { "Trust", "Collective action and connections", "People driving change", "Life on the estate", "Working through disagreements", WorkshopTitle };
        var used = new List<string>();
        foreach (var (theme, _) in (await reports.ThemesAsync(projectId, ct)).Where(t => wanted.Contains(t.Theme.Name)))
        {
            var candidates = await reports.CandidatesAsync(projectId, theme.Id, ct) ?? [];
            // Only words their speaker agreed can be quoted; one or two a theme, as a curator would, and never the
            // same words twice in the report (a key quote and the passage that holds it overlap).
            var picked = 0;
            foreach (var c in candidates.Where(c => c.Allowed))
            {
                if (picked == 2) break;
                if (used.Any(u => u.Contains(c.Text, StringComparison.Ordinal) || c.Text.Contains(u, StringComparison.Ordinal))) continue;
                Check(await reports.AddQuoteAsync(projectId, created.Id, theme.Id, c.PassageId, c.KeyQuoteId, note: null, actorUserId: null, ct), $"a quote for \u201c{theme.Name}\u201d");
                used.Add(c.Text);
                picked++;
            }
        }
        _ = await reports.GenerateAsync(projectId, created.Id, ReportFormat.Html, actorUserId: null, ct)
            ?? throw new InvalidOperationException("Seeding the sample: the report's file could not be queued.");
    }

    public const string WorkshopTitle = "Making sense of the garden stories";

    /// <summary>
    /// A sense-making workshop as it looks when it is over: three made-up guests who joined by link (and so
    /// are credited), cards from coded passages and key quotes sorted into named groups, a note in each
    /// group, votes revealed, the board locked and turned into codebook themes (decision 0004).
    /// </summary>
    private async Task SeedWorkshopAsync(int projectId, SampleStories s, CancellationToken ct)
    {
        var w = Check(await workshops.CreateAsync(projectId, WorkshopTitle, WorkshopKind.SenseMaking, votesPerParticipant: 3, userId: null, ct), "the workshop");
        // Acts with no account and no participant row, so events name nobody (the activity log shows "Storyweave").
        var facilitator = new WorkshopActor(null, null, "The sample's facilitator", CanFacilitate: true);

        async Task<WorkshopActor> Guest(string name)
        {
            // The real way in for someone without an account: a personal link, opened and accepted. The secret
            // is never stored or shown, so nobody can use this link afterwards.
            var link = (WorkshopService.JoinLink)Check(await workshops.CreateJoinLinkAsync(facilitator, w, name, ct), $"the join link for {name}")!;
            var row = Check(await workshops.AcceptJoinAsync(link.Secret, name, ct), $"{name} joining the workshop");
            return new WorkshopActor(row.Id, null, row.DisplayName, CanFacilitate: false);
        }
        var ada = await Guest("Ada Example");
        var eli = await Guest("Eli Pretend");
        var fran = await Guest("Fran Madeup");

        var quotes = await db.KeyQuotes.Where(q => (q.StoryId == s.Tomatoes.Id && q.Position == 1) || (q.StoryId == s.Bees.Id && q.Position == 1))
            .Select(q => new { q.Id, q.Text }).ToListAsync(ct);
        var quoteIds = quotes.Select(q => q.Id).ToList();
        // A passage that holds the same words as a key quote on the board would be the same card twice.
        var passageIds = (await db.Passages.Where(p => p.ProjectId == projectId).OrderBy(p => p.Id).Select(p => new { p.Id, p.Snippet }).ToListAsync(ct))
            .Where(p => !quotes.Any(q => p.Snippet.Contains(q.Text, StringComparison.Ordinal))).Select(p => p.Id).ToList();
        Check(await workshops.AddSourceCardsAsync(facilitator, w, passageIds, quoteIds, asPrompts: false, ct), "the workshop's cards");

        async Task<int> Group(WorkshopActor by, string name)
        {
            Check(await workshops.CreateClusterAsync(by, w, name, ct), $"the group \u201c{name}\u201d");
            return await db.WorkshopClusters.Where(c => c.WorkshopId == w.Id && c.Name == name).Select(c => c.Id).SingleAsync(ct);
        }
        var listened = await Group(ada, "Being listened to");
        var sharing = await Group(fran, "Sharing the work");
        var deciding = await Group(eli, "Deciding together");

        // Each story's cards went to the group the room agreed on.
        var clusterOfStory = new Dictionary<int, int> { [s.Tomatoes.Id] = listened, [s.Compost.Id] = sharing, [s.Bees.Id] = deciding };
        var storyOfPassage = await db.Passages.Where(p => passageIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.StoryId, ct);
        var storyOfQuote = await db.KeyQuotes.Where(q => quoteIds.Contains(q.Id)).ToDictionaryAsync(q => q.Id, q => q.StoryId, ct);
        var cards = await db.WorkshopCards.AsNoTracking().Where(c => c.WorkshopId == w.Id).OrderBy(c => c.Position).ToListAsync(ct);
        var movers = new[] { ada, eli, fran };
        foreach (var (card, i) in cards.Select((c, i) => (c, i)))
        {
            var storyId = card.PassageId is { } pid ? storyOfPassage[pid] : storyOfQuote[card.KeyQuoteId!.Value];
            Check(await workshops.MoveCardAsync(movers[i % movers.Length], w, card.Id, clusterOfStory[storyId], card.Version, ct), "moving a card");
        }

        Check(await workshops.AddNoteAsync(eli, w, "Small wins first, then the big asks.", listened, ct), "a note");
        Check(await workshops.AddNoteAsync(fran, w, "Nobody should have to carry it alone.", sharing, ct), "a note");
        Check(await workshops.AddNoteAsync(ada, w, "Argue at the table, not behind people's backs.", deciding, ct), "a note");

        foreach (var (who, cluster) in new[] { (ada, listened), (ada, listened), (ada, deciding), (eli, listened), (eli, sharing), (eli, deciding), (fran, sharing), (fran, sharing), (fran, listened) })
            Check(await workshops.VoteAsync(who, w, null, cluster, ct), "a vote");

        Check(await workshops.SetSettingsAsync(facilitator, w, locked: true, revealVotes: true, votesPerParticipant: null, ct), "locking the board");
        Check(await workshops.ConvertAsync(facilitator, w, ct), "turning the board into themes");
    }

    private async Task SeedCodingAsync(int projectId, SampleStories s, SampleThemes themes, CancellationToken ct)
    {
        async Task<int> Code(Story story, string words, params string[] themeNames)
        {
            // The same plain text the coding page selects in: the cues' texts joined by "\n".
            var plain = string.Join("\n", story.Cues.OrderBy(c => c.Position).Select(c => c.Text));
            var start = plain.IndexOf(words, StringComparison.Ordinal);
            return Check(await coding.CodeSelectionAsync(projectId, story.Id, start, start + words.Length, themeNames.Select(n => themes[n]).ToList(), coderUserId: null, ct),
                $"coding \u201c{words}\u201d");
        }
        await Code(s.Tomatoes, "Then the second year they sat down with us in the community room and asked what we wanted to grow.", "Being asked, not told", "Sharing roles, sharing power, striving for equity");
        await Code(s.Tomatoes, "That sounds small but it was the first time I felt like my opinion counted for something here.", "Trust");
        await Code(s.Tomatoes, "But if they'll listen about tomatoes, maybe they'll listen about the lifts.", "People driving change", "Trust");
        // The group story: each storyteller's own consent decides what can be done with their own turns.
        await Code(s.Compost, "We made the compost rota together. Dev drew it, I wrote the names.", "Collective action and connections");
        await Code(s.Compost, "It sounds boring but it meant nobody was doing it all on their own.", "Collective action and connections", "Sharing roles, sharing power, striving for equity");
        var devPassage = await Code(s.Compost, "Having my name on the rota meant someone was expecting me.", "A reason to get out of the house", "Collective action and connections");
        await Code(s.Compost, "And when Dev couldn't come, people just covered. No fuss.", "Covering for each other", "Trust");
        await Code(s.Bees, "The tenants taught me more about running a project than any training did.", "Staff learning from tenants", "Difficult to achieve the same results without lived experience");
        await Code(s.Bees, "Honestly, I came in thinking I was there to manage it. Budgets, risk forms.", "Sharing roles, sharing power, striving for equity");
        await Code(s.Bees, "When we argued about the beehives it was hard. But we sorted it out at the table, with everyone there, and the decision stuck because it was ours.",
            "Working through disagreements", "People driving change", "Trust");

        async Task Memo(MemoTarget target, int targetId, string text) =>
            Check(await coding.AddMemoAsync(projectId, target, targetId, text, authorUserId: null, ct), "a memo");
        await Memo(MemoTarget.Passage, devPassage,
            "Dev agreed to their words being used in analysis but not quoted. We can talk about this in the workshop, but the report must not quote it; Storyweave will not let it.");
        await Memo(MemoTarget.Theme, themes["Trust"],
            "Trust comes up in every story, and always after something small went well first (tomatoes, a rota, a row settled at the table). Worth asking about in the workshop.");
        await Memo(MemoTarget.Story, s.Bees.Id,
            "Cleo works for the housing association. Read her story alongside the tenants' stories, not instead of them.");
    }

    private async Task<SampleThemes> SeedCodebookAsync(int projectId, CancellationToken ct)
    {
        // A team often starts from a published framework and then adds its own words for what it hears.
        var template = Check(await codebook.ApplyTemplateAsync(projectId, "benefits", actorUserId: null, ct), "the codebook template");
        var ids = template.ToDictionary(t => t.Name, t => t.Id);
        async Task Add(string name, string description, string color, string? parent = null)
        {
            var theme = Check(await codebook.CreateAsync(projectId, new CodebookService.ThemeInput(name, description, color, "", parent is null ? null : ids[parent]), actorUserId: null, ct), $"the theme \u201c{name}\u201d");
            ids[name] = theme.Id;
        }
        await Add("Life on the estate", "What the garden changed in everyday life on the Riverside estate.", "#6b3d00");
        await Add("Being asked, not told", "Staff asking tenants what they want before deciding, and what that does for trust.", "#6b3d00", "Life on the estate");
        await Add("A reason to get out of the house", "Roles and routines that bring back people who are unwell or on their own.", "#6b3d00", "Life on the estate");
        await Add("Covering for each other", "People stepping in for one another without being asked or making a fuss.", "#5c4a00", "Collective action and connections");
        await Add("Staff learning from tenants", "Housing staff finding that tenants know how to run things.", "#6b2d7a", "Co-learning");
        await Add("Working through disagreements", "Rows and hard conversations, and how people settled them together.", "#8a1c2b");
        return new SampleThemes(ids);
    }

    private async Task SeedReviewSheetsAsync(int projectId, SampleStories s, SampleThemes themes, CancellationToken ct)
    {
        await SaveSheetAsync(projectId, s.Tomatoes, new ReviewService.SheetInput(
            "Being asked, not told, is what changed things for Ada. A small yes about tomatoes built enough trust for her to speak up about bigger things, like the lifts.",
            "Ada feels her opinion counts. She now goes to tenants' meetings, which she never did before.",
            "The housing association learned that sitting down with tenants before deciding gets people involved.",
            "Trust built over small, everyday things can open the door to talking about bigger problems on the estate.",
            Experience.Positive, IsComplete: true, ThemeIds: null,
            [
                Quote(s.Tomatoes, "they sat down with us in the community room and asked what we wanted to grow."),
                Quote(s.Tomatoes, "it was the first time I felt like my opinion counted for something here."),
                Quote(s.Tomatoes, "if they'll listen about tomatoes, maybe they'll listen about the lifts."),
            ],
            [new(null, "Being asked first", themes["Being asked, not told"]), new(null, "Trust grows from small things", themes["Trust"])]), ct);
        await SaveSheetAsync(projectId, s.Compost, new ReviewService.SheetInput(
            "Sharing the work out fairly meant nobody carried it alone, and being on the rota gave Dev a reason to get up while he was recovering.",
            "Dev had a reason to leave the house every Tuesday. Bram felt the load was shared.",
            "A simple rota, made by tenants themselves, kept the garden going without staff having to organise it.",
            "When people cover for each other without fuss, a shared space feels like everyone's.",
            Experience.Positive, IsComplete: true, ThemeIds: null,
            [
                Quote(s.Compost, "it meant nobody was doing it all on their own."),
                Quote(s.Compost, "Having my name on the rota meant someone was expecting me."),
                Quote(s.Compost, "when Dev couldn't come, people just covered. No fuss."),
            ],
            [new(null, "Sharing the load", themes["Collective action and connections"]), new(null, "Being expected somewhere", themes["A reason to get out of the house"])]), ct);
        await SaveSheetAsync(projectId, s.Bees, new ReviewService.SheetInput(
            "Cleo came to manage the garden and found herself learning from the tenants. The row about the beehives was hard, but settling it together made the decision last.",
            "Cleo changed how she sees her job: less managing, more working alongside.",
            "Staff can learn as much from tenants as from training courses.",
            "Decisions made at the table with everyone there are the ones that stick.",
            Experience.Mixed, IsComplete: true, ThemeIds: null,
            [
                Quote(s.Bees, "The tenants taught me more about running a project than any training did."),
                Quote(s.Bees, "the decision stuck because it was ours."),
            ],
            [new(null, "Learning from tenants", themes["Staff learning from tenants"]), new(null, "Arguing it out at the table", themes["Working through disagreements"]),
                new(null, "Giving up some control", null)]), ct);
    }

    private async Task SaveSheetAsync(int projectId, Story story, ReviewService.SheetInput input, CancellationToken ct) =>
        Check(await review.SaveAsync(projectId, story.Id, input, actorUserId: null, ct), $"the review sheet of \u201c{story.Title}\u201d");

    /// <summary>A key quote: these words of the one line that contains them.</summary>
    private static ReviewService.QuoteInput Quote(Story story, string words) =>
        new(story.Cues.Single(c => c.Text.Contains(words, StringComparison.Ordinal)).Id, words, null, null);

    private static object? Check(WorkshopService.Outcome outcome, string what) =>
        outcome.Status == 200 ? outcome.Value : throw new InvalidOperationException($"Seeding the sample: {what} was refused: {string.Join(" ", outcome.Errors)}");

    /// <summary>The seed's content is fixed, so a refusal here is a bug in the seed: stop loudly rather than leave half a sample.</summary>
    private static T Check<T>(Accounts.Result<T>? result, string what)
    {
        if (result is null) throw new InvalidOperationException($"Seeding the sample: {what} was not found.");
        if (!result.Succeeded) throw new InvalidOperationException($"Seeding the sample: {what} was refused: {string.Join(" ", result.Errors)}");
        return result.Value!;
    }
}
