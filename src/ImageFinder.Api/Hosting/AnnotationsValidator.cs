using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Hosting;

/// <summary>
/// Validates options by their data annotations (and <see cref="IValidatableObject"/>), as <c>ValidateDataAnnotations</c>
/// does, but each failure is the attribute's own message (which names the setting), without a prefix around it.
/// </summary>
public sealed class AnnotationsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>One message per failed annotation of <paramref name="options"/>.</summary>
    public static IReadOnlyList<string> Failures(TOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(result => result.ErrorMessage ?? $"{string.Join(", ", result.MemberNames)} is not valid.").ToList();
    }
}
