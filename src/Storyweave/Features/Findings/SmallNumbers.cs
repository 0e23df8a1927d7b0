using System.Globalization;

namespace Storyweave.Features.Findings;

/// <summary>
/// A count of people (or of stories and sessions, which stand for people) after the small-numbers
/// guard. When the guard hides it, <see cref="Value"/> and <see cref="Percent"/> are null, so no
/// output (page, API, chart, report) can show the real number by mistake: show <see cref="Display"/>.
/// </summary>
/// <param name="Value">The count, or null when hidden.</param>
/// <param name="Percent">Whole-number percentage of the stated denominator, or null when hidden or when there is no denominator.</param>
/// <param name="Suppressed">True when the count is above 0 and below the project's threshold.</param>
/// <param name="Display">"64" or "fewer than 5".</param>
/// <param name="PercentDisplay">"64%", or "" when hidden or not applicable.</param>
public sealed record GuardedCount(int? Value, int? Percent, bool Suppressed, string Display, string PercentDisplay)
{
    /// <summary>"64 (64%)", "64", or "fewer than 5": the one text to show in a table cell or a sentence.</summary>
    public string Text => PercentDisplay.Length > 0 ? $"{Display} ({PercentDisplay})" : Display;
}

/// <summary>
/// The small-numbers guard of one project (<see cref="Projects.Project.SmallNumberThreshold"/>): every
/// count above 0 and below the threshold becomes "fewer than N" and loses its percentage. 0 turns it
/// off. This is the only place findings numbers are formatted, so every output applies it the same way.
/// </summary>
public sealed record SmallNumberGuard(int Threshold)
{
    public const int MaxThreshold = 100;

    /// <summary>
    /// The threshold a new project starts with (a lead may change it). Projects made before the guard
    /// was on by default got it too, unless their lead had chosen a setting (see the migration
    /// <c>GuardOnByDefaultQuoteNotes</c> and docs/operations.md).
    /// </summary>
    public const int DefaultThreshold = 5;

    public bool IsOn => Threshold > 0;

    /// <summary>The guard applied to one count; <paramref name="of"/> is the denominator for a percentage.</summary>
    public GuardedCount Count(int count, int? of = null)
    {
        if (IsOn && count > 0 && count < Threshold)
            return new GuardedCount(null, null, true, FewerThan, "");
        int? percent = of is > 0 ? (int)Math.Round(100.0 * count / of.Value, MidpointRounding.AwayFromZero) : null;
        return new GuardedCount(count, percent, false, count.ToString(CultureInfo.InvariantCulture),
            percent is { } p ? p.ToString(CultureInfo.InvariantCulture) + "%" : "");
    }

    /// <summary>"fewer than 5".</summary>
    public string FewerThan => $"fewer than {Threshold.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The note for the team (findings page, threshold form): says the setting, even when it is off.</summary>
    public string Note => IsOn
        ? $"To protect people's privacy, any number from 1 to {(Threshold - 1).ToString(CultureInfo.InvariantCulture)} is shown as \"{FewerThan}\" and its percentage is not shown."
        : "The small-numbers guard is off: every number is shown exactly, however small.";

    /// <summary>
    /// The sentence for readers (reports, chart downloads): shown only next to figures where the guard
    /// actually hid something, so a reader is never told about a setting that changed nothing.
    /// </summary>
    public string ReaderNote =>
        $"To protect people's privacy, we do not give numbers below {Threshold.ToString(CultureInfo.InvariantCulture)}: we say \"{FewerThan}\" instead, without a percentage.";

    /// <summary><see cref="ReaderNote"/> when any of these counts is hidden, otherwise "".</summary>
    public string ReaderNoteFor(IEnumerable<GuardedCount> counts) => counts.Any(c => c.Suppressed) ? ReaderNote : "";

    /// <summary>Checks a threshold a lead typed; null when it is acceptable.</summary>
    public static string? Validate(int? threshold) =>
        threshold is null or < 0 or > MaxThreshold
            ? $"Give a whole number from 0 (off) to {MaxThreshold.ToString(CultureInfo.InvariantCulture)}, for example 5."
            : null;
}
