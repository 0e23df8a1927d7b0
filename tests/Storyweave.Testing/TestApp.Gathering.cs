using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.CallOut;
using Storyweave.Features.Consent;
using Storyweave.Features.Storytellers;

namespace Storyweave.Testing;

/// <summary>Intent methods for the gathering stage: call-outs and storytellers with consent.</summary>
public sealed partial class TestApp
{
    /// <summary>Publishes a call-out with the 2022 project's two questions; returns it with option ids.</summary>
    public async Task<CallOut> PublishCallOutAsync(int projectId, TestUser lead, DateOnly? opensOn = null, DateOnly? closesOn = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<CallOutService>().SaveAsync(projectId, new CallOutService.CallOutInput(
            true, opensOn, closesOn, "We want to hear your story.", "A 30 minute chat.", "A £20 voucher.", CallOut.DefaultSelfDescriptionQuestion,
            "You choose how your story is used.", CallOutService.ValueOfCoProductionQuestions), lead.Id);
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors));
        return result.Value!;
    }

    /// <summary>Adds a storyteller (assisted entry) with the given consent; returns their id.</summary>
    public async Task<int> CreateStorytellerAsync(int projectId, TestUser by, string name = "Sam Teller", bool recording = true, bool analysis = true,
        bool quotes = false, bool clips = false, bool publish = false, CreditStyle credit = CreditStyle.FirstNameOnly, IReadOnlyCollection<int>? optionIds = null,
        string? email = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<StorytellerService>().RegisterAsync(projectId,
            new StorytellerService.RegistrationInput(name, email, null, email is null ? ContactPreference.ThroughSomeoneElse : ContactPreference.Email,
                email is null ? "Via their support worker" : null, $"Words of {name}", null, optionIds ?? [],
                new StorytellerService.ConsentChoice(recording, analysis, quotes, clips, publish, credit, credit == CreditStyle.Pseudonym ? "Pat Pseudo" : null)),
            EntryMethod.AssistedEntry, by.Id, ConsentMethod.RecordedVerbally);
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors));
        return result.Value!.Storyteller.Id;
    }
}
