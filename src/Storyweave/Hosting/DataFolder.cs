namespace Storyweave.Hosting;

public static class DataFolder
{
    /// <summary>Creates the data folder (and its key folder) readable by this user only.</summary>
    public static void Ensure(StoryweaveOptions options)
    {
        CreatePrivate(options.DataDir);
        CreatePrivate(options.KeysDir);
    }

    public static void CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
