using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;
using Storyweave.Features.Sessions;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Features.Sample;

/// <summary>
/// A clearly made-up project seeded on first run so a newcomer sees a populated app. Every person,
/// place and word in it is invented; nothing is taken from real storytellers or the source reports.
/// Seeded once per instance: archiving it does not bring it back.
/// </summary>
public sealed partial class SampleProject(StoryweaveDb db, ProjectService projects, TimeProvider clock, Search.SearchIndex search,
    Review.ReviewService review, Codebook.CodebookService codebook, Coding.CodingService coding,
    Workshops.WorkshopService workshops, Reports.ReportService reports)
{
    public const string SeededKey = "sample-project-seeded";
    public const string Name = "Sample project: Growing Together (made-up stories)";

    public async Task<bool> SeedIfFirstRunAsync(CancellationToken ct = default)
    {
        if (await db.InstanceSettings.AnyAsync(s => s.Key == SeededKey, ct)) return false;

        var created = await projects.CreateAsync(new ProjectService.Details(
            Name,
            "A sample project with invented storytellers, so you can look around Storyweave. Nothing here is real. " +
            "It imagines a community garden run together by the people who use it and a local housing association.",
            "What happens when tenants and staff run a community garden together?",
            "Can you tell me about a time working together on the garden made a difference to you?",
            new DateOnly(2026, 3, 1), new DateOnly(2026, 9, 30)), creatorUserId: null, isSample: true, ct);
        var project = created.Value!;
        var now = clock.GetUtcNow().UtcDateTime;
        // Four made-up storytellers: with the small-numbers guard on (the default for a real project)
        // every figure would read "fewer than 5", and there is nobody to protect. A lead can turn it on to try it.
        project.SmallNumberThreshold = 0;

        // A call-out like a real project's: two multi-select questions and the open self-description.
        var sector = new CallOut.CategoryQuestion
        {
            ProjectId = project.Id,
            Position = 0,
            Text = "Is your experience of the garden mostly about…",
            Options = [new() { Position = 0, Label = "Growing food" }, new() { Position = 1, Label = "Meeting people" }, new() { Position = 2, Label = "Decisions about the estate" }],
        };
        var role = new CallOut.CategoryQuestion
        {
            ProjectId = project.Id,
            Position = 1,
            Text = "Are you…",
            Options = [new() { Position = 0, Label = "A tenant" }, new() { Position = 1, Label = "Staff or a volunteer" }],
        };
        db.CallOuts.Add(new CallOut.CallOut
        {
            ProjectId = project.Id,
            IsPublished = true,
            Introduction = "We want to hear what it has been like to run the Riverside garden together. This is a made-up sample call-out.",
            WhatTakingPartInvolves = "A relaxed conversation of about 30 minutes with another tenant, in the garden shed or on a video call. You can bring a friend.",
            ThanksOffered = "A £20 shopping voucher to thank you for your time.",
            ConsentFormText = "We will record our conversation. You choose how your story is used and how you are named, and you can change your mind at any time.",
            Questions = [sector, role],
            UpdatedAt = now,
        });
        await db.SaveChangesAsync(ct);

        Storyteller Teller(string name, string self) => new() { ProjectId = project.Id, Name = name, SelfDescription = self, CreatedAt = now, EntryMethod = EntryMethod.Sample, ContactPreference = ContactPreference.Email };
        var ada = Teller("Ada Example", "A grandmother who loves tomatoes and talking to anyone who will listen.");
        var bram = Teller("Bram Sample", "I'm a tenant, a bit shy, and I look after the compost heaps.");
        var cleo = Teller("Cleo Placeholder", "Housing officer by day, amateur beekeeper on Saturdays.");
        var dev = Teller("Dev Fictional", "Recovering from a long illness; the garden got me out of the house.");
        db.Storytellers.AddRange(ada, bram, cleo, dev);
        await db.SaveChangesAsync(ct);

        void Answer(Storyteller t, params CallOut.CategoryOption[] options)
        {
            foreach (var o in options) db.StorytellerAnswers.Add(new StorytellerAnswer { StorytellerId = t.Id, OptionId = o.Id });
        }
        Answer(ada, sector.Options[0], sector.Options[2], role.Options[0]);
        Answer(bram, sector.Options[0], sector.Options[1], role.Options[0]);
        Answer(cleo, sector.Options[2], role.Options[1]);
        Answer(dev, sector.Options[1], role.Options[0]);

        void Consent(Storyteller t, bool quotes, bool clips, bool publish, CreditStyle credit, string pseudonym = "")
        {
            db.ConsentRecords.Add(new ConsentRecord
            {
                ProjectId = project.Id,
                StorytellerId = t.Id,
                Recording = true,
                Analysis = true,
                Quotes = quotes,
                Clips = clips,
                PublishStory = publish,
                CreditInReports = credit,
                CreditInClips = credit,
                CreditOnPublicSite = credit,
                Pseudonym = pseudonym,
                Method = ConsentMethod.OnlineForm,
                GivenAt = now,
                RecordedAt = now,
                Note = "Sample consent (made up).",
            });
        }
        Consent(ada, quotes: true, clips: true, publish: true, CreditStyle.Named);
        Consent(bram, quotes: true, clips: false, publish: false, CreditStyle.FirstNameOnly);
        Consent(cleo, quotes: true, clips: true, publish: true, CreditStyle.Pseudonym, "Bee Keeper");
        Consent(dev, quotes: false, clips: false, publish: false, CreditStyle.Anonymous);

        // Ada and Cleo agreed to publication, but nothing made up is put on the real public site unless an
        // administrator publishes it: the public site of a new install starts empty.
        var tomatoes = AddStory(project.Id, "Tomatoes and trust", new DateOnly(2026, 4, 12), now, [ada], published: false,
        [
            (0, 9, "Reporter", "Can you tell me about a time working together on the garden made a difference to you?"),
            (9, 31, "Ada Example", "The first spring nobody asked us anything. The beds just appeared. Then the second year they sat down with us in the community room and asked what we wanted to grow."),
            (31, 50, "Ada Example", "I said tomatoes, proper ones. And they listened. That sounds small but it was the first time I felt like my opinion counted for something here."),
            (50, 58, "Reporter", "What changed after that?"),
            (58, 80, "Ada Example", "I started coming to the tenants' meetings. I'm not a meetings person. But if they'll listen about tomatoes, maybe they'll listen about the lifts."),
        ]);
        var compost = AddStory(project.Id, "The compost rota", new DateOnly(2026, 5, 3), now, [bram, dev], published: false,
        [
            (0, 7, "Reporter", "Can you tell me about a time working together on the garden made a difference to you?"),
            (7, 26, "Bram Sample", "We made the compost rota together. Dev drew it, I wrote the names. It sounds boring but it meant nobody was doing it all on their own."),
            (26, 47, "Dev Fictional", "For me it was a reason to get up on a Tuesday. I'd been ill for a long time. Having my name on the rota meant someone was expecting me."),
            (47, 61, "Bram Sample", "And when Dev couldn't come, people just covered. No fuss. That's what it's like when it's everyone's garden."),
        ]);
        var bees = AddStory(project.Id, "Bees on the roof", new DateOnly(2026, 6, 21), now, [cleo], published: false,
        [
            (0, 8, "Reporter", "Can you tell me about a time working together on the garden made a difference to you?"),
            (8, 30, "Cleo Placeholder", "Honestly, I came in thinking I was there to manage it. Budgets, risk forms. The tenants taught me more about running a project than any training did."),
            (30, 52, "Cleo Placeholder", "When we argued about the beehives it was hard. But we sorted it out at the table, with everyone there, and the decision stuck because it was ours."),
        ]);
        db.InstanceSettings.Add(new Data.InstanceSetting { Key = SeededKey, Value = project.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        db.Record(clock, project.Id, null, "sample.seeded", "project", project.Id);
        await db.SaveChangesAsync(ct);
        foreach (var storyId in await db.Stories.Where(s => s.ProjectId == project.Id).Select(s => s.Id).ToListAsync(ct))
            await search.ReindexStoryAsync(project.Id, storyId, ct);
        await db.SaveChangesAsync(ct);

        // The later stages of the method, through the same services the pages use, so offsets, snippets,
        // events and the search index agree with what a team would have made (SampleProject.Stages.cs).
        await SeedStagesAsync(project.Id, new SampleStories(tomatoes, compost, bees), ct);
        return true;
    }

    private Story AddStory(int projectId, string title, DateOnly recordedOn, DateTime now, Storyteller[] tellers, bool published,
        (double Start, double End, string Speaker, string Text)[] cues)
    {
        var session = new InterviewSession
        {
            ProjectId = projectId,
            Date = recordedOn,
            Mode = tellers.Length > 1 ? SessionMode.InPerson : SessionMode.Online,
            ConversationStarterUsed = "Can you tell me about a time working together on the garden made a difference to you?",
            CreatedAt = now,
        };
        var story = new Story { ProjectId = projectId, Title = title, RecordedOn = recordedOn, CreatedAt = now, Session = session, TranscriptFormat = "typed", TranscriptVersion = 1, PublishedAt = published ? now : null };
        foreach (var t in tellers) story.Speakers.Add(new SpeakerLabel { Label = t.Name, StorytellerId = t.Id });
        story.Speakers.Add(new SpeakerLabel { Label = "Reporter", IsReporter = true });
        foreach (var t in tellers) story.Storytellers.Add(new StoryStoryteller { StorytellerId = t.Id });
        for (var i = 0; i < cues.Length; i++)
        {
            var c = cues[i];
            story.Cues.Add(new TranscriptCue { Position = i, StartSeconds = c.Start, EndSeconds = c.End, Speaker = c.Speaker, Text = c.Text });
        }
        db.Stories.Add(story);
        return story;
    }
}
