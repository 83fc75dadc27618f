using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace CaseTracker.Api.Storage;

/// <summary>
/// A hash of what some code does, for deciding whether what it stored is still what it would store
/// now: the IL of every method of the given types and of every method of the same assembly they
/// reach (calls, delegates, lambdas, async state machines, the implementations behind an interface
/// or virtual member of this assembly), and the shape (fields, properties and their attributes) of
/// every type of the assembly they touch. Each member, type and string the IL refers to is written
/// by name, never by metadata token, so that code added elsewhere in the assembly leaves the hash
/// alone; a comment, a renamed local or an unrelated endpoint changes nothing, while a changed
/// fold, a helper it calls, or a property added to what it stores changes it. The same source
/// compiled by the same compiler in the same configuration gives the same hash (builds are
/// deterministic); a new compiler, or Debug where Release ran, emits other IL, which at worst
/// rebuilds a projection once too often. Code outside the assembly
/// (Marten, the BCL) counts by the name of what is called, not by its body.
/// </summary>
public static class CodeIdentity
{
    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic |
                                          BindingFlags.Instance | BindingFlags.Static;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(x => (OpCode)x.GetValue(null)!)
        .ToDictionary(x => x.Value);

    /// <summary>The hash (hex) of <paramref name="roots"/> and everything of their assembly they reach.</summary>
    public static string Of(params Type[] roots) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Describe(roots))));

    /// <summary>What the hash covers, one line per method and per type shape, sorted: for telling why a hash moved.</summary>
    public static string Describe(params Type[] roots) => string.Join('\n', new Walk(roots).Run().Order(StringComparer.Ordinal));

    private sealed class Walk(Type[] roots)
    {
        private readonly HashSet<Assembly> _scope = [.. roots.Select(x => x.Assembly)];
        private readonly Queue<MethodBase> _methods = new();
        private readonly HashSet<MethodBase> _seenMethods = [];
        private readonly HashSet<Type> _seenTypes = [];
        private readonly HashSet<Type> _seenWholeTypes = [];
        private readonly List<string> _lines = [];
        private Type[]? _concreteTypes;

        public List<string> Run()
        {
            foreach (var root in roots) WholeType(root);
            while (_methods.TryDequeue(out var method)) _lines.Add($"method {Name(method)}: {Body(method)}");
            return _lines;
        }

        private bool InScope(Type type) => _scope.Contains(type.Assembly);

        /// <summary>Every method of the type and of its nested types (lambdas and iterators live there).</summary>
        private void WholeType(Type type)
        {
            if (!_seenWholeTypes.Add(type)) return;
            Shape(type);
            foreach (var member in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared))) Method(member);
            foreach (var nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic)) WholeType(nested);
        }

        private void Method(MethodBase method)
        {
            if (method is MethodInfo { IsGenericMethod: true, IsGenericMethodDefinition: false } generic) method = generic.GetGenericMethodDefinition();
            if (method.DeclaringType is { IsGenericType: true, IsGenericTypeDefinition: false } && method.Module.ResolveMethod(method.MetadataToken) is { } definition)
            {
                method = definition;
            }

            if (method.DeclaringType is not { } owner || !InScope(owner) || !_seenMethods.Add(method)) return;
            _methods.Enqueue(method);
            Shape(owner);
            if (owner.IsDefined(typeof(CompilerGeneratedAttribute))) WholeType(owner);
            if (method.GetCustomAttribute<StateMachineAttribute>() is { } stateMachine) WholeType(stateMachine.StateMachineType);
            foreach (var implementation in Implementations(method)) Method(implementation);
        }

        /// <summary>What a call to an interface or virtual member of the assembly may run instead.</summary>
        private IEnumerable<MethodBase> Implementations(MethodBase method)
        {
            if (method is not MethodInfo { IsVirtual: true } virtualMethod || virtualMethod.DeclaringType is not { } owner) yield break;
            _concreteTypes ??= [.. _scope.SelectMany(x => x.GetTypes()).Where(x => x.IsClass || x.IsValueType)];
            foreach (var type in _concreteTypes)
            {
                if (owner.IsInterface)
                {
                    if (!type.GetInterfaces().Any(x => (x.IsGenericType ? x.GetGenericTypeDefinition() : x) == owner) || owner.IsGenericTypeDefinition) continue;
                    var map = type.GetInterfaceMap(owner);
                    var index = Array.IndexOf(map.InterfaceMethods, virtualMethod);
                    if (index >= 0 && map.TargetMethods[index].DeclaringType == type) yield return map.TargetMethods[index];
                }
                else if (type != owner && type.IsSubclassOf(owner))
                {
                    foreach (var candidate in type.GetMethods(Declared).Where(x => x.Name == virtualMethod.Name && x.GetBaseDefinition() == virtualMethod.GetBaseDefinition()))
                    {
                        yield return candidate;
                    }
                }
            }
        }

        /// <summary>The names and types of what a type holds: what it stores and what reads it back.</summary>
        private void Shape(Type type)
        {
            if (type.IsGenericType && !type.IsGenericTypeDefinition) type = type.GetGenericTypeDefinition();
            if (!InScope(type) || !_seenTypes.Add(type)) return;

            var shape = new StringBuilder($"type {type.FullName} : {type.BaseType?.FullName} [{Attributes(type)}]");
            foreach (var field in type.GetFields(Declared).OrderBy(x => x.Name, StringComparer.Ordinal))
            {
                shape.Append($" field {field.Name} {field.FieldType} [{Attributes(field)}]");
                Reached(field.FieldType);
            }

            foreach (var property in type.GetProperties(Declared).OrderBy(x => x.Name, StringComparer.Ordinal))
            {
                shape.Append($" property {property.Name} {property.PropertyType} [{Attributes(property)}]");
                Reached(property.PropertyType);
            }

            _lines.Add(shape.ToString());
        }

        private static string Attributes(MemberInfo member) =>
            string.Join(",", member.CustomAttributes.Select(x => x.AttributeType.FullName).Order(StringComparer.Ordinal));

        /// <summary>A type named by a signature or an instruction: its shape, and its element and argument types'.</summary>
        private void Reached(Type type)
        {
            if (type.HasElementType) Reached(type.GetElementType()!);
            if (type.IsGenericType)
            {
                foreach (var argument in type.GetGenericArguments()) Reached(argument);
            }

            if (type.IsGenericParameter) return;
            if (type.IsDefined(typeof(CompilerGeneratedAttribute))) WholeType(type);
            else Shape(type);
        }

        private string Body(MethodBase method)
        {
            var text = new StringBuilder();
            if (method is MethodInfo info) Reached(info.ReturnType);
            foreach (var parameter in method.GetParameters()) Reached(parameter.ParameterType);
            if (method.GetMethodBody() is not { } body) return "(no body)";

            foreach (var local in body.LocalVariables)
            {
                text.Append($"local {local.LocalType};");
                Reached(local.LocalType);
            }

            foreach (var clause in body.ExceptionHandlingClauses)
            {
                text.Append($"try {clause.Flags} {clause.TryOffset}+{clause.TryLength} {clause.HandlerOffset}+{clause.HandlerLength}");
                if (clause.Flags == ExceptionHandlingClauseOptions.Clause) text.Append($" {clause.CatchType}");
                text.Append(';');
            }

            var typeArguments = method.DeclaringType is { IsGenericType: true } owner ? owner.GetGenericArguments() : null;
            var methodArguments = method is MethodInfo { IsGenericMethod: true } ? method.GetGenericArguments() : null;
            var il = body.GetILAsByteArray() ?? [];
            for (var at = 0; at < il.Length;)
            {
                var code = il[at] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[at + 1])] : OpCodesByValue[il[at]];
                at += code.Size;
                text.Append(code.Name).Append(' ');
                at += Operand(code.OperandType, il, at, method.Module, typeArguments, methodArguments, text);
                text.Append(';');
            }

            return text.ToString();
        }

        private int Operand(OperandType kind, byte[] il, int at, Module module, Type[]? typeArguments, Type[]? methodArguments, StringBuilder text)
        {
            switch (kind)
            {
                case OperandType.InlineNone:
                    return 0;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    text.Append(il[at]);
                    return 1;
                case OperandType.InlineVar:
                    text.Append(BitConverter.ToInt16(il, at));
                    return 2;
                case OperandType.InlineI8 or OperandType.InlineR:
                    text.Append(BitConverter.ToInt64(il, at));
                    return 8;
                case OperandType.InlineSwitch:
                    var targets = BitConverter.ToInt32(il, at);
                    for (var i = 0; i < targets; i++) text.Append(BitConverter.ToInt32(il, at + 4 + 4 * i)).Append(',');
                    return 4 + 4 * targets;
                case OperandType.InlineString:
                    text.Append('"').Append(module.ResolveString(BitConverter.ToInt32(il, at))).Append('"');
                    return 4;
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    text.Append(Member(module, BitConverter.ToInt32(il, at), typeArguments, methodArguments));
                    return 4;
                default:
                    // InlineBrTarget, InlineI, ShortInlineR, InlineSig: plain numbers (a calli signature
                    // token is rare enough, and local to the method, to count as one).
                    text.Append(BitConverter.ToInt32(il, at));
                    return 4;
            }
        }

        private string Member(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
        {
            var member = module.ResolveMember(token, typeArguments, methodArguments);
            switch (member)
            {
                case MethodBase method:
                    Method(method);
                    if (method.DeclaringType is { } owner) Reached(owner);
                    return Name(method);
                case FieldInfo field:
                    if (field.DeclaringType is { } fieldOwner) Reached(fieldOwner);
                    Reached(field.FieldType);
                    return $"{field.DeclaringType}::{field.Name}";
                case Type type:
                    Reached(type);
                    return type.ToString();
                default:
                    return member?.ToString() ?? "?";
            }
        }

        private static string Name(MethodBase method) => $"{method.DeclaringType}::{method}";
    }
}
