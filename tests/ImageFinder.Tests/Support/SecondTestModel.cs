using System.Diagnostics;

namespace ImageFinder.Tests.Support;

/// <summary>
/// A second tiny test model: the committed one's graph with other random weights (seed 7) and its own name, built once
/// per test run by models/make_test_model.py (Debian's python3-onnx, which test.sh installs). Re-index tests move a
/// collection from the committed model to this one.
/// </summary>
public static class SecondTestModel
{
    public const string Name = "tiny-test-b (NOT ResNet-50)";

    private static readonly Lazy<string> Built = new(Build);

    /// <summary>The .onnx file; its card is beside it.</summary>
    public static string Path => Built.Value;

    private static string Build()
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "imagefinder-tests", "second-model-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var model = System.IO.Path.Combine(folder, "tiny-test-b.onnx");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { System.IO.Path.Combine(Repository.Root, "models", "make_test_model.py"), model, "--seed", "7", "--name", Name })
        {
            start.ArgumentList.Add(argument);
        }

        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        if (python.ExitCode != 0)
        {
            throw new InvalidOperationException("models/make_test_model.py failed (test.sh installs python3-onnx): " + output.Result + error);
        }

        return model;
    }
}
