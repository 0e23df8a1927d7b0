using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;

namespace Storyweave.Features.Storytellers;

/// <summary>
/// Adds storytellers: through the public sign-up page, or by a team member on someone's behalf
/// (assisted entry). Both record the person's first consent decision as an append-only record.
/// </summary>
public sealed class StorytellerService(StoryweaveDb db, TimeProvider clock, Reports.ReportStaleness reportStaleness)
{
    public sealed record ConsentChoice(bool Recording, bool Analysis, bool Quotes, bool Clips, bool PublishStory, CreditStyle Credit, string? Pseudonym);

    public sealed record RegistrationInput(
        string? Name, string? Email, string? Phone, ContactPreference ContactPreference, string? ContactNotes,
        string? SelfDescription, string? AccessNeeds, IReadOnlyCollection<int> OptionIds, ConsentChoice Consent);

    public sealed record Registration(Storyteller Storyteller, bool MergedWithEarlierSignUp);

    public static List<string> Validate(RegistrationInput input) => ValidateFields(input).Select(e => e.Message).ToList();

    /// <summary>
    /// The form's problems, each with the id of the field to fix in <c>_StorytellerFields.cshtml</c>, so the error
    /// summary can link to it.
    /// </summary>
    public static List<(string Field, string Message)> ValidateFields(RegistrationInput input)
    {
        var errors = new List<(string, string)>();
        var email = input.Email?.Trim() ?? "";
        var phone = input.Phone?.Trim() ?? "";
        if (string.IsNullOrWhiteSpace(input.Name)) errors.Add(("name", "Tell us your name, or a name you would like us to use."));
        else if (input.Name.Trim().Length > 200) errors.Add(("name", "The name can be at most 200 characters."));
        if (email.Length > 0 && !AccountService.LooksLikeEmail(email)) errors.Add(("email", "Enter an email address like name@example.org, or leave it empty."));
        if (phone.Length > 40) errors.Add(("phone", "The phone number can be at most 40 characters."));
        switch (input.ContactPreference)
        {
            case ContactPreference.Email when email.Length == 0:
                errors.Add(("email", "You chose to be contacted by email: enter your email address."));
                break;
            case ContactPreference.Phone or ContactPreference.Text when phone.Length == 0:
                errors.Add(("phone", $"You chose to be contacted by {(input.ContactPreference == ContactPreference.Phone ? "phone" : "text message")}: enter your phone number."));
                break;
            case ContactPreference.ThroughSomeoneElse when string.IsNullOrWhiteSpace(input.ContactNotes):
                errors.Add(("contact-notes", "You chose to be contacted through someone else: tell us who, and how to reach them."));
                break;
        }
        if ((input.SelfDescription?.Length ?? 0) > 4000) errors.Add(("self", "The description of yourself can be at most 4,000 characters."));
        if ((input.AccessNeeds?.Length ?? 0) > 2000) errors.Add(("access", "The access needs can be at most 2,000 characters."));
        if ((input.ContactNotes?.Length ?? 0) > 1000) errors.Add(("contact-notes", "The contact details can be at most 1,000 characters."));
        if (input.Consent.Credit == CreditStyle.Pseudonym && string.IsNullOrWhiteSpace(input.Consent.Pseudonym))
            errors.Add(("pseudonym", "You chose a made-up name: write the name you would like us to use."));
        return errors;
    }

    /// <summary>
    /// Registers a person. A repeat sign-up with the same email address in the same project updates
    /// that person instead of adding them twice: contact details take the newest values, ticks are
    /// added to earlier ones, and a different self-description is kept beside the earlier words.
    /// </summary>
    public async Task<Result<Registration>> RegisterAsync(int projectId, RegistrationInput input, EntryMethod method, string? actorUserId,
        ConsentMethod consentMethod = ConsentMethod.OnlineForm, CancellationToken ct = default)
    {
        var errors = Validate(input);
        var validOptions = await db.CategoryOptions.Where(o => o.Question!.ProjectId == projectId).Select(o => o.Id).ToListAsync(ct);
        if (input.OptionIds.Any(id => !validOptions.Contains(id))) errors.Add("One of the ticked answers is not part of this form. Please reload the page and try again.");
        if (errors.Count > 0) return Result.Fail<Registration>(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        var email = string.IsNullOrWhiteSpace(input.Email) ? null : input.Email.Trim();
        var normalized = email?.ToUpperInvariant();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var person = normalized is null ? null
            : await db.Storytellers.Include(s => s.Answers).SingleOrDefaultAsync(s => s.ProjectId == projectId && s.NormalizedEmail == normalized, ct);
        var merged = person is not null;
        if (person is null)
        {
            person = new Storyteller
            {
                ProjectId = projectId,
                Name = input.Name!.Trim(),
                SelfDescription = input.SelfDescription?.Trim() ?? "",
                EntryMethod = method,
                EnteredByUserId = method == EntryMethod.AssistedEntry ? actorUserId : null,
                CreatedAt = now,
                LastSignedUpAt = now,
            };
            db.Storytellers.Add(person);
        }
        else
        {
            person.Name = input.Name!.Trim();
            var words = input.SelfDescription?.Trim() ?? "";
            if (words.Length > 0 && !person.SelfDescription.Contains(words, StringComparison.Ordinal))
                person.SelfDescription = person.SelfDescription.Length == 0 ? words : $"{person.SelfDescription}\n\n{words}";
            person.SignUpCount++;
            person.LastSignedUpAt = now;
        }
        person.Email = email ?? person.Email;
        person.NormalizedEmail = normalized ?? person.NormalizedEmail;
        person.Phone = string.IsNullOrWhiteSpace(input.Phone) ? person.Phone : input.Phone.Trim();
        person.ContactPreference = input.ContactPreference;
        person.ContactNotes = string.IsNullOrWhiteSpace(input.ContactNotes) ? person.ContactNotes : input.ContactNotes.Trim();
        person.AccessNeeds = string.IsNullOrWhiteSpace(input.AccessNeeds) ? person.AccessNeeds : input.AccessNeeds.Trim();
        foreach (var optionId in input.OptionIds.Distinct().Where(id => person.Answers.All(a => a.OptionId != id)))
            person.Answers.Add(new StorytellerAnswer { OptionId = optionId });
        await db.SaveChangesAsync(ct);

        var c = input.Consent;
        db.ConsentRecords.Add(new ConsentRecord
        {
            ProjectId = projectId,
            StorytellerId = person.Id,
            Recording = c.Recording,
            Analysis = c.Analysis,
            Quotes = c.Quotes,
            Clips = c.Clips,
            PublishStory = c.PublishStory,
            CreditInReports = c.Credit,
            CreditInClips = c.Credit,
            CreditOnPublicSite = c.Credit,
            Pseudonym = c.Pseudonym?.Trim() ?? "",
            Method = consentMethod,
            GivenAt = now,
            TakenByUserId = method == EntryMethod.AssistedEntry ? actorUserId : null,
            RecordedAt = now,
            RecordedByUserId = actorUserId,
            Note = method == EntryMethod.AssistedEntry ? "Entered by a team member on the person's behalf." : merged ? "From a repeat sign-up." : "",
        });
        db.Record(clock, projectId, actorUserId, merged ? "storyteller.signed-up-again" : method == EntryMethod.AssistedEntry ? "storyteller.added-assisted" : "storyteller.signed-up",
            "storyteller", person.Id);
        db.Record(clock, projectId, actorUserId, "consent.recorded", "storyteller", person.Id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        // A repeat sign-up records a new consent for someone who may already be in a report.
        if (merged) await reportStaleness.CheckAsync(projectId, ct);
        return Result.Ok(new Registration(person, merged));
    }

    public sealed record AnswersChange(int Added, int Removed);

    /// <summary>
    /// The team records which answer options a storyteller chose (for a story from an earlier project, answers given on
    /// paper or on the phone, or a correction they asked for). Replaces the set; their own words are never touched.
    /// Recorded in the event log (counts and ids only); reports that count answers are checked for staleness.
    /// </summary>
    public async Task<Result<AnswersChange>?> SetAnswersAsync(int projectId, int storytellerId, IReadOnlyCollection<int> optionIds, string actorUserId, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var person = await db.Storytellers.Include(s => s.Answers).SingleOrDefaultAsync(s => s.Id == storytellerId && s.ProjectId == projectId, ct);
        if (person is null) return null;
        if (person.WithdrawnAt is not null) return Result.Fail<AnswersChange>(["This storyteller has withdrawn entirely, so nothing more is recorded about them."]);
        var valid = await db.CategoryOptions.Where(o => o.Question!.ProjectId == projectId).Select(o => o.Id).ToListAsync(ct);
        if (optionIds.Any(id => !valid.Contains(id)))
            return Result.Fail<AnswersChange>(["One of the chosen answers is not part of this project's sign-up questions. Reload the page and choose again."]);
        var wanted = optionIds.ToHashSet();
        var removed = person.Answers.Where(a => !wanted.Contains(a.OptionId)).ToList();
        var added = wanted.Where(id => person.Answers.All(a => a.OptionId != id)).ToList();
        if (removed.Count == 0 && added.Count == 0) return Result.Ok(new AnswersChange(0, 0));
        db.StorytellerAnswers.RemoveRange(removed);
        db.StorytellerAnswers.AddRange(added.Select(id => new StorytellerAnswer { StorytellerId = storytellerId, OptionId = id }));
        db.Record(clock, projectId, actorUserId, "storyteller.answers-changed", "storyteller", storytellerId, $"added:{added.Count} removed:{removed.Count}");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await reportStaleness.CheckAsync(projectId, ct);
        return Result.Ok(new AnswersChange(added.Count, removed.Count));
    }
}
