using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace GatewayErrors.Tests.PublicApi;

/// <summary>
/// Renders an assembly's public surface as sorted lines, one symbol per line, so a diff names exactly what changed.
/// </summary>
/// <remarks>
/// The line shape follows the <c>PublicAPI.Shipped.txt</c> files of Microsoft.CodeAnalysis.PublicApiAnalyzers
/// (<c>[modifiers ]Namespace.Type.Member(parameters) -> ReturnType</c>), which does not restore from the registry here;
/// keeping the shape makes moving to the analyzer later a mechanical change. Differences: nullable reference types are
/// marked with <c>?</c> only (the whole library is nullable-enabled, so no <c>!</c>), and types carry their kind,
/// sealing and base types, because changing those breaks callers too.
/// Everything a caller outside the assembly can bind to is listed: public types and, on types that can be derived
/// from, protected members.
/// </remarks>
internal static class PublicApiText
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void",
        [typeof(object)] = "object",
        [typeof(string)] = "string",
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(char)] = "char",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
        [typeof(nint)] = "nint",
        [typeof(nuint)] = "nuint",
    };

    public static string Render(Assembly assembly)
    {
        var nullability = new NullabilityInfoContext();
        var lines = new List<(string Key, string Line)>();
        foreach (var type in assembly.GetExportedTypes())
        {
            var typeName = Name(type);
            lines.Add((typeName, TypeLine(type)));
            if (type.IsEnum)
            {
                foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                {
                    var value = Convert.ToString(field.GetRawConstantValue(), CultureInfo.InvariantCulture);
                    lines.Add(($"{typeName}.{field.Name}", $"{typeName}.{field.Name} = {value} -> {typeName}"));
                }

                continue;
            }

            if (typeof(Delegate).IsAssignableFrom(type))
            {
                continue; // the type line carries the signature
            }

            foreach (var member in type.GetMembers(Declared))
            {
                if (IsVisible(member) && MemberLine(member, typeName, nullability) is { } line)
                {
                    lines.Add(($"{typeName}.{member.Name}", line));
                }
            }
        }

        var sorted = lines
            .OrderBy(static l => l.Key, StringComparer.Ordinal)
            .ThenBy(static l => l.Line, StringComparer.Ordinal)
            .Select(static l => l.Line)
            .Distinct(StringComparer.Ordinal);
        return string.Join('\n', sorted) + "\n";
    }

    private static string TypeLine(Type type)
    {
        var name = Name(type);
        if (typeof(Delegate).IsAssignableFrom(type) && type != typeof(Delegate) && type.GetMethod("Invoke") is { } invoke)
        {
            var context = new NullabilityInfoContext();
            return $"delegate {name}({Parameters(invoke, context)}) -> {TypeName(invoke.ReturnType, context.Create(invoke.ReturnParameter))}";
        }

        if (type.IsEnum)
        {
            return $"enum {name} : {TypeName(Enum.GetUnderlyingType(type), null)}";
        }

        var kind = type.IsInterface ? "interface" : type.IsValueType ? "struct" : "class";
        var modifiers = type switch
        {
            { IsInterface: true } or { IsValueType: true } => "",
            { IsAbstract: true, IsSealed: true } => "static ",
            { IsAbstract: true } => "abstract ",
            { IsSealed: true } => "sealed ",
            _ => "",
        };
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType))
        {
            bases.Add(TypeName(baseType, null));
        }

        // Only interfaces the type adds itself: inherited ones belong to the base type's line.
        var inherited = type.BaseType?.GetInterfaces() ?? [];
        bases.AddRange(type.GetInterfaces().Except(inherited).Select(static i => TypeName(i, null)).Order(StringComparer.Ordinal));
        return $"{modifiers}{kind} {name}{(bases.Count == 0 ? "" : " : " + string.Join(", ", bases))}";
    }

    private static string? MemberLine(MemberInfo member, string typeName, NullabilityInfoContext context)
    {
        switch (member)
        {
            case ConstructorInfo constructor:
                return $"{Modifiers(constructor)}{typeName}.{StripArity(constructor.DeclaringType!.Name)}({Parameters(constructor, context)}) -> void";

            case MethodInfo method when method.IsSpecialName && !method.Name.StartsWith("op_", StringComparison.Ordinal):
                return null; // accessors are listed with their property or event

            case MethodInfo method:
                var generic = method.IsGenericMethodDefinition
                    ? "<" + string.Join(", ", method.GetGenericArguments().Select(static a => a.Name)) + ">"
                    : "";
                return $"{Modifiers(method)}{typeName}.{method.Name}{generic}({Parameters(method, context)}) -> "
                    + TypeName(method.ReturnType, context.Create(method.ReturnParameter))
                    + (method.IsGenericMethodDefinition ? Constraints(method.GetGenericArguments()) : "");

            case PropertyInfo property:
                var accessors = new StringBuilder();
                if (property.GetMethod is { } getter && IsVisible(getter))
                {
                    accessors.Append(" get;");
                }

                if (property.SetMethod is { } setter && IsVisible(setter))
                {
                    var isInit = setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
                    accessors.Append(isInit ? " init;" : " set;");
                }

                var indexer = property.GetIndexParameters() is { Length: > 0 } index
                    ? "[" + string.Join(", ", index.Select(p => Parameter(p, context))) + "]"
                    : "";
                var required = property.IsDefined(typeof(RequiredMemberAttribute)) ? "required " : "";
                var accessor = property.GetMethod ?? property.SetMethod!;
                return $"{required}{Modifiers(accessor)}{typeName}.{property.Name}{indexer} {{{accessors} }} -> "
                    + TypeName(property.PropertyType, context.Create(property));

            case FieldInfo field:
                if (field.IsLiteral)
                {
                    return $"const {typeName}.{field.Name} = {Literal(field.GetRawConstantValue())} -> {TypeName(field.FieldType, context.Create(field))}";
                }

                var fieldModifiers = (field.IsStatic ? "static " : "") + (field.IsInitOnly ? "readonly " : "");
                return $"{Access(field.IsFamily || field.IsFamilyOrAssembly)}{fieldModifiers}{typeName}.{field.Name} -> "
                    + TypeName(field.FieldType, context.Create(field));

            case EventInfo @event:
                return $"{Modifiers(@event.AddMethod!)}event {typeName}.{@event.Name} -> {TypeName(@event.EventHandlerType!, context.Create(@event))}";

            case Type:
                return null; // nested public types are exported types with lines of their own

            default:
                return null;
        }
    }

    private static bool IsVisible(MemberInfo member)
    {
        if (member.Name.Contains('<', StringComparison.Ordinal))
        {
            return false; // compiler-generated (records' <Clone>$ and the like)
        }

        var protectedAllowed = member.DeclaringType is { IsSealed: false };
        return member switch
        {
            MethodBase m => m.IsPublic || (protectedAllowed && (m.IsFamily || m.IsFamilyOrAssembly)),
            FieldInfo f => f.IsPublic || (protectedAllowed && (f.IsFamily || f.IsFamilyOrAssembly)),
            PropertyInfo p => new[] { p.GetMethod, p.SetMethod }.Any(a => a is not null && IsVisible(a)),
            EventInfo e => e.AddMethod is { } add && IsVisible(add),
            _ => false,
        };
    }

    private static string Modifiers(MethodBase method)
    {
        var modifiers = new StringBuilder(Access(method.IsFamily || method.IsFamilyOrAssembly));
        if (method.IsStatic)
        {
            modifiers.Append("static ");
        }
        else if (method.DeclaringType is { IsInterface: false } && method is MethodInfo info)
        {
            if (info.IsAbstract)
            {
                modifiers.Append("abstract ");
            }
            else if (info.IsVirtual && !info.IsFinal)
            {
                modifiers.Append(info.GetBaseDefinition() != info ? "override " : "virtual ");
            }
            else if (info.IsVirtual && info.GetBaseDefinition() != info)
            {
                modifiers.Append("sealed override ");
            }
        }
        else if (method.DeclaringType is { IsInterface: true } && method.IsAbstract)
        {
            modifiers.Append("abstract ");
        }

        return modifiers.ToString();
    }

    /// <summary>Tightening or loosening a constraint breaks callers too: <c> where T : class, IFoo, new()</c>.</summary>
    private static string Constraints(Type[] parameters)
    {
        var text = new StringBuilder();
        foreach (var parameter in parameters)
        {
            var flags = parameter.GenericParameterAttributes;
            var parts = new List<string>();
            if (flags.HasFlag(GenericParameterAttributes.ReferenceTypeConstraint))
            {
                parts.Add("class");
            }

            if (flags.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
            {
                parts.Add("struct");
            }

            parts.AddRange(parameter.GetGenericParameterConstraints()
                .Where(static c => c != typeof(ValueType))
                .Select(static c => TypeName(c, null))
                .Order(StringComparer.Ordinal));
            if (flags.HasFlag(GenericParameterAttributes.DefaultConstructorConstraint) && !flags.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
            {
                parts.Add("new()");
            }

            if (parts.Count > 0)
            {
                text.Append(" where ").Append(parameter.Name).Append(" : ").Append(string.Join(", ", parts));
            }
        }

        return text.ToString();
    }

    private static string Access(bool isProtected) => isProtected ? "protected " : "";

    private static string Parameters(MethodBase method, NullabilityInfoContext context)
    {
        var isExtension = method.IsDefined(typeof(ExtensionAttribute));
        return string.Join(", ", method.GetParameters().Select((p, i) => (i == 0 && isExtension ? "this " : "") + Parameter(p, context)));
    }

    private static string Parameter(ParameterInfo parameter, NullabilityInfoContext context)
    {
        var type = parameter.ParameterType;
        var prefix = "";
        if (type.IsByRef)
        {
            prefix = parameter.IsOut ? "out " : parameter.IsIn ? "in " : "ref ";
            type = type.GetElementType()!;
        }
        else if (parameter.IsDefined(typeof(ParamArrayAttribute)))
        {
            prefix = "params ";
        }

        var text = $"{prefix}{TypeName(type, context.Create(parameter))} {parameter.Name}";
        if (!parameter.HasDefaultValue)
        {
            return text;
        }

        var value = parameter.RawDefaultValue;
        var shown = value switch
        {
            // `CancellationToken cancellationToken = default` has no constant: metadata stores null for a struct.
            null when type.IsValueType && Nullable.GetUnderlyingType(type) is null => "default",
            not null when type.IsEnum => Enum.GetName(type, value) is { } name ? $"{Name(type)}.{name}" : $"({Name(type)}){Literal(value)}",
            _ => Literal(value),
        };
        return $"{text} = {shown}";
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        bool b => b ? "true" : "false",
        char c => $"'{c}'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string TypeName(Type type, NullabilityInfo? nullability)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TypeName(underlying, nullability?.GenericTypeArguments.FirstOrDefault()) + "?";
        }

        string text;
        if (type.IsArray)
        {
            text = TypeName(type.GetElementType()!, nullability?.ElementType) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }
        else if (type.IsGenericParameter)
        {
            text = type.Name;
        }
        else if (Keywords.TryGetValue(type, out var keyword))
        {
            text = keyword;
        }
        else if (type.IsGenericType)
        {
            var arguments = type.GetGenericArguments();
            var argumentNullability = nullability?.GenericTypeArguments;
            var rendered = arguments.Select((a, i) =>
                TypeName(a, argumentNullability is { Length: var n } && n == arguments.Length ? argumentNullability[i] : null));
            text = StripArity(RawName(type.GetGenericTypeDefinition())) + "<" + string.Join(", ", rendered) + ">";
        }
        else
        {
            text = Name(type);
        }

        var nullableReference = !type.IsValueType && nullability is not null
            && (nullability.ReadState == NullabilityState.Nullable || nullability.WriteState == NullabilityState.Nullable);
        return nullableReference ? text + "?" : text;
    }

    private static string RawName(Type type) =>
        type.IsNested ? RawName(type.DeclaringType!) + "." + type.Name : (type.Namespace is { } ns ? ns + "." : "") + type.Name;

    private static string Name(Type type)
    {
        var name = RawName(type);
        if (type.IsGenericTypeDefinition && type.DeclaringType is null)
        {
            // Exported generic types show their parameters: Foo`1 -> Foo<T>.
            return StripArity(name) + "<" + string.Join(", ", type.GetGenericArguments().Select(static a => a.Name)) + ">";
        }

        return name;
    }

    private static string StripArity(string name)
    {
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }
}
