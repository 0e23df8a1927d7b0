using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.CallOut;

[Authorize(Policy = Policies.ManageProject)]
public sealed class EditCallOutModel(StoryweaveDb db, ProjectAccessService access, CallOutService callOuts, CurrentUser current, TimeProvider clock)
    : ProjectPageModel(db, access)
{
    public sealed class QuestionForm
    {
        public int? Id { get; set; }
        public string? Text { get; set; }
        public string? HelpText { get; set; }
        public string? OptionsText { get; set; }
        public bool Remove { get; set; }
    }

    public sealed class CallOutForm
    {
        public bool IsPublished { get; set; }
        public DateOnly? OpensOn { get; set; }
        public DateOnly? ClosesOn { get; set; }
        public string? Introduction { get; set; }
        public string? WhatTakingPartInvolves { get; set; }
        public string? ThanksOffered { get; set; }
        public string? SelfDescriptionQuestion { get; set; }
        public string? ConsentFormText { get; set; }

        /// <summary>As typed, so "twenty" is answered with a message rather than lost.</summary>
        public string? SignUpsPerHour { get; set; }

        public List<QuestionForm> Questions { get; set; } = [];
    }

    [BindProperty] public CallOutForm Form { get; set; } = new();
    public List<string> Errors { get; } = [];
    [TempData] public string? Message { get; set; }
    public bool IsOpenToday { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostSaveAsync()
    {
        if (!ModelState.IsValid)
        {
            Errors.Add("Check the dates: give the day, month and year.");
            return Page();
        }
        var questions = Form.Questions
            .Where(q => !q.Remove && !(q.Id is null && string.IsNullOrWhiteSpace(q.Text) && string.IsNullOrWhiteSpace(q.OptionsText)))
            .Select(q => new CallOutService.QuestionInput(q.Id, q.Text ?? "", q.HelpText, SplitLines(q.OptionsText)))
            .ToList();
        int? limit = null;
        if (!string.IsNullOrWhiteSpace(Form.SignUpsPerHour))
        {
            if (!int.TryParse(Form.SignUpsPerHour.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                Errors.Add($"Write the sign-ups per hour as a whole number from 1 to {CallOutService.MaxSignUpsPerHour}, or leave it empty for no limit of the project's own.");
                return Page();
            }
            limit = n;
        }
        var result = await callOuts.SaveAsync(ProjectId, new CallOutService.CallOutInput(Form.IsPublished, Form.OpensOn, Form.ClosesOn, Form.Introduction,
            Form.WhatTakingPartInvolves, Form.ThanksOffered, Form.SelfDescriptionQuestion, Form.ConsentFormText, questions, limit), current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            IsOpenToday = false;
            return Page();
        }
        Message = "The call-out has been saved.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostTemplateAsync()
    {
        var existing = await callOuts.GetAsync(ProjectId);
        var input = ToInput(existing, existing.Questions.Select(q => new CallOutService.QuestionInput(q.Id, q.Text, q.HelpText, q.Options.Select(o => o.Label).ToList()))
            .Concat(CallOutService.ValueOfCoProductionQuestions).ToList());
        var result = await callOuts.SaveAsync(ProjectId, input with { IsPublished = false }, current.RequiredId);
        Message = result.Succeeded ? "Added the two questions from the 2022 Value of Co-production project. Change them as you like." : string.Join(" ", result.Errors);
        return RedirectToPage();
    }

    private static CallOutService.CallOutInput ToInput(CallOut c, List<CallOutService.QuestionInput> questions) =>
        new(c.IsPublished, c.OpensOn, c.ClosesOn, c.Introduction, c.WhatTakingPartInvolves, c.ThanksOffered, c.SelfDescriptionQuestion, c.ConsentFormText, questions, c.SignUpsPerHour);

    private static List<string> SplitLines(string? text) =>
        (text ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    private async Task LoadAsync()
    {
        var c = await callOuts.GetAsync(ProjectId);
        IsOpenToday = c.IsOpenOn(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        Form = new CallOutForm
        {
            IsPublished = c.IsPublished,
            OpensOn = c.OpensOn,
            ClosesOn = c.ClosesOn,
            Introduction = c.Introduction,
            WhatTakingPartInvolves = c.WhatTakingPartInvolves,
            ThanksOffered = c.ThanksOffered,
            SelfDescriptionQuestion = c.SelfDescriptionQuestion,
            ConsentFormText = c.ConsentFormText,
            SignUpsPerHour = c.SignUpsPerHour?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Questions = c.Questions.Select(q => new QuestionForm { Id = q.Id, Text = q.Text, HelpText = q.HelpText, OptionsText = string.Join("\n", q.Options.Select(o => o.Label)) }).ToList(),
        };
    }
}
