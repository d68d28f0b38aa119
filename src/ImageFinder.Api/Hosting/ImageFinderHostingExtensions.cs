using ImageFinder.Configuration;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Hosting;

public static class ImageFinderHostingExtensions
{
    /// <summary>Multipart framing allowed on top of the image itself.</summary>
    public const long MultipartOverheadBytes = 64 * 1024;

    /// <summary>Options (validated at start-up), request limits, and the background-loaded search engine.</summary>
    public static WebApplicationBuilder AddImageFinder(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImageFinderOptions>()
            .Bind(builder.Configuration.GetSection(ImageFinderOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ImageFinderOptions>, ImageFinderOptionsValidator>();

        builder.Services.AddOptions<FormOptions>().Configure<IOptions<ImageFinderOptions>>((form, imageFinder) =>
        {
            form.MultipartBodyLengthLimit = imageFinder.Value.MaxUploadBytes + MultipartOverheadBytes;
            form.ValueCountLimit = 16;
            // Typical photos stay in memory; the form reader would otherwise spill every upload over 64 KiB to a temp file.
            form.MemoryBufferThreshold = (int)Math.Min(imageFinder.Value.MaxUploadBytes, 4 * 1024 * 1024);
        });

        builder.Services.AddSingleton<SearchEngine>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SearchEngine>());
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
}
