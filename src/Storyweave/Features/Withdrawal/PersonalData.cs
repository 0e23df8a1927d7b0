namespace Storyweave.Features.Withdrawal;

/// <summary>
/// How a table that holds data about a storyteller or a story is withdrawn, whether it is in the storyteller's own
/// download, and how a change of consent reaches it (issue #15 point 7). Every entity with a link to
/// <see cref="Storytellers.Storyteller"/> or <see cref="Stories.Story"/> (a foreign key, or a <c>StorytellerId</c> /
/// <c>StoryId</c> column) carries one, declared beside the entity in its own feature folder;
/// <c>PersonalDataDeclarationTests</c> fails for an entity that has none, so a table added later cannot be forgotten.
/// <para>The declaration is not only words: <see cref="WithdrawalService"/> ends every full withdrawal with a sweep
/// (<see cref="PersonalDataSweep"/>) that deletes, in the same transaction, every row of a table declared
/// <see cref="OnWithdrawal.Deleted"/> that still points at the person or at a story they told alone.</para>
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PersonalDataAttribute(OnWithdrawal withdrawal, InTheirDownload download, OnConsentChange consentChange) : Attribute
{
    public OnWithdrawal Withdrawal { get; } = withdrawal;

    public InTheirDownload Download { get; } = download;

    public OnConsentChange ConsentChange { get; } = consentChange;

    /// <summary>Why, in a sentence, where the choice is not obvious (required for <see cref="OnWithdrawal.Kept"/>).</summary>
    public string? Why { get; init; }
}

public enum OnWithdrawal
{
    /// <summary>Rows about the person, or about a story they told alone, are deleted (the sweep makes sure).</summary>
    Deleted,

    /// <summary>Kept for a group story others told too, with the person's part taken out (turns removed, spans re-anchored).</summary>
    TheirPartRemoved,

    /// <summary>The team's own writing that may name the person: held out of every use until a lead reviews it.</summary>
    HeldForReview,

    /// <summary>Kept without anything that identifies the person (the withdrawn storyteller's husk, events without content).</summary>
    Anonymised,

    /// <summary>Kept as it is: holds nothing of the person's words or identity (say why).</summary>
    Kept,
}

public enum InTheirDownload
{
    /// <summary>In the storyteller's own download (their words, answers, consent history, recordings).</summary>
    Included,

    /// <summary>Not theirs to download: the team's analysis or the app's bookkeeping (say why where it is not obvious).</summary>
    NotIncluded,
}

public enum OnConsentChange
{
    /// <summary>Every output asks <c>ConsentPolicy</c> when it is made, so a change applies to the next one.</summary>
    CheckedAtEveryUse,

    /// <summary>Files made earlier are marked out of date and blocked (<c>ReportStaleness</c>, clip files).</summary>
    MadeFilesGoOutOfDate,

    /// <summary>Never leaves the project as an output (bookkeeping, the consent record itself).</summary>
    NotAnOutput,
}
