using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Hosting;

namespace Storyweave.Tests.Security;

public sealed class KeyFolderTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Data_protection_keys_live_in_the_data_folder_readable_by_this_user_only_and_are_made_so_again_at_start()
    {
        // Signing in protects a cookie, so a key exists.
        await App.SignInAsync(App.Admin!);
        var keys = Path.Combine(App.DataDir, "keys");
        var files = Directory.GetFiles(keys, "*.xml");
        Assert.NotEmpty(files);
        Assert.Equal(DataFolder.PrivateDirectory, File.GetUnixFileMode(keys));
        Assert.All(files, f => Assert.Equal(DataFolder.PrivateFile, File.GetUnixFileMode(f)));

        // A key made later is private too.
        var manager = App.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>();
        manager.CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));
        var after = Directory.GetFiles(keys, "*.xml");
        Assert.Equal(files.Length + 1, after.Length);
        Assert.All(after, f => Assert.Equal(DataFolder.PrivateFile, File.GetUnixFileMode(f)));

        // Loosened by hand (or by a careless copy): start-up narrows them again.
        File.SetUnixFileMode(after[0], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        DataFolder.Ensure(App.Options);
        Assert.Equal(DataFolder.PrivateFile, File.GetUnixFileMode(after[0]));
        Assert.Equal(DataFolder.PrivateDirectory, File.GetUnixFileMode(keys));
        Assert.NotNull(App.Services.GetRequiredService<IDataProtectionProvider>());
    }
}
