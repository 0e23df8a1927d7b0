using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.CallOut;

public static class CallOutEndpoints
{
    public sealed record OptionDto(int Id, string Label);
    public sealed record QuestionDto(int Id, string Text, string HelpText, IReadOnlyList<OptionDto> Options);
    public sealed record CallOutDto(bool IsPublished, bool IsOpenToday, string SignUpUrl, DateOnly? OpensOn, DateOnly? ClosesOn, string Introduction,
        string WhatTakingPartInvolves, string ThanksOffered, string SelfDescriptionQuestion, string ConsentFormText, IReadOnlyList<QuestionDto> Questions,
        int? SignUpsPerHour);
    public sealed record QuestionRequest(int? Id, string? Text, string? HelpText, IReadOnlyList<string>? Options);
    public sealed record CallOutRequest(bool IsPublished, DateOnly? OpensOn, DateOnly? ClosesOn, string? Introduction, string? WhatTakingPartInvolves,
        string? ThanksOffered, string? SelfDescriptionQuestion, string? ConsentFormText, IReadOnlyList<QuestionRequest>? Questions, int? SignUpsPerHour = null);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/call-out").WithTags("Call-out");

        group.MapGet("", async (int projectId, CallOutService service, Data.StoryweaveDb db, TimeProvider clock, CancellationToken ct) =>
            Results.Ok(ToDto(await service.GetAsync(projectId, ct), await SlugAsync(db, projectId, ct), clock)))
            .RequireAuthorization(Policies.ViewProject);

        group.MapPut("", async (int projectId, CallOutRequest request, CallOutService service, CurrentUser current, Data.StoryweaveDb db, TimeProvider clock, CancellationToken ct) =>
        {
            var input = new CallOutService.CallOutInput(request.IsPublished, request.OpensOn, request.ClosesOn, request.Introduction, request.WhatTakingPartInvolves,
                request.ThanksOffered, request.SelfDescriptionQuestion ?? CallOut.DefaultSelfDescriptionQuestion, request.ConsentFormText,
                (request.Questions ?? []).Select(q => new CallOutService.QuestionInput(q.Id, q.Text ?? "", q.HelpText, q.Options ?? [])).ToList(), request.SignUpsPerHour);
            var result = await service.SaveAsync(projectId, input, current.RequiredId, ct);
            return result.Succeeded
                ? Results.Ok(ToDto(result.Value!, await SlugAsync(db, projectId, ct), clock))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject);
    }

    private static async Task<string> SlugAsync(Data.StoryweaveDb db, int projectId, CancellationToken ct) =>
        await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Projects.Where(p => p.Id == projectId).Select(p => p.Slug), ct);

    public static CallOutDto ToDto(CallOut c, string slug, TimeProvider clock) => new(c.IsPublished, c.IsOpenOn(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)),
        $"/join/{slug}", c.OpensOn, c.ClosesOn, c.Introduction, c.WhatTakingPartInvolves, c.ThanksOffered, c.SelfDescriptionQuestion, c.ConsentFormText,
        c.Questions.Select(q => new QuestionDto(q.Id, q.Text, q.HelpText, q.Options.Select(o => new OptionDto(o.Id, o.Label)).ToList())).ToList(), c.SignUpsPerHour);
}
