using System.Buffers.Binary;
using System.CommandLine;
using System.Globalization;
using ImageFinder.Inference;
using ImageFinder.Native;

namespace ImageFinder.Cli.Commands;

/// <summary>
/// <c>model-check --model FILE.onnx --input IN.f32 --expected OUT.f32</c>: runs a model through ImageFinder's own
/// ONNX session and model card (the code that embeds images) on a raw float32 batch, and compares its output with
/// a reference (an exporter's torch output). Both files are little-endian float32: the input [N,3,S,S] with S the
/// card's cropSize, the expected output [N,D].
/// </summary>
internal static class ModelCheckCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "ONNX model; its card is the .json file beside it.", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "Little-endian float32 input [N,3,S,S], S = the card's cropSize.", Required = true };
        var expected = new Option<FileInfo>("--expected") { Description = "Little-endian float32 reference output [N,D].", Required = true };
        var tolerance = new Option<double>("--tolerance")
        {
            Description = "Largest allowed difference, as a fraction of the largest |expected| value (absolute if every expected value is 0).",
            DefaultValueFactory = _ => 1e-3,
        };
        var threads = CommonOptions.Threads();
        var command = new Command("model-check", "Check that ImageFinder's ONNX Runtime session gives a model's reference output.")
        {
            model, input, expected, tolerance, threads,
        };
        command.SetAction(parse => Run(
            parse.GetValue(model)!,
            parse.GetValue(input)!,
            parse.GetValue(expected)!,
            parse.GetValue(tolerance),
            parse.GetValue(threads) ?? Environment.ProcessorCount,
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(FileInfo model, FileInfo input, FileInfo expected, double tolerance, int threads, TextWriter output, TextWriter error)
    {
        if (!double.IsFinite(tolerance) || tolerance < 0)
        {
            return Fail(error, "--tolerance must be a number, 0 or more.");
        }

        if (threads < 1)
        {
            return Fail(error, "--threads must be at least 1.");
        }

        foreach (var (option, file) in new[] { ("--model", model), ("--input", input), ("--expected", expected) })
        {
            if (!file.Exists)
            {
                return Fail(error, $"{option}: '{file.FullName}' does not exist.");
            }
        }

        try
        {
            NativeLibraries.EnsureInstalled();
            using var session = OnnxSession.Load(model.FullName, threads);
            var card = ModelCard.Load(model.FullName, session);
            var sample = 3L * card.CropSize * card.CropSize;
            var inputValues = ReadFloats(input.FullName);
            if (inputValues is null || inputValues.Length == 0 || inputValues.Length % sample != 0)
            {
                return Fail(error, $"--input: '{input.FullName}' has {input.Length} bytes, which is not a whole number of [3,{card.CropSize},{card.CropSize}] " +
                    $"float32 images ({sample * sizeof(float)} bytes each; cropSize from the model's card).");
            }

            var batch = inputValues.Length / sample;
            var actual = session.Run(card.Input!, inputValues, [batch, 3, card.CropSize, card.CropSize], card.Output!, out var shape);
            var expectedValues = ReadFloats(expected.FullName);
            if (expectedValues is null || expectedValues.Length != actual.Length)
            {
                return Fail(error, $"--expected: '{expected.FullName}' has {expected.Length} bytes; the model's output for {batch} images is " +
                    $"[{string.Join(",", shape)}], {actual.Length * (long)sizeof(float)} bytes of float32.");
            }

            double largest = 0, difference = 0;
            for (var i = 0; i < actual.Length; i++)
            {
                largest = Math.Max(largest, Math.Abs((double)expectedValues[i]));
                difference = Math.Max(difference, Math.Abs((double)actual[i] - expectedValues[i])); // NaN stays NaN
            }

            var bound = largest > 0 ? tolerance * largest : tolerance;
            var verdict = string.Create(CultureInfo.InvariantCulture, $"max abs diff {difference:G3} (tolerance {bound:G3} = {tolerance:G3} × max |expected| {largest:G4}) over [{string.Join(",", shape)}]");
            if (!(difference <= bound))
            {
                return Fail(error, verdict + ": the model's output does not match the expected values.");
            }

            output.WriteLine(verdict + ": ok");
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(error, e.Message);
        }
    }

    /// <summary>The file as little-endian float32 values, or null when its length is not a multiple of 4 bytes.</summary>
    private static float[]? ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length % sizeof(float) != 0)
        {
            return null;
        }

        var values = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return values;
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine("error: " + message);
        return 2;
    }
}
