using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace Storyweave.Hosting;

public static class DataFolder
{
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the data folder and its key folder readable by this user only, and makes every
    /// existing key file readable by this user only (mode 600), whatever an operator or a restore left.
    /// </summary>
    public static void Ensure(StoryweaveOptions options)
    {
        CreatePrivate(options.DataDir);
        CreatePrivate(options.KeysDir);
        if (OperatingSystem.IsWindows()) return;
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

/// <summary>
/// Data-protection keys in the data folder's <c>keys/</c>, each file readable by this user only:
/// the framework's file repository writes with the process umask, so each new key is narrowed to 600.
/// </summary>
public sealed class PrivateKeyRepository(DirectoryInfo directory, ILoggerFactory loggers) : FileSystemXmlRepository(directory, loggers)
{
    public override void StoreElement(XElement element, string friendlyName)
    {
        base.StoreElement(element, friendlyName);
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory.FullName, "*.xml"))
            DataFolder.MakePrivate(file);
    }
}

public sealed class PrivateKeyRepositorySetup(StoryweaveOptions options, ILoggerFactory loggers) : IConfigureOptions<KeyManagementOptions>
{
    public void Configure(KeyManagementOptions o) => o.XmlRepository = new PrivateKeyRepository(new DirectoryInfo(options.KeysDir), loggers);
}
