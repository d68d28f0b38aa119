using System.Text.Json;
using System.Text.Json.Serialization;
using ImageFinder.Imaging;

namespace ImageFinder.Inference;

/// <summary>
/// What a model needs and gives: input/output tensor names, embedding dimension and preprocessing. Read
/// from the JSON file next to the model (<c>resnet50.onnx</c> → <c>resnet50.json</c>), so another CNN is a
/// configuration change. Without that file the defaults are torchvision's ResNet-50 preprocessing and the
/// model's first input and output.
/// </summary>
public sealed record ModelCard
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public required string Name { get; init; }

    public string? Description { get; init; }

    public string? Input { get; init; }

    public string? Output { get; init; }

    public int Dimension { get; init; }

    public int ResizeShorterSide { get; init; } = 256;

    public int CropSize { get; init; } = 224;

    public float[] Mean { get; init; } = [0.485f, 0.456f, 0.406f];

    public float[] Std { get; init; } = [0.229f, 0.224f, 0.225f];

    /// <summary>The resize filter the weights were trained with: <c>bilinear</c> (default) or <c>bicubic</c>, as torchvision's weight transforms say.</summary>
    public string Interpolation { get; init; } = "bilinear";

    [JsonIgnore]
    public PreprocessingSpec Preprocessing => new(ResizeShorterSide, CropSize, Mean, Std, ParseFilter(Interpolation) ?? ResizeFilter.Bilinear);

    /// <summary>The card path that belongs to <paramref name="modelPath"/>.</summary>
    public static string PathFor(string modelPath) => Path.ChangeExtension(modelPath, ".json");

    /// <summary>Reads the card of <paramref name="modelPath"/> (or the defaults) and checks it against the session's real inputs and outputs.</summary>
    /// <exception cref="InvalidModelException">The card is malformed or does not match the model.</exception>
    public static ModelCard Load(string modelPath, OnnxSession session)
    {
        var cardPath = PathFor(modelPath);
        ModelCard card;
        if (File.Exists(cardPath))
        {
            try
            {
                card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(cardPath), JsonOptions)
                    ?? throw new InvalidModelException($"Model card {cardPath} is empty.");
            }
            catch (JsonException e)
            {
                throw new InvalidModelException($"Model card {cardPath} is not valid JSON: {e.Message}");
            }
        }
        else
        {
            card = new ModelCard { Name = Path.GetFileNameWithoutExtension(modelPath) };
        }

        return card.BindTo(session, cardPath);
    }

    private ModelCard BindTo(OnnxSession session, string cardPath)
    {
        var input = Input ?? session.Inputs.Keys.FirstOrDefault();
        var output = Output ?? session.Outputs.Keys.FirstOrDefault();
        if (input is null || !session.Inputs.TryGetValue(input, out var inputShape))
        {
            throw new InvalidModelException($"The model has no input named '{input}' (it has: {string.Join(", ", session.Inputs.Keys)}). Fix 'input' in {cardPath}.");
        }

        if (output is null || !session.Outputs.TryGetValue(output, out var outputShape))
        {
            throw new InvalidModelException($"The model has no output named '{output}' (it has: {string.Join(", ", session.Outputs.Keys)}). Fix 'output' in {cardPath}.");
        }

        var dims = inputShape.Dimensions;
        if (dims.Length != 4 || !Matches(dims[1], 3) || !Matches(dims[2], CropSize) || !Matches(dims[3], CropSize))
        {
            throw new InvalidModelException($"Input '{input}' has shape {inputShape}; ImageFinder feeds [N,3,{CropSize},{CropSize}] (cropSize in {cardPath}).");
        }

        var outDims = outputShape.Dimensions;
        if (outDims.Length != 2)
        {
            throw new InvalidModelException($"Output '{output}' has shape {outputShape}; ImageFinder needs pooled features [N,D] (a model without its classifier).");
        }

        var dimension = Dimension > 0 ? Dimension : (int)outDims[1];
        if (dimension <= 0 || !Matches(outDims[1], dimension))
        {
            throw new InvalidModelException($"Output '{output}' has shape {outputShape} but the card says dimension {Dimension}.");
        }

        if (Mean.Length != 3 || Std.Length != 3 || Std.Any(s => s <= 0) || ResizeShorterSide < CropSize || CropSize < 1)
        {
            throw new InvalidModelException($"Preprocessing in {cardPath} is invalid: mean and std need 3 values (std > 0) and resizeShorterSide >= cropSize >= 1.");
        }

        var filter = ParseFilter(Interpolation)
            ?? throw new InvalidModelException($"'interpolation' in {cardPath} is '{Interpolation}'; ImageFinder resizes with 'bilinear' or 'bicubic'.");

        return this with { Input = input, Output = output, Dimension = dimension, Interpolation = filter.ToString().ToLowerInvariant() };
    }

    private static ResizeFilter? ParseFilter(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "bilinear" => ResizeFilter.Bilinear,
        "bicubic" => ResizeFilter.Bicubic,
        _ => null,
    };

    private static bool Matches(long declared, long wanted) => declared < 0 || declared == wanted;
}
