using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Storyweave.Hosting;

/// <summary>Describes the API and its bearer-token authentication in the OpenAPI document.</summary>
public sealed class OpenApiDocumentInfo : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Storyweave API",
            Version = "v1",
            Description = "JSON API for Storyweave. Authenticate with a personal API token: `Authorization: Bearer sw_…` " +
                "(create one under Account → API tokens, or with `storyweave token create --email …`).",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A personal API token (sw_…).",
        };
        return Task.CompletedTask;
    }
}
