using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Withdrawal;
using Storyweave.Testing;

namespace Storyweave.Tests.Withdrawal;

/// <summary>
/// Issue #15 point 7: every table that holds data about a storyteller or a story declares, beside its entity, how it is
/// withdrawn, exported to the storyteller and reached by a consent change (<see cref="PersonalDataAttribute"/>).
/// A table added later without a declaration fails here, naming it.
/// </summary>
public sealed class PersonalDataDeclarationTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Every_entity_linked_to_a_storyteller_or_a_story_declares_how_it_is_withdrawn()
    {
        var linked = await fixture.App.WithDbAsync(db => Task.FromResult(PersonalDataSweep.LinkedEntities(db.Model).ToList()));
        // The two people-and-story tables themselves and the obvious links are found (the search can fail).
        foreach (var expected in new[] { typeof(Storyteller), typeof(Story), typeof(StorytellerAnswer), typeof(TranscriptCue), typeof(StoryStoryteller) })
            Assert.Contains(linked, e => e.ClrType == expected);

        var missing = linked.Where(e => e.ClrType.GetCustomAttributes(typeof(PersonalDataAttribute), false).Length == 0)
            .Select(e => $"{e.ClrType.FullName} (table {e.GetTableName()})").ToList();
        Assert.True(missing.Count == 0, "These entities hold data about a storyteller or a story but do not say how it is withdrawn, "
            + "exported to the storyteller and reached by a consent change: add [PersonalData(...)] beside each.\n" + string.Join("\n", missing));

        var keptWithoutWhy = linked.Select(e => (e, a: (PersonalDataAttribute?)e.ClrType.GetCustomAttributes(typeof(PersonalDataAttribute), false).SingleOrDefault()))
            .Where(x => x.a is { Withdrawal: OnWithdrawal.Kept, Why: null or "" }).Select(x => x.e.ClrType.Name).ToList();
        Assert.True(keptWithoutWhy.Count == 0, "Kept on withdrawal without saying why: " + string.Join(", ", keptWithoutWhy));
    }

    /// <summary>
    /// The sweep on its own: rows about a person in tables the withdrawal service lists (answers, facets, links) and in
    /// tables it does not (a draft job of their story, a search entry), deleted by declaration; someone else's stay.
    /// </summary>
    [Fact]
    public async Task The_closing_sweep_deletes_every_declared_row_about_the_person_and_nobody_elses()
    {
        var app = fixture.App;
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var (soloId, tellers) = await app.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Going Person")],
            [new TranscriptService.CueInput(0, 2, "Going Person", "Words that go.")]);
        var (otherStoryId, otherTellers) = await app.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Staying Person")],
            [new TranscriptService.CueInput(0, 2, "Staying Person", "Words that stay.")]);
        await app.ReindexStoryAsync(projectId, soloId);
        await app.ReindexStoryAsync(projectId, otherStoryId);
        var (person, other) = (tellers[0], otherTellers[0]);
        await app.WithDbAsync(async db =>
        {
            foreach (var (teller, story) in new[] { (person, soloId), (other, otherStoryId) })
            {
                db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = teller, Kind = FacetKind.Carer, Value = "yes", AddedAt = DateTime.UtcNow });
                db.DraftJobs.Add(new Features.Transcription.DraftJob { ProjectId = projectId, StoryId = story, Engine = "pocketsphinx" });
            }
            return await db.SaveChangesAsync();
        });
        Assert.NotEmpty(await RowsLeftAsync(app, person, [soloId]));

        var swept = await app.WithDbAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var found = await PersonalDataSweep.SweepAsync(db, person, [soloId], default);
            await tx.CommitAsync();
            return found;
        });

        Assert.Contains("DraftJobs", swept.Keys);
        Assert.Contains("StorytellerFacets", swept.Keys);
        Assert.Contains("TranscriptCues", swept.Keys);
        Assert.Contains("Stories", swept.Keys);
        Assert.Empty(await RowsLeftAsync(app, person, [soloId]));
        Assert.NotEmpty(await RowsLeftAsync(app, other, [otherStoryId]));
        Assert.True(await app.WithDbAsync(db => db.Storytellers.AnyAsync(s => s.Id == person)), "The person stays as a husk (Anonymised), not deleted by the sweep.");
    }

    /// <summary>Rows still linked to the person, or to the given stories, in every table whose declaration says they go: "Table: n".</summary>
    public static async Task<List<string>> RowsLeftAsync(TestApp app, int storytellerId, int[] storyIds) =>
        await app.WithDbAsync(async db =>
        {
            var left = new List<string>();
            foreach (var entity in PersonalDataSweep.LinkedEntities(db.Model))
            {
                if (PersonalDataSweep.Declaration(entity) is null or { Withdrawal: OnWithdrawal.Kept or OnWithdrawal.Anonymised }) continue;
                var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
                foreach (var link in PersonalDataSweep.Links(entity))
                {
                    var ids = link.IsStoryteller ? [storytellerId] : storyIds;
                    var sql = $"SELECT COUNT(*) AS \"Value\" FROM \"{table.Name}\" WHERE \"{link.Column.GetColumnName(table)}\" IN ({string.Join(", ", ids)})";
                    var count = await db.Database.SqlQueryRaw<int>(sql).SingleAsync();
                    if (count > 0) left.Add($"{table.Name}.{link.Column.GetColumnName(table)}: {count}");
                }
            }
            return left;
        });
}
