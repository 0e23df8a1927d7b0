using System.Globalization;
using System.Text;

namespace Storyweave.Features.Stories;

/// <summary>
/// Guesses who a transcript's speaker label is, so a reporter rarely has to link speakers by hand:
/// a storyteller of the session or the session's Community Reporter, by full name or by a first name
/// only one of them has, ignoring case, accents, extra spaces and Zoom's additions ("(she/her)",
/// "Sam's iPhone"); "Interviewer", "Reporter" and the like are the reporter. A label that could be
/// two people is left for a person to link.
/// </summary>
public static class SpeakerMatch
{
    public sealed record Person(int? StorytellerId, string Name);

    /// <summary>The person a label is, or null when nobody (or more than one person) fits.</summary>
    public static Person? Find(string label, IReadOnlyList<Person> storytellers, string? reporterName)
    {
        var key = Normalise(label);
        if (key.Length == 0) return null;
        var people = storytellers.ToList();
        if (!string.IsNullOrWhiteSpace(reporterName)) people.Add(new Person(null, reporterName));

        var full = people.Where(p => Normalise(p.Name) == key).ToList();
        if (full.Count == 1) return full[0];
        if (full.Count > 1) return null;

        if (!key.Contains(' ', StringComparison.Ordinal))
        {
            var first = people.Where(p => FirstName(p.Name) == key).ToList();
            if (first.Count == 1) return first[0];
            if (first.Count > 1) return null;
        }

        return IsReporterLabel(key) ? new Person(null, reporterName ?? "") : null;
    }

    /// <summary>Generic names for the person asking the questions.</summary>
    public static bool IsReporterLabel(string label) => Normalise(label) is
        "reporter" or "interviewer" or "community reporter" or "peer reporter" or "peer researcher" or "i" or "int";

    /// <summary>Lower case, accents removed, Zoom's "(pronouns)" and "'s iPhone" style additions dropped, one space between words.</summary>
    public static string Normalise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "";
        var s = text.Trim();
        var paren = s.IndexOf('(', StringComparison.Ordinal);
        if (paren > 0) s = s[..paren];
        foreach (var device in new[] { "'s iphone", "’s iphone", "'s ipad", "’s ipad", "'s phone", "’s phone", "'s android", "’s android" })
        {
            var at = s.IndexOf(device, StringComparison.OrdinalIgnoreCase);
            if (at > 0) s = s[..at];
        }
        var decomposed = s.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var space = false;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsLetterOrDigit(c) || c is '\'' or '’' or '-')
            {
                if (space && builder.Length > 0) builder.Append(' ');
                builder.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else
            {
                space = true;
            }
        }
        return builder.ToString();
    }

    private static string FirstName(string name) => Normalise(name).Split(' ')[0];
}
