using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Events;

namespace Storyweave.Features.CallOut;

/// <summary>Reads and saves a project's call-out and its category questions.</summary>
public sealed class CallOutService(StoryweaveDb db, TimeProvider clock)
{
    public sealed record QuestionInput(int? Id, string Text, string? HelpText, IReadOnlyList<string> Options);

    public sealed record CallOutInput(bool IsPublished, DateOnly? OpensOn, DateOnly? ClosesOn, string? Introduction, string? WhatTakingPartInvolves,
        string? ThanksOffered, string? SelfDescriptionQuestion, string? ConsentFormText, IReadOnlyList<QuestionInput> Questions, int? SignUpsPerHour = null);

    /// <summary>The most a lead may set: above this a per-call-out limit would not protect anything.</summary>
    public const int MaxSignUpsPerHour = 10_000;

    /// <summary>The 2022 "Value of Co-Production" project's two questions, as a starting point.</summary>
    public static readonly IReadOnlyList<QuestionInput> ValueOfCoProductionQuestions =
    [
        new(null, "Is your experience of co-production about…", "Tick all that apply.", ["Research", "Policy", "Services"]),
        new(null, "Are you…", "Tick all that apply.", ["A person with lived experience", "A facilitator of co-production", "Involved as part of my job"]),
    ];

    /// <summary>The call-out with questions and options in order; a new, unpublished one if none was saved yet.</summary>
    public async Task<CallOut> GetAsync(int projectId, CancellationToken ct = default)
    {
        var callOut = await db.CallOuts.AsNoTracking().Include(c => c.Questions).ThenInclude(q => q.Options)
            .AsSplitQuery().SingleOrDefaultAsync(c => c.ProjectId == projectId, ct);
        callOut ??= new CallOut { ProjectId = projectId };
        callOut.Questions = callOut.Questions.OrderBy(q => q.Position).ToList();
        foreach (var q in callOut.Questions) q.Options = q.Options.OrderBy(o => o.Position).ToList();
        return callOut;
    }

    public static List<string> Validate(CallOutInput input)
    {
        var errors = new List<string>();
        if (input.OpensOn is { } o && input.ClosesOn is { } c && c < o) errors.Add("The closing date must be on or after the opening date.");
        if (string.IsNullOrWhiteSpace(input.SelfDescriptionQuestion)) errors.Add("Write the open question people answer about themselves, for example \"Describe yourself in any way you choose.\"");
        if (input.SignUpsPerHour is { } limit && (limit < 1 || limit > MaxSignUpsPerHour))
            errors.Add($"Sign-ups per hour must be a whole number from 1 to {MaxSignUpsPerHour}, or left empty for no limit of the project's own.");
        if (input.IsPublished && string.IsNullOrWhiteSpace(input.ConsentFormText)) errors.Add("Add the consent form text before opening the sign-up page: people need to know what they agree to.");
        for (var i = 0; i < input.Questions.Count; i++)
        {
            var q = input.Questions[i];
            var n = i + 1;
            if (string.IsNullOrWhiteSpace(q.Text)) errors.Add($"Question {n} has no wording.");
            var options = q.Options.Select(x => x.Trim()).Where(x => x.Length > 0).ToList();
            if (options.Count < 2) errors.Add($"Question {n} needs at least two answers to choose from.");
            if (options.Count != options.Distinct(StringComparer.OrdinalIgnoreCase).Count()) errors.Add($"Question {n} has the same answer twice.");
            if (options.Any(x => x.Length > 300)) errors.Add($"An answer in question {n} is longer than 300 characters.");
        }
        return errors;
    }

    /// <summary>
    /// Saves the call-out. Questions and answers are matched by id / by wording, so people's ticks
    /// stay attached; an answer or question that someone has already ticked cannot be removed.
    /// </summary>
    public async Task<Result<CallOut>> SaveAsync(int projectId, CallOutInput input, string actorUserId, CancellationToken ct = default)
    {
        var errors = Validate(input);
        if (errors.Count > 0) return Result.Fail<CallOut>(errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var callOut = await db.CallOuts.Include(c => c.Questions).ThenInclude(q => q.Options).AsSplitQuery().SingleOrDefaultAsync(c => c.ProjectId == projectId, ct);
        if (callOut is null)
        {
            callOut = new CallOut { ProjectId = projectId };
            db.CallOuts.Add(callOut);
        }
        callOut.IsPublished = input.IsPublished;
        callOut.OpensOn = input.OpensOn;
        callOut.ClosesOn = input.ClosesOn;
        callOut.Introduction = input.Introduction?.Trim() ?? "";
        callOut.WhatTakingPartInvolves = input.WhatTakingPartInvolves?.Trim() ?? "";
        callOut.ThanksOffered = input.ThanksOffered?.Trim() ?? "";
        callOut.SelfDescriptionQuestion = input.SelfDescriptionQuestion!.Trim();
        callOut.ConsentFormText = input.ConsentFormText?.Trim() ?? "";
        callOut.SignUpsPerHour = input.SignUpsPerHour;
        callOut.UpdatedAt = clock.GetUtcNow().UtcDateTime;

        var answered = (await db.StorytellerAnswers.Where(a => a.Option!.Question!.ProjectId == projectId)
            .Select(a => a.OptionId).Distinct().ToListAsync(ct)).ToHashSet();

        var kept = new HashSet<CategoryQuestion>();
        for (var i = 0; i < input.Questions.Count; i++)
        {
            var q = input.Questions[i];
            var question = q.Id is { } id ? callOut.Questions.SingleOrDefault(x => x.Id == id) : null;
            if (question is null)
            {
                question = new CategoryQuestion { ProjectId = projectId, Text = "" };
                callOut.Questions.Add(question);
            }
            kept.Add(question);
            question.Position = i;
            question.Text = q.Text.Trim();
            question.HelpText = q.HelpText?.Trim() ?? "";
            var labels = q.Options.Select(x => x.Trim()).Where(x => x.Length > 0).ToList();
            foreach (var option in question.Options.ToList())
            {
                if (labels.Contains(option.Label, StringComparer.OrdinalIgnoreCase)) continue;
                if (answered.Contains(option.Id))
                    return Result.Fail<CallOut>([$"\"{option.Label}\" has already been ticked by people who signed up, so it cannot be removed or reworded."]);
                question.Options.Remove(option);
                db.CategoryOptions.Remove(option);
            }
            for (var p = 0; p < labels.Count; p++)
            {
                var option = question.Options.FirstOrDefault(o => string.Equals(o.Label, labels[p], StringComparison.OrdinalIgnoreCase));
                if (option is null) question.Options.Add(option = new CategoryOption { Label = labels[p] });
                option.Label = labels[p];
                option.Position = p;
            }
        }
        foreach (var question in callOut.Questions.Where(q => !kept.Contains(q)).ToList())
        {
            if (question.Options.Any(o => answered.Contains(o.Id)))
                return Result.Fail<CallOut>([$"The question \"{question.Text}\" has answers from people who signed up, so it cannot be removed."]);
            callOut.Questions.Remove(question);
            db.CategoryQuestions.Remove(question);
        }
        db.Record(clock, projectId, actorUserId, "callout.saved", "project", projectId, input.IsPublished ? "published" : "not-published");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result.Ok(await GetAsync(projectId, ct));
    }
}
