using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Sample;

/// <summary>
/// A clearly made-up project seeded on first run so a newcomer sees a populated app. Every person,
/// place and word in it is invented; nothing is taken from real storytellers or the source reports.
/// Seeded once per instance: archiving it does not bring it back.
/// </summary>
public sealed class SampleProject(StoryweaveDb db, ProjectService projects, TimeProvider clock)
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

        Storyteller Teller(string name, string self) => new() { ProjectId = project.Id, Name = name, SelfDescription = self, CreatedAt = now };
        var ada = Teller("Ada Example", "A grandmother who loves tomatoes and talking to anyone who will listen.");
        var bram = Teller("Bram Sample", "I'm a tenant, a bit shy, and I look after the compost heaps.");
        var cleo = Teller("Cleo Placeholder", "Housing officer by day, amateur beekeeper on Saturdays.");
        var dev = Teller("Dev Fictional", "Recovering from a long illness; the garden got me out of the house.");
        db.Storytellers.AddRange(ada, bram, cleo, dev);
        await db.SaveChangesAsync(ct);

        AddStory(project.Id, "Tomatoes and trust", new DateOnly(2026, 4, 12), now, [ada],
        [
            (0, 9, "Reporter", "Can you tell me about a time working together on the garden made a difference to you?"),
            (9, 31, "Ada Example", "The first spring nobody asked us anything. The beds just appeared. Then the second year they sat down with us in the community room and asked what we wanted to grow."),
            (31, 50, "Ada Example", "I said tomatoes, proper ones. And they listened. That sounds small but it was the first time I felt like my opinion counted for something here."),
            (50, 58, "Reporter", "What changed after that?"),
            (58, 80, "Ada Example", "I started coming to the tenants' meetings. I'm not a meetings person. But if they'll listen about tomatoes, maybe they'll listen about the lifts."),
        ]);
        AddStory(project.Id, "The compost rota", new DateOnly(2026, 5, 3), now, [bram, dev],
        [
            (0, 7, "Reporter", "Can you tell me about a time working together on the garden made a difference to you?"),
            (7, 26, "Bram Sample", "We made the compost rota together. Dev drew it, I wrote the names. It sounds boring but it meant nobody was doing it all on their own."),
            (26, 47, "Dev Fictional", "For me it was a reason to get up on a Tuesday. I'd been ill for a long time. Having my name on the rota meant someone was expecting me."),
            (47, 61, "Bram Sample", "And when Dev couldn't come, people just covered. No fuss. That's what it's like when it's everyone's garden."),
        ]);
        AddStory(project.Id, "Bees on the roof", new DateOnly(2026, 6, 21), now, [cleo],
        [
            (0, 8, "Reporter", "Can you tell me about a time working together on the garden made a difference to you?"),
            (8, 30, "Cleo Placeholder", "Honestly, I came in thinking I was there to manage it. Budgets, risk forms. The tenants taught me more about running a project than any training did."),
            (30, 52, "Cleo Placeholder", "When we argued about the beehives it was hard. But we sorted it out at the table, with everyone there, and the decision stuck because it was ours."),
        ]);
        db.InstanceSettings.Add(new Data.InstanceSetting { Key = SeededKey, Value = project.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        db.Record(clock, project.Id, null, "sample.seeded", "project", project.Id);
        await db.SaveChangesAsync(ct);
        return true;
    }

    private void AddStory(int projectId, string title, DateOnly recordedOn, DateTime now, Storyteller[] tellers,
        (double Start, double End, string Speaker, string Text)[] cues)
    {
        var story = new Story { ProjectId = projectId, Title = title, RecordedOn = recordedOn, CreatedAt = now };
        foreach (var t in tellers) story.Storytellers.Add(new StoryStoryteller { StorytellerId = t.Id });
        for (var i = 0; i < cues.Length; i++)
        {
            var c = cues[i];
            story.Cues.Add(new TranscriptCue { Position = i, StartSeconds = c.Start, EndSeconds = c.End, Speaker = c.Speaker, Text = c.Text });
        }
        db.Stories.Add(story);
    }
}
