using ImageFinder.Api.Errors;

namespace ImageFinder.Api.Images;

/// <summary>
/// Endpoint filter for handlers with a <see cref="PageQuery"/> argument: <c>offset</c> 0 or more and <c>limit</c>
/// 1..<see cref="ImagesApi.MaxPageSize"/>, or the answer is 400. Endpoints without one pass through.
/// </summary>
public sealed class ValidatePage : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<PageQuery>().FirstOrDefault() is not { } page)
        {
            return await next(context);
        }

        if (page.Offset < 0)
        {
            return Problems.BadParameter("offset", $"'offset' must be 0 or more; it was {page.Offset}.");
        }

        if (page.Limit < 1 || page.Limit > ImagesApi.MaxPageSize)
        {
            return Problems.BadParameter("limit", $"'limit' must be from 1 to {ImagesApi.MaxPageSize}; it was {page.Limit}.");
        }

        return await next(context);
    }
}
