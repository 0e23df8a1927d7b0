namespace Storyweave.Features.Shared;

/// <summary>
/// What the error summary partial (<c>_Errors.cshtml</c>) tells the layouts: a page showing errors gets a title
/// starting with "Error:" (read first by a screen reader when the page loads, script or not).
/// </summary>
public static class ErrorSummary
{
    public const string HasErrorsKey = "Storyweave.HasErrors";

    public static string Title(HttpContext context, string title) =>
        context.Items.ContainsKey(HasErrorsKey) ? $"Error: {title}" : title;
}
