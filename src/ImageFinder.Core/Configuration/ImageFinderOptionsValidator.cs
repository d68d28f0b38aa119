using ImageFinder.Storage;
using Microsoft.Extensions.Options;

namespace ImageFinder.Configuration;

/// <summary>Checks what data annotations cannot: files that must exist and settings that must agree.</summary>
public sealed class ImageFinderOptionsValidator : IValidateOptions<ImageFinderOptions>
{
    public ValidateOptionsResult Validate(string? name, ImageFinderOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.ModelPath) && !File.Exists(options.ModelPath))
        {
            failures.Add(
                $"ImageFinder:ModelPath: the model file '{Path.GetFullPath(options.ModelPath)}' does not exist. " +
                "Fetch ResNet-50 with 'python3 models/fetch_resnet50.py', or use the bundled test model models/tiny-test.onnx.");
        }

        if (options.DefaultK > options.MaxK)
        {
            failures.Add($"ImageFinder:DefaultK ({options.DefaultK}) must not exceed ImageFinder:MaxK ({options.MaxK}).");
        }

        if (options.MaxBatchFiles > options.InferenceQueueCapacity)
        {
            failures.Add(
                $"ImageFinder:MaxBatchFiles ({options.MaxBatchFiles}) must not exceed ImageFinder:InferenceQueueCapacity ({options.InferenceQueueCapacity}): " +
                "a batch's images join the inference queue together.");
        }

        if (options.MaxBatchUploadBytes < options.MaxUploadBytes)
        {
            failures.Add(
                $"ImageFinder:MaxBatchUploadBytes ({options.MaxBatchUploadBytes}) must be at least ImageFinder:MaxUploadBytes ({options.MaxUploadBytes}): " +
                "a batch must be able to hold one file of the largest size.");
        }

        if (!string.IsNullOrWhiteSpace(options.Database) && Directory.Exists(options.Database))
        {
            failures.Add($"ImageFinder:Database: '{Path.GetFullPath(options.Database)}' is a folder; give a file path.");
        }

        if (options.Metric is not null && CollectionInfo.ParseMetric(options.Metric) is null)
        {
            failures.Add($"ImageFinder:Metric: '{options.Metric}' is not a distance metric; use one of {string.Join(", ", CollectionInfo.Metrics)}.");
        }

        failures.AddRange(StoreFailures(options));
        if (options.UsesGarnet)
        {
            if (options.Metric is not null && CollectionInfo.ParseMetric(options.Metric) == CollectionInfo.L1)
            {
                failures.Add("ImageFinder:Metric: l1 is not offered by Garnet's vector sets; use l2 or cosine with ImageFinder:Store=garnet.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What is wrong with the store settings alone (<c>ImageFinder:Store</c>, and <c>ImageFinder:Garnet:*</c> when it says garnet), for jobs that load no model.</summary>
    public static IReadOnlyList<string> StoreFailures(ImageFinderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.UsesGarnet)
        {
            return options.Garnet.Failures();
        }

        return string.Equals(options.Store, StoreKinds.Sqlite, StringComparison.OrdinalIgnoreCase)
            ? []
            : [$"ImageFinder:Store: '{options.Store}' is not a store; use sqlite (the default, one file) or garnet (a Garnet cluster)."];
    }
}
