using System.Security.Cryptography;
using System.Text;
using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Security;

/// <summary>
/// The <c>X-Api-Key</c> check of endpoints that change the collection (and of reads when
/// <see cref="ApiOptions.ProtectReads"/> is on). Without a configured key such endpoints answer 403: they are
/// disabled, never open. The comparison takes the same time whatever the key sent.
/// </summary>
public static class ApiKeyRequirement
{
    public const string HeaderName = "X-Api-Key";

    /// <summary>Marks an endpoint (for the OpenAPI document) as needing the key: always, or only when reads are protected.</summary>
    /// <param name="Always">True for the endpoints that change the collection; false for reads (<see cref="ApiOptions.ProtectReads"/>).</param>
    public sealed record Metadata(bool Always);

    /// <summary>The endpoints always need the key.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Metadata(Always: true)).AddEndpointFilter(static (context, next) => Check(context, next, required: true));

    /// <summary>The endpoints need the key only when <see cref="ApiOptions.ProtectReads"/> is on.</summary>
    public static TBuilder RequireApiKeyForReads<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Metadata(Always: false)).AddEndpointFilter(static (context, next) => Check(context, next, required: false));

    /// <summary>Whether <paramref name="sent"/> is <paramref name="expected"/>, in time that does not depend on where they differ.</summary>
    internal static bool Matches(string? sent, string expected)
    {
        // Hashing first makes both sides the same length, so not even the key's length leaks.
        var sentHash = SHA256.HashData(Encoding.UTF8.GetBytes(sent ?? string.Empty));
        var expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        return CryptographicOperations.FixedTimeEquals(sentHash, expectedHash) && sent is not null;
    }

    private static async ValueTask<object?> Check(EndpointFilterInvocationContext context, EndpointFilterDelegate next, bool required)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
        if (!required && !options.ProtectReads)
        {
            return await next(context);
        }

        if (string.IsNullOrEmpty(options.ApiKey))
        {
            return Problems.WritesDisabled();
        }

        var sent = http.Request.Headers[HeaderName];
        if (sent.Count != 1 || !Matches(sent[0], options.ApiKey))
        {
            http.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{HeaderName}\"";
            return Problems.Unauthorized(sent.Count == 0 ? $"Send the API key in the {HeaderName} header." : "The API key is not valid.");
        }

        return await next(context);
    }
}
