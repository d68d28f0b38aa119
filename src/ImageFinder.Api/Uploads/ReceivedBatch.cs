namespace ImageFinder.Api.Uploads;

/// <summary>
/// The batch upload of the current request (scoped), read by the <see cref="ReadBatchUpload"/> filter before the handler
/// runs: a handler that takes this parameter gets a form within the batch limits with 1 to MaxBatchFiles <c>file</c> parts.
/// </summary>
public sealed class ReceivedBatch
{
    private BatchForm? form;

    /// <summary>The form as read.</summary>
    public BatchForm Form
    {
        get => form ?? throw new InvalidOperationException("No batch was read: the endpoint's route group needs the ReadBatchUpload filter.");
        internal set => form = value;
    }
}
