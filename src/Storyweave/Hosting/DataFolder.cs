namespace Storyweave.Hosting;

public static class DataFolder
{
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the data folder readable by this user only, and makes any key files an older version or a restore
    /// left in <c>keys/</c> (moved into the database at start) readable by this user only until then.
    /// </summary>
    public static void Ensure(StoryweaveOptions options)
    {
        CreatePrivate(options.DataDir);
        if (OperatingSystem.IsWindows() || !Directory.Exists(options.KeysDir)) return;
        File.SetUnixFileMode(options.KeysDir, PrivateDirectory);
        foreach (var file in Directory.EnumerateFiles(options.KeysDir))
            MakePrivate(file);
    }

    public static void CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, PrivateDirectory);
        File.SetUnixFileMode(path, PrivateDirectory);
    }

    public static void MakePrivate(string file)
    {
        if (OperatingSystem.IsWindows()) return;
        if (File.GetUnixFileMode(file) != PrivateFile) File.SetUnixFileMode(file, PrivateFile);
    }
}
