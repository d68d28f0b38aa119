using ImageFinder.Api.Search;
using ImageFinder.Api.Security;
using ImageFinder.Api.Uploads;
using ImageFinder.Configuration;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Hosting;

public static class ImageFinderHostingExtensions
{
    /// <summary>Multipart framing allowed on top of the image itself.</summary>
    public const long MultipartOverheadBytes = 64 * 1024;

    /// <summary>Options (validated at start-up), request limits and timeouts, rate limiting, and the background-loaded search engine.</summary>
    public static WebApplicationBuilder AddImageFinder(this WebApplicationBuilder builder)
    {
        // The same checks as SettingsValidation, which Program.cs runs first to print them without a stack trace.
        builder.Services.AddOptions<ImageFinderOptions>()
            .Bind(builder.Configuration.GetSection(ImageFinderOptions.SectionName))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ImageFinderOptions>, AnnotationsValidator<ImageFinderOptions>>();
        builder.Services.AddSingleton<IValidateOptions<ImageFinderOptions>, ImageFinderOptionsValidator>();
        builder.Services.AddOptions<ApiOptions>()
            .Bind(builder.Configuration.GetSection(ImageFinderOptions.SectionName))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApiOptions>, AnnotationsValidator<ApiOptions>>();

        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ImageFinderOptions>>((kestrel, imageFinder) =>
        {
            // The largest body of one upload; /search/url narrows it further, uploads set it exactly, and POST /search/batch
            // raises it to ImageFinder:MaxBatchUploadBytes for its own requests.
            kestrel.Limits.MaxRequestBodySize = imageFinder.Value.MaxUploadBytes + MultipartOverheadBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddRequestTimeouts();
        builder.Services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<ApiOptions>>((timeouts, api) =>
            timeouts.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(api.Value.RequestTimeoutSeconds),
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
            });
        builder.Services.AddImageFinderRateLimiting();
        builder.Services.AddSingleton<UrlImageFetcher>();

        builder.Services.AddOptions<FormOptions>().Configure<IOptions<ImageFinderOptions>>((form, imageFinder) =>
        {
            form.MultipartBodyLengthLimit = imageFinder.Value.MaxUploadBytes + MultipartOverheadBytes;
            form.ValueCountLimit = 16;
            // Typical photos stay in memory; the form reader would otherwise spill every upload over 64 KiB to a temp file.
            form.MemoryBufferThreshold = (int)Math.Min(imageFinder.Value.MaxUploadBytes, 4 * 1024 * 1024);
        });

        builder.Services.AddSingleton<EngineLoader>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EngineLoader>());
        builder.Services.AddSingleton<ReadyEngine>();
        builder.Services.AddScoped<ReceivedUpload>();
        builder.Services.AddScoped<ReceivedBatch>();
        builder.Services.AddExceptionHandler<Errors.StoreUnavailableHandler>();
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Routing answers 415 itself when the body is not multipart/form-data; say what it wants.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
            {
                context.ProblemDetails.Detail = "Send the image as multipart/form-data with a part named 'file'.";
            }
        });
        return builder;
    }

    /// <summary>The request pipeline in front of the endpoints: errors as ProblemDetails, rate limits, timeouts.</summary>
    public static WebApplication UseImageFinderProtection(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        return app;
    }
}
