using ImageFinder.Api.Errors;

namespace ImageFinder.Api.Hosting;

/// <summary>
/// The endpoint filter of every route group whose handlers use the engine (through <see cref="ReadyEngine"/>): while
/// the engine is loading, or after it failed to start, the request is answered 503 Not ready (ProblemDetails; the
/// failure's reason stays in the log). The answer comes where the handler first needs the engine, after the request's
/// own checks (parameters, upload), which therefore answer first whatever the engine's state.
/// </summary>
public sealed class RequireEngine : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (EngineNotReadyException e)
        {
            return Problems.NotReady(e.Failed);
        }
    }
}
