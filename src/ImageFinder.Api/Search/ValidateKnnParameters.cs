using ImageFinder.Api.Errors;
using ImageFinder.Api.Uploads;
using ImageFinder.Configuration;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Search;

/// <summary>
/// Endpoint filter for handlers with an <see cref="IKnnParameters"/> argument (query parameters, or the JSON body):
/// <c>k</c> must be 1..MaxK (DefaultK when absent) and <c>maxDistance</c> a finite number of 0 or more, or the answer is
/// 400. With an upload (<see cref="ReceivedUpload"/> or <see cref="ReceivedBatch"/>), the form fields <c>k</c> and
/// <c>maxDistance</c> fill in a <see cref="KnnQuery"/>'s missing values first. Endpoints without such an argument pass through.
/// </summary>
public sealed class ValidateKnnParameters(IOptions<ImageFinderOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<IKnnParameters>().FirstOrDefault() is not { } parameters)
        {
            return await next(context);
        }

        var settings = options.Value;
        if (parameters is KnnQuery query && FormFields.Of(context) is { } fields)
        {
            if (!fields.TryGetInt("k", out var formK))
            {
                return Problems.BadParameter("k", $"'k' must be an integer from 1 to {settings.MaxK}.");
            }

            if (!fields.TryGetFloat("maxDistance", out var formMaxDistance))
            {
                return Problems.BadParameter("maxDistance", "'maxDistance' must be a number of 0 or more.");
            }

            query.K ??= formK;
            query.MaxDistance ??= formMaxDistance;
        }

        var count = parameters.K ?? settings.DefaultK;
        if (count < 1 || count > settings.MaxK)
        {
            return Problems.BadParameter("k", $"'k' must be from 1 to {settings.MaxK}; it was {count}.");
        }

        if (parameters.MaxDistance is { } limit && (!float.IsFinite(limit) || limit < 0))
        {
            return Problems.BadParameter("maxDistance", $"'maxDistance' must be a number of 0 or more; it was {limit}.");
        }

        return await next(context);
    }
}
