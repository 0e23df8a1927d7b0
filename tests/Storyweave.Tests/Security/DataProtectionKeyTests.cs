using System.Net;
using Microsoft.EntityFrameworkCore;
using Storyweave.Hosting;

namespace Storyweave.Tests.Security;

/// <summary>Data-protection keys (cookies, reset and invitation links) live in the database, shared by every node (issue #16).</summary>
public sealed class DataProtectionKeyTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Keys_are_kept_in_the_database_not_the_data_folder_and_a_second_node_accepts_a_sign_in_made_on_the_first()
    {
        var browser = await App.SignInAsync(App.Admin!);
        Assert.NotEmpty(await App.WithDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml).ToListAsync()));
        Assert.False(Directory.Exists(App.Options.KeysDir));

        // On PostgreSQL the second node even has a data folder of its own: the key ring comes from the database alone.
        await using var nodeB = await App.StartSecondNodeAsync(ownDataFolder: App.Options.UsesPostgres);
        var page = await browser.GetAsync(nodeB.BaseUrl + "/projects");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await nodeB.AnonymousClient().GetAsync("/projects")).StatusCode);
        Assert.False(Directory.Exists(nodeB.Options.KeysDir));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Key_files_left_by_an_older_version_move_into_the_database_at_start_and_sign_ins_made_with_them_stay_valid()
    {
        var app = await TestApp.StartAsync();
        try
        {
            var browser = await app.SignInAsync(app.Admin!);
            await app.StopKeepingDataAsync();
            // What an older version left: the keys as files in keys/ (mode 700, files 600) and none in the database.
            var keys = await app.WithDbAsync(db => db.DataProtectionKeys.AsNoTracking().ToListAsync());
            Assert.NotEmpty(keys);
            DataFolder.CreatePrivate(app.Options.KeysDir);
            foreach (var key in keys) await File.WriteAllTextAsync(Path.Combine(app.Options.KeysDir, key.FriendlyName + ".xml"), key.Xml);
            await app.WithDbAsync(db => db.DataProtectionKeys.ExecuteDeleteAsync());

            app = await app.StartAgainAsync();

            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(app.BaseUrl + "/projects")).StatusCode);
            var moved = await app.WithDbAsync(db => db.DataProtectionKeys.AsNoTracking().Select(k => k.FriendlyName).ToListAsync());
            Assert.Equal(keys.Select(k => k.FriendlyName).Order(), moved.Order());
            Assert.False(Directory.Exists(app.Options.KeysDir));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
