using System.Runtime.CompilerServices;

namespace Multiprocessing.Tests.Support;

/// <summary>Static targets: method groups run in the child by metadata token.</summary>
internal static class StaticTargets
{
    public static int Square(int x) => x * x;

    public static string Concat(string a, int b, char c, double d) => $"{a}|{b}|{c}|{d.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static T Echo<T>(T value) => value;

    public static string TypeNameOf<T>(T value) => $"{typeof(T).FullName}={value}";

    public static void WriteFile(string path, string text) => File.WriteAllText(path, text);

    /// <summary>Creates <paramref name="path"/> to say "ready", then blocks until killed (or 60 s).</summary>
    public static void SignalThenBlock(string path)
    {
        File.WriteAllText(path, string.Empty);
        Thread.Sleep(TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until <paramref name="path"/> exists (the test's "go"), with a 30 s cap, then returns.</summary>
    public static int WaitForFile(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > deadline)
            {
                return -1;
            }

            Thread.Sleep(5);
        }

        return 1;
    }
}

/// <summary>Asynchronous static targets: the child awaits their tasks.</summary>
internal static class AsyncTargets
{
    public static async Task<int> DoubleAsync(int x)
    {
        await Task.Yield();
        return x * 2;
    }

    public static async Task<string> JoinAsync(string a, int times)
    {
        await Task.Yield();
        return string.Join(",", Enumerable.Repeat(a, times));
    }

    public static async Task WriteFileAsync(string path, string text)
    {
        await Task.Yield();
        await File.WriteAllTextAsync(path, text);
    }
}

/// <summary>OverloadedTargets that differ only by parameter types or count: the child must run the one the caller bound.</summary>
internal static class OverloadedTargets
{
    public static string Describe(int value) => $"int:{value}";

    public static string Describe(long value) => $"long:{value}";

    public static string Describe(string value) => $"string:{value}";

    public static string Describe(int a, int b) => $"int,int:{a},{b}";

    public static string Describe(object value) => $"object:{value}";
}

/// <summary>An instance target with private state of its own and of its base class.</summary>
internal class GreeterBase
{
    private readonly string punctuation;

    protected GreeterBase(string punctuation) => this.punctuation = punctuation;

    protected string Punctuate(string text) => text + punctuation;
}

internal sealed class Greeter : GreeterBase
{
    private readonly string greeting;
    private int calls;

    public Greeter(string greeting, string punctuation)
        : base(punctuation) => this.greeting = greeting;

    public int Calls => calls;

    public string Greet(string name)
    {
        calls++;
        return Punctuate($"{greeting}, {name} (call {calls})");
    }

    /// <summary>A lambda that captures both <c>this</c> and a local.</summary>
    public ChildProcess<string> StartGreeting(string name)
    {
        string suffix = "from a closure";
        return ChildProcess.Start(() => Greet(name) + " " + suffix);
    }
}

/// <summary>Lambdas created inside generic methods: their closure classes are generic too.</summary>
internal static class GenericLaunchers
{
    public static ChildProcess<string> StartCapturing<T>(T value) =>
        ChildProcess.Start(() => $"{typeof(T).Name}:{value}");

    public static ChildProcess<string> StartNonCapturing<T>() =>
        ChildProcess.Start(() => typeof(T).Name);

    public static ChildProcess<List<T>> StartRepeat<T>(T value, int count) =>
        ChildProcess.Start((T v, int n) => Enumerable.Repeat(v, n).ToList(), value, count);
}

/// <summary>Targets that throw, each from a method whose name the remote stack trace must show.</summary>
internal static class Throwers
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int ThrowInvalidOperationFromDeepInside(string message) => Level1(message);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowChained() =>
        throw new ApplicationFailureException(
            "outer failure",
            new ArgumentException("middle failure", new FormatException("innermost failure")));

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<int> ThrowAfterAwaitAsync()
    {
        await Task.Yield();
        throw new TimeoutException("async failure");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Level1(string message) => Level2(message);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Level2(string message) => throw new InvalidOperationException(message);
}

internal sealed class ApplicationFailureException : Exception
{
    public ApplicationFailureException()
    {
    }

    public ApplicationFailureException(string message)
        : base(message)
    {
    }

    public ApplicationFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An instance method on a struct: the delegate's target is a boxed copy.</summary>
internal readonly struct Adder
{
    private readonly int amount;

    public Adder(int amount) => this.amount = amount;

    public int Add(int x) => x + amount;
}

/// <summary>An instance method of a generic class.</summary>
internal sealed class Box<T>
{
    private readonly T content;

    public Box(T content) => this.content = content;

    public string Describe(int times) => $"{typeof(T).Name}:{string.Join(",", Enumerable.Repeat(content, times))}";
}

internal static class TextExtensions
{
    public static string Shout(this string text) => text.ToUpperInvariant() + "!";
}
