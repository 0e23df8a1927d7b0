using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Events;

namespace Storyweave.Features.StorytellerPortal;

public enum LinkState
{
    Usable,
    Revoked,
    Expired,
    Locked,

    /// <summary>The storyteller withdrew entirely: there is nothing left to show.</summary>
    Withdrawn,
}

/// <summary>
/// Personal links to a storyteller's own page. A link is two secrets given separately: a random
/// token in the address (only its SHA-256 hash is stored, like API tokens and workshop join links)
/// and a six-digit code (stored as an HMAC keyed by the token, so the code's hash cannot be guessed
/// from a copy of the database without the address). Five wrong codes in a row lock the link; a
/// lead or reporter then makes a new one.
/// The token is made to be typed from paper or read aloud: 16 characters (80 random bits) from
/// Crockford's base-32 alphabet (digits and capitals without I, L, O, U), shown in four groups of four.
/// What people type is forgiven: any case, with or without dashes or spaces, O for 0 and I or L for 1.
/// Links made before (43 mixed-case characters) keep working until they expire.
/// </summary>
public sealed class StorytellerLinkService(StoryweaveDb db, TimeProvider clock)
{
    public const int MaxFailedCodes = 5;
    public const int DefaultDays = 90;
    public const int MaxDays = 365;

    /// <summary>What is shown once, when a link is made. Never stored.</summary>
    public sealed record NewLink(StorytellerLink Link, string Token, string Code)
    {
        public string Path => $"/me/{Token}";
        /// <summary>"123 456": easier to read aloud and to copy by eye.</summary>
        public string CodeForReading => $"{Code[..3]} {Code[3..]}";
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static LinkState StateOf(StorytellerLink link, DateTime now) =>
        link.Storyteller?.WithdrawnAt is not null ? LinkState.Withdrawn
        : link.RevokedAt is not null ? LinkState.Revoked
        : link.FailedCodeAttempts >= MaxFailedCodes ? LinkState.Locked
        : link.ExpiresAt <= now ? LinkState.Expired
        : LinkState.Usable;

    /// <summary>
    /// Makes a new link for a storyteller; earlier links that still work are turned off, so only
    /// the newest handout opens the page.
    /// </summary>
    public async Task<Result<NewLink>> CreateAsync(int projectId, int storytellerId, int? days, string actorUserId, CancellationToken ct = default)
    {
        var lifetime = days ?? DefaultDays;
        if (lifetime is < 1 or > MaxDays) return Result.Fail<NewLink>([$"Choose how long the link works: from 1 to {MaxDays} days."]);
        var person = await db.Storytellers.AsNoTracking().Where(s => s.Id == storytellerId && s.ProjectId == projectId)
            .Select(s => new { s.WithdrawnAt }).SingleOrDefaultAsync(ct);
        if (person is null) return Result.Fail<NewLink>(["That storyteller is not part of this project."]);
        if (person.WithdrawnAt is not null) return Result.Fail<NewLink>(["This storyteller has withdrawn entirely, so there is no page to show them."]);

        var now = Now;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var older = await db.StorytellerLinks.Where(l => l.StorytellerId == storytellerId && l.RevokedAt == null).ToListAsync(ct);
        foreach (var old in older)
        {
            old.RevokedAt = now;
            db.Record(clock, projectId, actorUserId, "storyteller-link.revoked", "storyteller-link", old.Id, "replaced by a new link");
        }

        var token = NewToken();
        var code = NewCode();
        var key = TokenKey(token);
        var link = new StorytellerLink
        {
            ProjectId = projectId,
            StorytellerId = storytellerId,
            TokenHash = ApiToken.Hash(key),
            CodeHash = CodeHash(key, code),
            CreatedAt = now,
            CreatedByUserId = actorUserId,
            ExpiresAt = now.AddDays(lifetime),
        };
        db.StorytellerLinks.Add(link);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "storyteller-link.created", "storyteller-link", link.Id, $"storyteller {storytellerId}");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result.Ok(new NewLink(link, token, code));
    }

    public async Task<bool> RevokeAsync(int projectId, int storytellerId, int linkId, string actorUserId, CancellationToken ct = default)
    {
        var link = await db.StorytellerLinks.SingleOrDefaultAsync(l => l.Id == linkId && l.ProjectId == projectId && l.StorytellerId == storytellerId, ct);
        if (link is null) return false;
        if (link.RevokedAt is null)
        {
            link.RevokedAt = Now;
            db.Record(clock, projectId, actorUserId, "storyteller-link.revoked", "storyteller-link", link.Id);
            await db.SaveChangesAsync(ct);
        }
        return true;
    }

    /// <summary>The link an address belongs to (with its storyteller), or null for an unknown address.</summary>
    public async Task<StorytellerLink?> FindAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return null;
        var hash = ApiToken.Hash(TokenKey(token));
        return await db.StorytellerLinks.AsNoTracking().Include(l => l.Storyteller).SingleOrDefaultAsync(l => l.TokenHash == hash, ct);
    }

    public sealed record CodeCheck(LinkState State, bool Accepted, StorytellerLink? Link, int TriesLeft);

    /// <summary>
    /// Checks a typed code. A wrong code counts towards the lock with one atomic update, so
    /// parallel guesses cannot slip past the limit; a right code resets the count.
    /// </summary>
    public async Task<CodeCheck?> CheckCodeAsync(string token, string? typed, CancellationToken ct = default)
    {
        var link = await FindAsync(token, ct);
        if (link is null) return null;
        var now = Now;
        var state = StateOf(link, now);
        if (state != LinkState.Usable) return new CodeCheck(state, false, link, 0);

        var code = NormaliseCode(typed);
        var right = code is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(CodeHash(TokenKey(token), code)), Encoding.ASCII.GetBytes(link.CodeHash));
        if (right)
        {
            await db.StorytellerLinks.Where(l => l.Id == link.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.FailedCodeAttempts, 0).SetProperty(l => l.LastUsedAt, now), ct);
            db.Record(clock, link.ProjectId, StorytellerSession.Actor(link.Id), "storyteller-link.opened", "storyteller", link.StorytellerId);
            await db.SaveChangesAsync(ct);
            return new CodeCheck(LinkState.Usable, true, link, MaxFailedCodes);
        }

        await db.StorytellerLinks.Where(l => l.Id == link.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.FailedCodeAttempts, l => l.FailedCodeAttempts + 1), ct);
        var failed = await db.StorytellerLinks.Where(l => l.Id == link.Id).Select(l => l.FailedCodeAttempts).SingleAsync(ct);
        if (failed == MaxFailedCodes)
        {
            db.Record(clock, link.ProjectId, StorytellerSession.Actor(link.Id), "storyteller-link.locked", "storyteller-link", link.Id);
            await db.SaveChangesAsync(ct);
        }
        return new CodeCheck(failed >= MaxFailedCodes ? LinkState.Locked : LinkState.Usable, false, link, Math.Max(0, MaxFailedCodes - failed));
    }

    /// <summary>Six digits, ignoring spaces and dashes people type between groups; null when it cannot be a code.</summary>
    public static string? NormaliseCode(string? typed)
    {
        if (typed is null) return null;
        var digits = new string(typed.Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray());
        return digits.Length == 6 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    /// <summary>Crockford's base 32: no I, L, O or U, so nothing looks like something else.</summary>
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private const int TokenLength = 16;

    /// <summary>A new token, 16 characters in four groups: "7K3M-Q9TD-2HXW-4RVA".</summary>
    public static string NewToken()
    {
        var chars = new char[TokenLength];
        for (var i = 0; i < TokenLength; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        var plain = new string(chars);
        return string.Join('-', Enumerable.Range(0, TokenLength / 4).Select(g => plain.Substring(g * 4, 4)));
    }

    /// <summary>
    /// What a typed token is hashed as: a short token in canonical form (capitals, no separators, look-alikes
    /// mapped), so "7k3m q9td 2hxw 4rva" opens the same page; an older long token exactly as it is.
    /// </summary>
    public static string TokenKey(string token)
    {
        var canonical = new System.Text.StringBuilder(TokenLength);
        foreach (var c in token)
        {
            if (c is '-' or ' ') continue;
            var upper = char.ToUpperInvariant(c) switch { 'O' => '0', 'I' or 'L' => '1', var other => other };
            if (!Alphabet.Contains(upper, StringComparison.Ordinal)) return token;
            canonical.Append(upper);
        }
        return canonical.Length == TokenLength ? canonical.ToString() : token;
    }

    public static string NewCode() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    public static string CodeHash(string token, string code) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes("code:" + code)));
}
