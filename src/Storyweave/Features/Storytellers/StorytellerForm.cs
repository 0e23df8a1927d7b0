using Storyweave.Features.Consent;

namespace Storyweave.Features.Storytellers;

/// <summary>The person's details and first consent, shared by the public sign-up page and assisted entry.</summary>
public sealed class StorytellerForm
{
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public ContactPreference ContactPreference { get; set; }
    public string? ContactNotes { get; set; }
    public string? SelfDescription { get; set; }
    public string? AccessNeeds { get; set; }
    public List<int> Options { get; set; } = [];
    public bool Recording { get; set; }
    public bool Analysis { get; set; }
    public bool Quotes { get; set; }
    public bool Clips { get; set; }
    public bool PublishStory { get; set; }
    public CreditStyle Credit { get; set; } = CreditStyle.FirstNameOnly;
    public string? Pseudonym { get; set; }

    public StorytellerService.RegistrationInput ToInput() => new(Name, Email, Phone, ContactPreference, ContactNotes, SelfDescription, AccessNeeds, Options,
        new StorytellerService.ConsentChoice(Recording, Analysis, Quotes, Clips, PublishStory, Credit, Pseudonym));
}

/// <summary>What the shared form partial needs: the form values, the questions, and who is filling it in.</summary>
public sealed record StorytellerFormView(StorytellerForm Form, CallOut.CallOut CallOut, bool IsAssisted);
