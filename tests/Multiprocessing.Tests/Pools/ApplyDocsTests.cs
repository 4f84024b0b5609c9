using System.Reflection;
using System.Xml.Linq;

namespace Multiprocessing.Tests.Pools;

/// <summary>
/// The documentation of Submit, ApplyAsync and Apply (src/Multiprocessing/Pools/WorkerPool.Apply.cs), as IntelliSense shows
/// it: most overloads inherit their tags with <c>&lt;inheritdoc cref&gt;</c>, which the compiler does not check, so
/// this expands them from the built XML file (a tag written on the member wins over an inherited one of the same
/// name, as in Roslyn and DocFX) and checks that nothing is missing.
/// </summary>
public sealed class ApplyDocsTests
{
    private static readonly Lazy<Dictionary<string, XElement>> Members = new(() =>
    {
        string file = Path.ChangeExtension(typeof(WorkerPool).Assembly.Location, ".xml");
        return XDocument.Load(file).Root!.Element("members")!.Elements("member").ToDictionary(m => (string)m.Attribute("name")!);
    });

    public static TheoryData<string> Overloads()
    {
        var data = new TheoryData<string>();
        foreach (MethodInfo m in Calls())
        {
            data.Add(DocId(m));
        }

        return data;
    }

    [Fact]
    public void EveryDelegateShape_HasItsThreeCalls()
    {
        // Func with 0..3 arguments, Action with 0..1, each plain or asynchronous; Func with 0..1 arguments and Action,
        // each plain or asynchronous, taking the task's CancellationToken: Submit, ApplyAsync and Apply for each.
        Assert.Equal(18 * 3, Calls().Count());
    }

    [Theory]
    [MemberData(nameof(Overloads))]
    public void EveryOverload_DocumentsEachParameter_ItsResult_AndItsExceptions(string id)
    {
        MethodInfo method = Calls().Single(m => DocId(m) == id);
        Dictionary<(string Tag, string Key), string> tags = Expand(id, []);

        Assert.False(string.IsNullOrWhiteSpace(tags.GetValueOrDefault(("summary", ""))), $"{id}: no summary");
        foreach (ParameterInfo p in method.GetParameters())
        {
            Assert.False(string.IsNullOrWhiteSpace(tags.GetValueOrDefault(("param", p.Name!))), $"{id}: parameter {p.Name} is not documented");
        }

        foreach (Type t in method.GetGenericArguments())
        {
            Assert.False(string.IsNullOrWhiteSpace(tags.GetValueOrDefault(("typeparam", t.Name))), $"{id}: type parameter {t.Name} is not documented");
        }

        // A function's calls speak of its result; an action's have none (and Apply(Action) returns nothing).
        bool hasResult = method.ReturnType != typeof(void) && method.ReturnType != typeof(Task);
        Assert.Equal(method.ReturnType != typeof(void), tags.ContainsKey(("returns", "")));
        Assert.Equal(hasResult, tags.GetValueOrDefault(("returns", ""), "").Contains("result", StringComparison.Ordinal));
        foreach (Type e in new[] { typeof(ArgumentNullException), typeof(InvalidOperationException), typeof(QueueFullException) })
        {
            Assert.True(tags.ContainsKey(("exception", $"T:{e.FullName}")), $"{id}: {e.Name} is not documented");
        }

        // The summary names the overload's own delegate: an <inheritdoc> must not bring another shape's words.
        string @delegate = method.GetParameters()[0].Name!;
        Assert.Contains($"<paramref name=\"{@delegate}\" />", tags[("summary", "")], StringComparison.Ordinal);
    }

    private static IEnumerable<MethodInfo> Calls() =>
        typeof(WorkerPool).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name is "Submit" or "ApplyAsync" or "Apply");

    /// <summary>The member's tags with every <c>&lt;inheritdoc cref&gt;</c> expanded in place, the first of a name winning.</summary>
    private static Dictionary<(string Tag, string Key), string> Expand(string id, HashSet<string> seen)
    {
        Assert.True(seen.Add(id), $"<inheritdoc> cycle through {id}");
        Assert.True(Members.Value.TryGetValue(id, out XElement? member), $"no documentation for {id}");
        var tags = new Dictionary<(string, string), string>();
        foreach (XElement e in member!.Elements())
        {
            if (e.Name == "inheritdoc")
            {
                foreach (KeyValuePair<(string, string), string> inherited in Expand((string)e.Attribute("cref")!, seen))
                {
                    tags.TryAdd(inherited.Key, inherited.Value);
                }
            }
            else
            {
                string key = (string?)e.Attribute("name") ?? (string?)e.Attribute("cref") ?? "";
                tags.TryAdd((e.Name.LocalName, key), string.Concat(e.Nodes()));
            }
        }

        return tags;
    }

    /// <summary>The documentation ID the compiler gives <paramref name="method"/> (enough for these signatures).</summary>
    private static string DocId(MethodInfo method)
    {
        string generic = method.IsGenericMethod ? $"``{method.GetGenericArguments().Length}" : "";
        return $"M:{method.DeclaringType!.FullName}.{method.Name}{generic}({string.Join(",", method.GetParameters().Select(p => TypeId(p.ParameterType)))})";

        static string TypeId(Type t) =>
            t.IsGenericMethodParameter ? $"``{t.GenericParameterPosition}"
            : t.IsGenericType ? $"{t.GetGenericTypeDefinition().FullName![..t.GetGenericTypeDefinition().FullName!.IndexOf('`', StringComparison.Ordinal)]}{{{string.Join(",", t.GetGenericArguments().Select(TypeId))}}}"
            : t.FullName!;
    }
}
