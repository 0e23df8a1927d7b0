namespace Storyweave.Features.Stories;

/// <summary>Finding stories by words in the title or a storyteller's name: the stories list and the review sheets list.</summary>
public static class StoryFind
{
    /// <summary>
    /// The stories whose title or any storyteller's name holds <paramref name="words"/>, ignoring case (the database's
    /// lower(): on SQLite, of ASCII letters only); run by the database (lower(), instr/strpos), never by .NET, so no culture applies.
    /// </summary>
    public static IQueryable<Story> Holding(this IQueryable<Story> stories, string words)
    {
        var lower = words.ToLowerInvariant();
#pragma warning disable CA1304, CA1311, CA1862
        return stories.Where(s => s.Title.ToLower().Contains(lower) || s.Storytellers.Any(x => x.Storyteller!.Name.ToLower().Contains(lower)));
#pragma warning restore CA1304, CA1311, CA1862
    }
}
