using System.Globalization;
using Storyweave.Features.Media;
using Storyweave.Hosting;

namespace Storyweave.Features.Reports;

/// <summary>
/// Where report files live: <c>outputs/{projectId}/{StoredName}</c> in the data folder. Names are
/// generated here (a GUID and the format's extension), never taken from a report title.
/// </summary>
public sealed class ReportStorage(StoryweaveOptions options)
{
    public string OutputsDir => Path.Combine(options.DataDir, "outputs");

    public string PathOf(int projectId, string storedName)
    {
        if (storedName.Length == 0 || storedName != Path.GetFileName(storedName) || storedName.StartsWith('.'))
            throw new InvalidOperationException($"Not a stored report name: {storedName}");
        return Path.Combine(OutputsDir, projectId.ToString(CultureInfo.InvariantCulture), storedName);
    }

    public string? PathOf(ReportFile file) => file.StoredName is { } name ? PathOf(file.ProjectId, name) : null;

    public string MoveIntoPlace(string tempPath, int projectId, string storedName)
    {
        DataFolder.CreatePrivate(OutputsDir);
        DataFolder.CreatePrivate(Path.Combine(OutputsDir, projectId.ToString(CultureInfo.InvariantCulture)));
        var target = PathOf(projectId, storedName);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tempPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(tempPath, target);
        return target;
    }

    public void Delete(ReportFile file) => MediaStorage.DeleteQuietly(PathOf(file));

    public static string Extension(ReportFormat format) => format switch
    {
        ReportFormat.Docx => ".docx",
        ReportFormat.Pdf => ".pdf",
        ReportFormat.Html => ".html",
        _ => ".md",
    };

    public static string ContentType(ReportFormat format) => format switch
    {
        ReportFormat.Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ReportFormat.Pdf => "application/pdf",
        ReportFormat.Html => "text/html; charset=utf-8",
        _ => "text/markdown; charset=utf-8",
    };

    public static string Label(ReportFormat format) => format switch
    {
        ReportFormat.Docx => "Word (DOCX)",
        ReportFormat.Pdf => "PDF",
        ReportFormat.Html => "Web page (HTML)",
        _ => "Markdown",
    };
}
