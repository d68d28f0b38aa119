namespace ImageFinder.Imaging;

/// <summary>Width and height of an image as its header declares them.</summary>
public readonly record struct ImageSize(int Width, int Height);
