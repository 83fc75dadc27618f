using System.Reflection;
using Marten;
using Marten.Schema;

namespace CaseTracker.Api.Storage;

/// <summary>
/// A property copied into a column of its own, like Marten's <c>Duplicate</c>, but without the
/// index <c>Duplicate</c> adds: for values a covering index already carries (<c>INCLUDE</c>), where
/// an index of their own would only cost every write.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ColumnAttribute(string pgType) : MartenAttribute
{
    public override void Modify(DocumentMapping mapping, MemberInfo member) => mapping.DuplicateField(member.Name, pgType);
}
