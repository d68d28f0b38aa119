namespace ImageFinder.Api.Uploads;

/// <summary>
/// The image upload of the current request (scoped), read by the <see cref="ReadUpload"/> filter before the handler runs:
/// a handler that takes this parameter gets a form that is within the limits and has a <c>file</c> part.
/// </summary>
public sealed class ReceivedUpload
{
    private UploadForm? form;

    /// <summary>The form as read.</summary>
    public UploadForm Form
    {
        get => form ?? throw new InvalidOperationException("No upload was read: the endpoint's route group needs the ReadUpload filter.");
        internal set => form = value;
    }
}
