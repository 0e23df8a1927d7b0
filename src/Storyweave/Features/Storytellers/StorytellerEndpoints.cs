using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Storytellers;

public static class StorytellerEndpoints
{
    public sealed record FacetDto(int Id, FacetKind Kind, string Value);
    public sealed record AnswersRequest(IReadOnlyList<int>? OptionIds);
    public sealed record ContactDto(string? Email, string? Phone, ContactPreference Preference, string Notes, string AccessNeeds);
    public sealed record StorytellerDto(int Id, string Name, string SelfDescription, IReadOnlyList<int> OptionIds, IReadOnlyList<FacetDto> Facets,
        EntryMethod EntryMethod, int SignUpCount, DateTime CreatedAt, ContactDto? Contact, ConsentDto? Consent);
    public sealed record ConsentDto(long Id, bool Recording, bool Analysis, bool Quotes, bool Clips, bool PublishStory,
        CreditStyle CreditInReports, CreditStyle CreditInClips, CreditStyle CreditOnPublicSite, string Pseudonym, DateOnly? EmbargoUntil,
        ConsentMethod Method, int? VerbalMediaId, double? VerbalAtSeconds, string PaperFormReference, DateTime GivenAt, string? TakenByUserId,
        DateTime RecordedAt, string? RecordedByUserId, string Note);
    public sealed record AssistedEntryRequest(string? Name, string? Email, string? Phone, ContactPreference ContactPreference, string? ContactNotes,
        string? SelfDescription, string? AccessNeeds, IReadOnlyList<int>? OptionIds, bool Recording, bool Analysis, bool Quotes, bool Clips, bool PublishStory,
        CreditStyle Credit, string? Pseudonym, ConsentMethod ConsentMethod);
    public sealed record ConsentRequest(bool Recording, bool Analysis, bool Quotes, bool Clips, bool PublishStory,
        CreditStyle CreditInReports, CreditStyle CreditInClips, CreditStyle CreditOnPublicSite, string? Pseudonym, DateOnly? EmbargoUntil,
        ConsentMethod Method, int? VerbalMediaId, double? VerbalAtSeconds, string? PaperFormReference, DateOnly? GivenOn, string? Note);
    public sealed record FacetRequest(FacetKind Kind, string? Value, bool AddToProjectList);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/storytellers").WithTags("Storytellers");

        group.MapGet("", async (int projectId, StoryweaveDb db, ProjectAccessService access, ConsentPolicy consent, CancellationToken ct) =>
        {
            var people = await Load(db).Where(s => s.ProjectId == projectId).OrderBy(s => s.Id).ToListAsync(ct);
            var current = await consent.CurrentAsync(people.Select(p => p.Id).ToList(), ct);
            var showContact = await ShowContactAsync(access, projectId, ct);
            return Results.Ok(people.Select(p => ToDto(p, current.GetValueOrDefault(p.Id), showContact)));
        }).RequireAuthorization(Policies.ViewProject);

        group.MapGet("/{storytellerId:int}", async (int projectId, int storytellerId, StoryweaveDb db, ProjectAccessService access, ConsentPolicy consent, CancellationToken ct) =>
        {
            var person = await Load(db).SingleOrDefaultAsync(s => s.Id == storytellerId && s.ProjectId == projectId, ct);
            if (person is null) return Results.NotFound();
            var current = await consent.CurrentAsync([storytellerId], ct);
            return Results.Ok(ToDto(person, current.GetValueOrDefault(storytellerId), await ShowContactAsync(access, projectId, ct)));
        }).RequireAuthorization(Policies.ViewProject);

        group.MapPost("", async (int projectId, AssistedEntryRequest r, StorytellerService service, CurrentUser current, CancellationToken ct) =>
        {
            if (r.ConsentMethod == ConsentMethod.OnlineForm)
                return ProjectEndpoints.Problem(["For assisted entry, consent is given out loud (RecordedVerbally) or on paper (PaperForm)."], StatusCodes.Status422UnprocessableEntity);
            var result = await service.RegisterAsync(projectId, new StorytellerService.RegistrationInput(r.Name, r.Email, r.Phone, r.ContactPreference, r.ContactNotes,
                r.SelfDescription, r.AccessNeeds, r.OptionIds ?? [], new StorytellerService.ConsentChoice(r.Recording, r.Analysis, r.Quotes, r.Clips, r.PublishStory, r.Credit, r.Pseudonym)),
                EntryMethod.AssistedEntry, current.RequiredId, r.ConsentMethod, ct);
            if (!result.Succeeded) return ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            return Results.Created($"/api/projects/{projectId}/storytellers/{result.Value!.Storyteller.Id}",
                new { id = result.Value.Storyteller.Id, mergedWithEarlierSignUp = result.Value.MergedWithEarlierSignUp });
        }).RequireAuthorization(Policies.GatherStories);

        group.MapGet("/{storytellerId:int}/consent", async (int projectId, int storytellerId, StoryweaveDb db, ConsentService consent, CancellationToken ct) =>
        {
            if (!await db.Storytellers.AnyAsync(s => s.Id == storytellerId && s.ProjectId == projectId, ct)) return Results.NotFound();
            return Results.Ok((await consent.HistoryAsync(storytellerId, ct)).Select(ToDto));
        }).RequireAuthorization(Policies.ViewProject);

        group.MapPost("/{storytellerId:int}/consent", async (int projectId, int storytellerId, ConsentRequest r, ConsentService consent, CurrentUser current, CancellationToken ct) =>
        {
            var result = await consent.RecordAsync(projectId, storytellerId, new ConsentService.ConsentInput(r.Recording, r.Analysis, r.Quotes, r.Clips, r.PublishStory,
                r.CreditInReports, r.CreditInClips, r.CreditOnPublicSite, r.Pseudonym, r.EmbargoUntil, r.Method, r.VerbalMediaId, r.VerbalAtSeconds,
                r.PaperFormReference, r.GivenOn, r.Note), current.RequiredId, ct);
            return result.Succeeded
                ? Results.Created($"/api/projects/{projectId}/storytellers/{storytellerId}/consent", ToDto(result.Value!))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.GatherStories);

        group.MapPut("/{storytellerId:int}/answers", async (int projectId, int storytellerId, AnswersRequest r, StorytellerService service, CurrentUser current, CancellationToken ct) =>
        {
            if (r.OptionIds is null) return ProjectEndpoints.Problem(["Give the chosen answer options as optionIds (an empty list when none was chosen)."]);
            var result = await service.SetAnswersAsync(projectId, storytellerId, r.OptionIds, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(result.Value) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.GatherStories);

        group.MapPost("/{storytellerId:int}/facets", async (int projectId, int storytellerId, FacetRequest r, FacetService facets, CurrentUser current, CancellationToken ct) =>
        {
            var result = await facets.AddAsync(projectId, storytellerId, r.Kind, r.Value, r.AddToProjectList, current.RequiredId, ct);
            return result.Succeeded
                ? Results.Created($"/api/projects/{projectId}/storytellers/{storytellerId}", new FacetDto(result.Value!.Id, result.Value.Kind, result.Value.Value))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.Code, Policies.SeePersonalDetails);

        group.MapDelete("/{storytellerId:int}/facets/{facetId:int}", async (int projectId, int storytellerId, int facetId, FacetService facets, CurrentUser current, CancellationToken ct) =>
            await facets.RemoveAsync(projectId, storytellerId, facetId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.Code, Policies.SeePersonalDetails);
    }

    private static IQueryable<Storyteller> Load(StoryweaveDb db) =>
        db.Storytellers.AsNoTracking().Include(s => s.Answers).Include(s => s.Facets).AsSplitQuery();

    private static async Task<bool> ShowContactAsync(ProjectAccessService access, int projectId, CancellationToken ct)
    {
        var a = await access.ForProjectAsync(projectId, ct);
        return a.CanSeePersonalDetails;
    }

    /// <summary><paramref name="showContact"/>: personal details (contact, access needs, facets) may be shown.</summary>
    public static StorytellerDto ToDto(Storyteller s, ConsentRecord? consent, bool showContact) => new(s.Id, s.Name, s.SelfDescription,
        s.Answers.Select(a => a.OptionId).Order().ToList(), showContact ? s.Facets.Select(f => new FacetDto(f.Id, f.Kind, f.Value)).ToList() : [],
        s.EntryMethod, s.SignUpCount, s.CreatedAt,
        showContact ? new ContactDto(s.Email, s.Phone, s.ContactPreference, s.ContactNotes, s.AccessNeeds) : null,
        consent is null ? null : ToDto(consent));

    public static ConsentDto ToDto(ConsentRecord c) => new(c.Id, c.Recording, c.Analysis, c.Quotes, c.Clips, c.PublishStory, c.CreditInReports, c.CreditInClips,
        c.CreditOnPublicSite, c.Pseudonym, c.EmbargoUntil, c.Method, c.VerbalMediaId, c.VerbalAtSeconds, c.PaperFormReference, c.GivenAt, c.TakenByUserId,
        c.RecordedAt, c.RecordedByUserId, c.Note);
}
