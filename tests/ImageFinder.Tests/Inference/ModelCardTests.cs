using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Inference;

public sealed class ModelCardTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly OnnxSession session = OnnxSession.Load(TestModel.Path, 1);

    [Theory]
    [InlineData("bicubic", ResizeFilter.Bicubic)]
    [InlineData("BICUBIC", ResizeFilter.Bicubic)]
    [InlineData("bilinear", ResizeFilter.Bilinear)]
    public void The_cards_interpolation_and_sizes_become_the_preprocessing(string interpolation, ResizeFilter filter)
    {
        var model = WriteModelWithCard($$"""{ "name": "m", "resizeShorterSide": 232, "cropSize": 224, "interpolation": "{{interpolation}}" }""");

        var card = ModelCard.Load(model, session);

        Assert.Equal(filter, card.Preprocessing.Filter);
        Assert.Equal(232, card.Preprocessing.ResizeShorterSide);
        Assert.Equal(224, card.Preprocessing.CropSize);
    }

    [Fact]
    public void A_card_without_interpolation_resizes_bilinear_and_ignores_fields_it_does_not_know()
    {
        var model = WriteModelWithCard("""{ "name": "m", "provenance": { "arch": "resnet50", "sha256": "00" } }""");

        var card = ModelCard.Load(model, session);

        Assert.Equal(ResizeFilter.Bilinear, card.Preprocessing.Filter);
        Assert.Equal(256, card.Preprocessing.ResizeShorterSide);
    }

    [Fact]
    public void An_interpolation_ImageFinder_cannot_apply_is_refused_naming_the_field()
    {
        var model = WriteModelWithCard("""{ "name": "m", "interpolation": "lanczos" }""");

        var error = Assert.Throws<InvalidModelException>(() => ModelCard.Load(model, session));

        Assert.Contains("'interpolation'", error.Message);
        Assert.Contains("lanczos", error.Message);
    }

    [Fact]
    public void A_crop_size_the_model_input_does_not_take_is_refused()
    {
        // The tiny model's input is fixed at 224: a card asking for EfficientNet-B2's 288 must not feed it.
        var model = WriteModelWithCard("""{ "name": "m", "resizeShorterSide": 288, "cropSize": 288, "interpolation": "bicubic" }""");

        var error = Assert.Throws<InvalidModelException>(() => ModelCard.Load(model, session));

        Assert.Contains("288", error.Message);
    }

    public void Dispose()
    {
        session.Dispose();
        folder.Dispose();
    }

    private string WriteModelWithCard(string card)
    {
        var model = folder.Combine("model.onnx");
        File.Copy(TestModel.Path, model, overwrite: true);
        File.WriteAllText(ModelCard.PathFor(model), card);
        return model;
    }
}
