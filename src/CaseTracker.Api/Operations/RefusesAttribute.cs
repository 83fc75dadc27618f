namespace CaseTracker.Api.Operations;

/// <summary>
/// A refusal an endpoint gives beyond those the pipeline in front of it gives (see
/// <see cref="ApiOperations"/>), or one it words differently: described with the endpoint's
/// operation as a problem document.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class RefusesAttribute(int status, string description) : Attribute
{
    public int Status { get; } = status;
    public string Description { get; } = description;
}
