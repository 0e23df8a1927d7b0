using Microsoft.AspNetCore.Authorization;

namespace Storyweave.Hosting;

/// <summary>
/// The rule every endpoint must follow: it names an authorization policy, or it is explicitly
/// anonymous. The test suite runs this over the real app's endpoints and fails on any finding.
/// </summary>
public static class AuthorizationAudit
{
    public sealed record Finding(string Endpoint, string Problem);

    public static IReadOnlyList<Finding> Check(IEnumerable<Endpoint> endpoints)
    {
        var findings = new List<Finding>();
        foreach (var endpoint in endpoints)
        {
            var name = Describe(endpoint);
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null) continue;
            var rules = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>();
            if (rules.Count == 0)
                findings.Add(new Finding(name, "has no authorization rule: add RequireAuthorization(Policies.…) or AllowAnonymous()"));
            else if (rules.Any(r => string.IsNullOrEmpty(r.Policy)))
                findings.Add(new Finding(name, "uses [Authorize] without naming a policy from Policies"));
        }
        return findings;
    }

    /// <summary>The policies an endpoint requires (all must pass), or null when it is anonymous.</summary>
    public static IReadOnlyList<string>? PoliciesOf(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
            ? null
            : endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(r => r.Policy!).Distinct().ToList();

    public static string Describe(Endpoint endpoint) =>
        endpoint is RouteEndpoint route
            ? $"{string.Join(",", endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])} /{route.RoutePattern.RawText?.TrimStart('/')}"
            : endpoint.DisplayName ?? "(unnamed endpoint)";
}
