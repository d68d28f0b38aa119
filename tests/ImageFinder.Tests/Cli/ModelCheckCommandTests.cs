using System.Buffers.Binary;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Cli;

/// <summary><c>model-check</c> with the committed tiny model: [N,3,224,224] in, [N,2048] out.</summary>
public sealed class ModelCheckCommandTests : IDisposable
{
    private const int Batch = 3;
    private const int Crop = 224;

    private readonly TempFolder temp = new();

    private string InputFile => temp.Combine("input.f32");

    private string ExpectedFile => temp.Combine("expected.f32");

    [Fact]
    public async Task The_sessions_own_output_passes()
    {
        var input = RandomInput(Batch);
        Write(InputFile, input);
        Write(ExpectedFile, Reference(input));

        var (exitCode, output, error) = await Check();

        Assert.True(exitCode == 0, error);
        Assert.StartsWith("max abs diff ", output);
        Assert.Contains($"over [{Batch},2048]: ok", output);
    }

    [Fact]
    public async Task A_perturbed_expected_output_fails_with_exit_2()
    {
        var input = RandomInput(Batch);
        var expected = Reference(input);
        var largest = expected.Max(MathF.Abs);
        Assert.True(largest > 0);
        expected[(Batch * 2048) - 7] += largest * 0.01f; // ten times the default tolerance (0.001 of the largest value)
        Write(InputFile, input);
        Write(ExpectedFile, expected);

        var (exitCode, output, error) = await Check();

        Assert.Equal(2, exitCode);
        Assert.DoesNotContain("ok", output);
        Assert.Contains("does not match the expected values", error);
    }

    [Fact]
    public async Task A_looser_tolerance_accepts_the_same_perturbation()
    {
        var input = RandomInput(1);
        var expected = Reference(input);
        expected[5] += expected.Max(MathF.Abs) * 0.01f;
        Write(InputFile, input);
        Write(ExpectedFile, expected);

        var (exitCode, output, error) = await Check("--tolerance", "0.02");

        Assert.True(exitCode == 0, error);
        Assert.EndsWith(": ok", output.Trim());
    }

    [Theory]
    [InlineData(5)] // a few floats more than two images
    [InlineData(-1)] // one float short of two images
    public async Task An_input_that_is_not_a_whole_number_of_images_is_refused(int extraFloats)
    {
        var input = RandomInput(2);
        Array.Resize(ref input, input.Length + extraFloats);
        Write(InputFile, input);
        Write(ExpectedFile, new float[2 * 2048]);

        var (exitCode, output, error) = await Check();

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("not a whole number of [3,224,224] float32 images", error);
    }

    [Fact]
    public async Task An_expected_file_of_the_wrong_length_is_refused()
    {
        var input = RandomInput(2);
        Write(InputFile, input);
        Write(ExpectedFile, Reference(input)[..2047]);

        var (exitCode, _, error) = await Check();

        Assert.Equal(2, exitCode);
        Assert.Contains("[2,2048]", error);
    }

    public void Dispose() => temp.Dispose();

    private Task<(int ExitCode, string Output, string Error)> Check(params string[] extra) =>
        CliRunner.RunAsync(["model-check", "--model", TestModel.Path, "--input", InputFile, "--expected", ExpectedFile, "--threads", "2", .. extra]);

    /// <summary>The tiny model's output for <paramref name="input"/>, through the session API the command uses.</summary>
    private static float[] Reference(float[] input)
    {
        using var session = OnnxSession.Load(TestModel.Path, intraOpThreads: 2);
        var card = ModelCard.Load(TestModel.Path, session);
        var batch = input.Length / (3 * Crop * Crop);
        var output = session.Run(card.Input!, input, [batch, 3, Crop, Crop], card.Output!, out var shape);
        Assert.Equal([batch, 2048L], shape);
        return output;
    }

    private static float[] RandomInput(int images)
    {
        var random = new Random(20261201 + images);
        var values = new float[images * 3 * Crop * Crop];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 4) - 2);
        }

        return values;
    }

    private static void Write(string path, float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        File.WriteAllBytes(path, bytes);
    }
}
