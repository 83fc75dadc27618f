using Wolverine.Http;
using Wolverine.Http.Marten;
using Wolverine.Marten;

namespace CaseTracker.Api.Http;

/// <summary>
/// The stream a command appends to (a case, an exhibit), loaded from a route parameter under the
/// stream's lock, so that racing writers queue rather than conflict. Not required: the stream's
/// write rules (Wolverine middleware applied by <see cref="Guards{TAttribute}"/>) answer for a
/// stream that does not exist exactly as for one the caller may not see.
/// </summary>
public abstract class WriteStreamAttribute : AggregateAttribute
{
    protected WriteStreamAttribute(string routeParameter) : base(routeParameter)
    {
        LoadStyle = ConcurrencyStyle.Exclusive;
        Required = false;
    }

    /// <summary>The endpoints a stream's write rules guard: those with a parameter loaded by <typeparamref name="TAttribute"/>.</summary>
    public static bool Guards<TAttribute>(HttpChain chain) where TAttribute : WriteStreamAttribute =>
        chain.Method.Method.GetParameters().Any(x => x.IsDefined(typeof(TAttribute), inherit: false));
}
