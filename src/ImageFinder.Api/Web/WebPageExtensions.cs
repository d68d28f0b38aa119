using Microsoft.Extensions.FileProviders;

namespace ImageFinder.Api.Web;

/// <summary>
/// The web page (search and map) served by the API itself from <c>wwwroot</c> next to the binaries, with the
/// vendored plotting library in <c>wwwroot/vendor</c> (copied there by the build from native/node_modules),
/// and the security headers every response gets.
/// </summary>
public static class WebPageExtensions
{
    /// <summary>Scripts and styles only from this origin (no inline script), no framing, no base tag.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /// <summary>Security headers on every response, then <c>/</c> → index.html and the static files of the page.</summary>
    public static WebApplication UseWebPages(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            // OnStarting: the exception handler clears headers set earlier when it writes an error response.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                // Swagger UI is a third-party page this policy was not written for; everything else, the page included, gets it.
                if (!context.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase))
                {
                    headers.ContentSecurityPolicy = ContentSecurityPolicy;
                }

                return Task.CompletedTask;
            });
            return next(context);
        });

        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (!Directory.Exists(root))
        {
            app.Logger.LogWarning("The web page is not served: {Folder} does not exist (the build puts it there).", root);
            return app;
        }

        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                // Page files change with each build: revalidate (cheap 304s via ETag). The vendored library is pinned: cache it.
                context.Context.Response.Headers.CacheControl = context.Context.Request.Path.StartsWithSegments("/vendor")
                    ? "public, max-age=86400"
                    : "no-cache";
            },
        });
        return app;
    }
}
