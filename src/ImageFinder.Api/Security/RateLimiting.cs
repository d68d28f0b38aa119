using System.Globalization;
using System.Threading.RateLimiting;
using ImageFinder.Api.Hosting;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Security;

/// <summary>
/// Per-client-IP rate limiting with ASP.NET's limiter: a token bucket of <see cref="ApiOptions.RateLimitBurst"/>
/// requests refilled at <see cref="ApiOptions.RateLimitPerSecond"/> a second. Over it: 429 ProblemDetails with
/// <c>Retry-After</c>. <c>/health</c> is never limited (load balancers poll it).
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddImageFinderRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<IOptions<ApiOptions>>((limiter, api) =>
        {
            var settings = api.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (settings.RateLimitPerSecond == 0 || !IsLimited(context.Request.Path))
                {
                    return RateLimitPartition.GetNoLimiter(string.Empty);
                }

                var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.RateLimitBurst,
                    TokensPerPeriod = settings.RateLimitPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                var problem = TypedResults.Problem(
                    title: "Too many requests",
                    detail: $"This client sent more than {settings.RateLimitBurst} requests in a burst or {settings.RateLimitPerSecond} a second on average (ImageFinder:RateLimitBurst, ImageFinder:RateLimitPerSecond); retry after {retryAfter} s.",
                    statusCode: StatusCodes.Status429TooManyRequests);
                await problem.ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    /// <summary>Whether requests to <paramref name="path"/> are counted (everything but <c>/health</c>), when limiting is on.</summary>
    public static bool IsLimited(PathString path) => !path.StartsWithSegments("/health");
}
