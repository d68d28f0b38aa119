using ImageFinder.Storage;

namespace ImageFinder.Tests.Storage;

public sealed class ImageLabelTests
{
    [Theory]
    [InlineData("/srv/images/waves/waves-01.png", "waves")]
    [InlineData("/srv/images/cats/2024/a.jpg", "2024")]
    [InlineData("https://example.com/pets/dog%20park/x.jpg", "dog park")]
    [InlineData(@"C:\photos\beach\b.png", "beach")]
    [InlineData("/top.png", null)]
    [InlineData("top.png", null)]
    [InlineData("https://example.com/x.jpg", null)]
    public void The_label_is_the_folder_the_image_is_in(string source, string? expected) =>
        Assert.Equal(expected, ImageLabel.Of(source));
}
